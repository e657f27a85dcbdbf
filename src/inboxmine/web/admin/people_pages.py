"""The Timeline page (a company or a contact) and the Reading Habits page
(with the "senders you never read" report and its CSV download).

Both are read-only: nothing here unsubscribes or sends anything.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from sqladmin import BaseView, expose
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from inboxmine.habits import export
from inboxmine.habits.figures import GROUPINGS, SORTS, habit_rules
from inboxmine.habits.queries import habits_page
from inboxmine.timeline.queries import InvalidSender, TimelineNotFound, load_timeline
from inboxmine.web.admin.nav import ADMIN_PAGES
from inboxmine.web.admin.pages import (
    BadParameter,
    _bad,
    _choice_param,
    _engine,
    _int_param,
    _text_param,
)

TIMELINE_ENTRIES = 50
HABITS_SHOWN = 200


def _rules_dir(view: BaseView):
    settings = getattr(view._admin_ref, "settings_", None)
    return settings.rules_dir if settings else None


def timeline_or_error(engine, sender: str, limit: int, rules_dir) -> tuple[dict | None, str | None]:
    """``(timeline, None)``, or ``(None, why there is none)``."""
    try:
        return load_timeline(engine, sender, limit=limit, rules_dir=rules_dir), None
    except (TimelineNotFound, InvalidSender) as exc:
        return None, str(exc)


class TimelinePage(BaseView):
    name = "Timeline"
    icon = "fa-solid fa-timeline"

    @expose("/timeline", methods=["GET"], identity="timeline")
    async def timeline(self, request: Request) -> Response:
        try:
            sender = _text_param(request, "sender", 320)
            limit = _int_param(request, "limit", 1, 1000, TIMELINE_ENTRIES)
        except BadParameter as exc:
            return await _bad(self, request, exc)
        timeline, error = None, None
        if sender:
            timeline, error = await run_in_threadpool(
                timeline_or_error, _engine(self), sender, limit, _rules_dir(self)
            )
        context = {
            "title": "Timeline",
            "sender": sender,
            "limit": limit,
            "timeline": timeline,
            "error": error,
        }
        return await self.templates.TemplateResponse(request, "admin/timeline.html", context)


def habits_filters(request: Request) -> dict[str, Any]:
    return {
        "by": _choice_param(request, "by", GROUPINGS, "sender"),
        "sort": _choice_param(request, "sort", SORTS, "unread"),
        "q": _text_param(request, "q", 200),
        "never_read": _choice_param(request, "never_read", ("0", "1", "true", "false"), "0")
        in ("1", "true"),
    }


def _rows(engine, filters, rules_dir, limit=None) -> tuple[int, list[dict[str, Any]]]:
    return habits_page(
        engine,
        by=filters["by"],
        never_read_only=filters["never_read"],
        sort=filters["sort"],
        search=filters["q"],
        limit=limit,
        rules_dir=rules_dir,
    )


def _query(filters: dict[str, Any]) -> str:
    params = {"by": filters["by"], "sort": filters["sort"]}
    if filters["q"]:
        params["q"] = filters["q"]
    if filters["never_read"]:
        params["never_read"] = "1"
    return urlencode(params)


class HabitsPage(BaseView):
    name = "Reading Habits"
    icon = "fa-solid fa-envelope-open-text"

    @expose("/habits", methods=["GET"], identity="habits")
    async def habits(self, request: Request) -> Response:
        try:
            filters = habits_filters(request)
        except BadParameter as exc:
            return await _bad(self, request, exc)
        total, rows = await run_in_threadpool(
            _rows, _engine(self), filters, _rules_dir(self), HABITS_SHOWN
        )
        context = {
            "title": "Reading Habits",
            "filters": filters,
            "sorts": SORTS,
            "rows": rows,
            "total": total,
            "export_query": _query(filters),
            "min_messages": habit_rules(_rules_dir(self)).min_messages,
        }
        return await self.templates.TemplateResponse(request, "admin/habits.html", context)

    @expose("/habits/export.csv", methods=["GET"], identity="habits-export")
    async def habits_export(self, request: Request) -> Response:
        try:
            filters = habits_filters(request)
        except BadParameter as exc:
            return await _bad(self, request, exc)
        _total, rows = await run_in_threadpool(_rows, _engine(self), filters, _rules_dir(self))
        name = (
            f"inboxmine-{'never-read' if filters['never_read'] else 'habits'}-{filters['by']}.csv"
        )
        return Response(
            export.csv_text(rows, filters["by"]),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )


ADMIN_PAGES.register("timeline", TimelinePage, order=100)
ADMIN_PAGES.register("habits", HabitsPage, order=110)

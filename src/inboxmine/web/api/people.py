"""Timelines of contacts and companies, and reading habits (read-only)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy import Engine

from inboxmine.habits import export
from inboxmine.habits.queries import HabitsError, habits_page, reading_habits
from inboxmine.timeline.queries import InvalidSender, TimelineNotFound, load_timeline
from inboxmine.web.api.deps import Limit, Offset, Page, engine, invalid, page
from inboxmine.web.data import jsonable

router = APIRouter(tags=["people"])


class HabitsPage(Page):
    """One page of reading habits."""


def _rules_dir(request: Request):
    return request.app.state.settings.rules_dir


@router.get(
    "/timeline/{sender}",
    summary="The timeline of a company (a domain) or a contact (an address)",
)
def get_timeline(
    sender: str,
    request: Request,
    db: Annotated[Engine, Depends(engine)],
    limit: Annotated[int, Query(ge=1, le=1000, description="entries")] = 50,
) -> dict[str, Any]:
    """People (with why their addresses were merged), threads with who owes
    a reply, and entries (messages, gems, drafts) newest first, with money,
    dates, files and trust verdicts. Never message HTML."""
    if len(sender) > 320:
        raise invalid("sender is longer than 320 characters")
    try:
        found = load_timeline(db, sender, limit=limit, rules_dir=_rules_dir(request))
    except InvalidSender as exc:
        raise invalid(str(exc)) from exc
    except TimelineNotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    return jsonable(found)


Grouping = Annotated[Literal["sender", "list"], Query(description="per sender or per List-Id")]
Sort = Annotated[Literal["unread", "messages", "read_rate", "last_at"], Query()]


@router.get("/habits", response_model=HabitsPage, summary="Reading habits per sender or list")
def list_habits(
    request: Request,
    db: Annotated[Engine, Depends(engine)],
    by: Grouping = "sender",
    never_read: Annotated[bool, Query(description="only the ones you never read")] = False,
    sort: Sort = "unread",
    q: Annotated[str | None, Query(max_length=200, description="text in sender or list")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Volume, read, unread, read_unknown, replied, rates and the harvested
    unsubscribe link. Nothing is ever unsubscribed or sent by inboxmine."""
    try:
        total, rows = habits_page(
            db,
            by=by,
            never_read_only=never_read,
            sort=sort,
            search=q,
            limit=limit,
            offset=offset,
            rules_dir=_rules_dir(request),
        )
    except HabitsError as exc:
        raise invalid(str(exc)) from exc
    return page(total, rows)


@router.get("/habits.csv", summary="Reading habits as a formula-safe CSV file")
def habits_csv(
    request: Request,
    db: Annotated[Engine, Depends(engine)],
    by: Grouping = "sender",
    never_read: Annotated[bool, Query()] = False,
    sort: Sort = "unread",
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    rows = _habits(request, db, by, never_read, sort, q)
    name = f"inboxmine-{'never-read' if never_read else 'habits'}-{by}.csv"
    return Response(
        export.csv_text(rows, by),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _habits(request, db, by, never_read, sort, q) -> list[dict[str, Any]]:
    try:
        return reading_habits(
            db,
            by=by,
            never_read_only=never_read,
            sort=sort,
            search=q,
            rules_dir=_rules_dir(request),
        )
    except HabitsError as exc:
        raise invalid(str(exc)) from exc

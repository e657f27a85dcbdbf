"""The custom pages: Dashboard, Pipeline Control, Gem Explorer, Score Inspector, AI Inspector
(each registered in :data:`~inboxmine.web.admin.nav.ADMIN_PAGES`, the sidebar's list).

Each page reads through :mod:`inboxmine.web.data`; query parameters are
validated here and a bad one is answered with a 422 page that says what is
wrong (never a 500).
"""

from __future__ import annotations

import json
from datetime import datetime
from importlib import resources
from typing import Any

from sqladmin import BaseView, expose
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from inboxmine.runner import registry
from inboxmine.web import charts, data
from inboxmine.web.admin.nav import ADMIN_PAGES

GEM_PAGE_SIZE = 24
AUDIT_PAGE_SIZE = 20


class BadParameter(Exception):
    """A query parameter a page cannot use; the message says which and why."""


def fmt_time(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, str) and "T" in value:
        return value.replace("T", " ")[:19]
    return "" if value is None else str(value)


def status_class(status: Any) -> str:
    return {
        "completed": "bg-green-lt",
        "failed": "bg-red-lt",
        "running": "bg-azure-lt",
        "pending": "bg-yellow-lt",
        "new": "bg-azure-lt",
        "acted": "bg-green-lt",
        "dismissed": "bg-secondary-lt",
        "expired": "bg-secondary-lt",
    }.get(str(status), "bg-secondary-lt")


def json_pretty(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _int_param(request: Request, name: str, low: int, high: int, default: int | None = None):
    raw = request.query_params.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise BadParameter(f"{name} must be a whole number, not {raw[:30]!r}") from exc
    if not low <= value <= high:
        raise BadParameter(f"{name} must be between {low} and {high}, not {value}")
    return value


def _choice_param(request: Request, name: str, choices, default: str | None = None):
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if raw not in choices:
        raise BadParameter(f"{name} must be one of {', '.join(choices)}, not {raw[:30]!r}")
    return raw


def _text_param(request: Request, name: str, max_length: int = 200) -> str | None:
    raw = (request.query_params.get(name) or "").strip()
    if len(raw) > max_length:
        raise BadParameter(f"{name} is longer than {max_length} characters")
    return raw or None


async def _bad(view: BaseView, request: Request, exc: BadParameter) -> Response:
    return await view.templates.TemplateResponse(
        request,
        "admin/bad_parameter.html",
        {"message": str(exc), "title": "Bad parameter"},
        status_code=422,
    )


def _engine(view: BaseView) -> Engine:
    return view._admin_ref.engine_


# ----------------------------------------------------------------- dashboard


def dashboard_context(engine: Engine) -> dict[str, Any]:
    stats = data.stats(engine)
    gem_types = data.gems_by_type(engine)
    industries = data.by_industry(engine)
    esps = data.by_esp(engine)
    top = data.top_gems(engine, 10)
    return {
        "title": "Dashboard",
        "stats": stats,
        "stages": data.stages_overview(engine),
        "recent_runs": data.recent_runs(engine, 10),
        "top_gems": top,
        "chart_gem_types": charts.donut_chart(
            [(g["gem_type"], g["count"]) for g in gem_types],
            "Gem types",
            "No gems yet: run the pipeline (Pipeline Control, Run All).",
        ),
        "chart_top_gems": charts.bar_chart(
            [(f"{g['sender_domain']} · {g['gem_type']}", g["score"]) for g in top],
            "Top gems by score",
            empty_text="No gems yet.",
        ),
        "chart_industries": charts.donut_chart(
            [(i["industry"], i["count"]) for i in industries],
            "Industries",
            "No classified senders yet: run classify and profile.",
        ),
        "chart_esps": charts.bar_chart(
            [(e["esp"], e["count"]) for e in esps],
            "Messages by ESP",
            empty_text="No metadata yet: run the metadata stage.",
        ),
    }


class Dashboard(BaseView):
    name = "Dashboard"
    icon = "fa-solid fa-gauge"

    @expose("/dashboard", methods=["GET"], identity="dashboard")
    async def dashboard(self, request: Request) -> Response:
        context = await run_in_threadpool(dashboard_context, _engine(self))
        return await self.templates.TemplateResponse(request, "admin/dashboard.html", context)


# ---------------------------------------------------------- pipeline control


def pipeline_context(engine: Engine) -> dict[str, Any]:
    stages = data.stages_overview(engine)
    history = data.recent_runs(engine, 30)
    return {
        "title": "Pipeline Control",
        "stages": stages,
        "run_all": [s["key"] for s in stages if s["in_run_all"]],
        "history": history,
    }


class PipelineControl(BaseView):
    name = "Pipeline Control"
    icon = "fa-solid fa-gears"

    @expose("/pipeline", methods=["GET"], identity="pipeline")
    async def pipeline(self, request: Request) -> Response:
        context = await run_in_threadpool(pipeline_context, _engine(self))
        return await self.templates.TemplateResponse(request, "admin/pipeline.html", context)


# -------------------------------------------------------------- gem explorer


def gem_filters(request: Request, gem_types: list[str]) -> dict[str, Any]:
    return {
        "gem_type": _choice_param(request, "type", gem_types) if gem_types else None,
        "status": _choice_param(request, "status", data.GEM_STATUSES),
        "urgency": _choice_param(request, "urgency", data.URGENCIES),
        "min_score": _int_param(request, "min_score", 0, 100),
        "sort": _choice_param(request, "sort", tuple(data.GEM_SORTS), "score"),
        "page": _int_param(request, "page", 1, 1_000_000, 1),
    }


def gem_judgement(engine: Engine, gem_ids: list[int]) -> dict[str, Any]:
    """The ratings of the cards shown and the quality summary (Judge the gems)."""
    from inboxmine.db.engine import read_tx
    from inboxmine.opportunities import feedback, quality
    from inboxmine.services import ratings

    with read_tx(engine) as conn:
        return {
            "gem_ratings": ratings.ratings_for(conn, gem_ids),
            "gem_quality": quality.quality(conn),
            "bad_reasons": feedback.BAD_REASONS,
        }


class GemExplorer(BaseView):
    name = "Gem Explorer"
    icon = "fa-solid fa-gem"

    @expose("/gem-explorer", methods=["GET"], identity="gem-explorer")
    async def gem_explorer(self, request: Request) -> Response:
        engine = _engine(self)
        gem_types = await run_in_threadpool(data.distinct_values, engine, "gems", "gem_type")
        try:
            filters = gem_filters(request, gem_types)
        except BadParameter as exc:
            return await _bad(self, request, exc)
        offset = (filters["page"] - 1) * GEM_PAGE_SIZE
        total, gems = await run_in_threadpool(
            data.gems_page,
            engine,
            filters["gem_type"],
            filters["status"],
            filters["urgency"],
            filters["min_score"],
            None,
            filters["sort"],
            GEM_PAGE_SIZE,
            offset,
        )
        pages = max(1, -(-total // GEM_PAGE_SIZE))
        judgement = await run_in_threadpool(gem_judgement, engine, [g["id"] for g in gems])
        context = {
            **judgement,
            "title": "Gem Explorer",
            "gems": gems,
            "total": total,
            "filters": filters,
            "gem_types": gem_types,
            "page": filters["page"],
            "pages": pages,
            "has_gems_table": data.count_rows(engine, "gems") is not None,
            "can_draft": "engage" in registry.stages(),
        }
        return await self.templates.TemplateResponse(request, "admin/gem_explorer.html", context)


class ScoreInspector(BaseView):
    name = "Score Inspector"
    icon = "fa-solid fa-chart-column"

    @expose("/score-inspector", methods=["GET"], identity="score-inspector")
    async def score_inspector(self, request: Request) -> Response:
        engine = _engine(self)
        try:
            domain = _text_param(request, "domain", 320)
        except BadParameter as exc:
            return await _bad(self, request, exc)
        domains = await run_in_threadpool(data.top_sender_domains, engine, 50)
        detail = None
        if domain:
            detail = await run_in_threadpool(data.sender_score, engine, domain)
        context = {
            "title": "Score Inspector",
            "domains": domains,
            "domain": domain,
            "detail": detail,
        }
        return await self.templates.TemplateResponse(request, "admin/score_inspector.html", context)


# --------------------------------------------------------------- AI inspector


def prompt_library() -> list[dict[str, str]]:
    """Every prompt template shipped with the package, as the AI sees it."""
    try:
        folder = resources.files("inboxmine.ai") / "prompts"
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError):
        return []
    library = []
    for entry in entries:
        if entry.name.endswith((".md", ".txt")) and entry.is_file():
            library.append({"name": entry.name, "text": entry.read_text(encoding="utf-8")})
    return library


class AIInspector(BaseView):
    name = "AI Inspector"
    icon = "fa-solid fa-microscope"

    @expose("/ai-inspector", methods=["GET"], identity="ai-inspector")
    async def ai_inspector(self, request: Request) -> Response:
        engine = _engine(self)
        stages = await run_in_threadpool(data.distinct_values, engine, "ai_audit_log", "stage")
        models = await run_in_threadpool(data.distinct_values, engine, "ai_audit_log", "model_used")
        try:
            stage = _choice_param(request, "stage", stages) if stages else None
            model = _choice_param(request, "model", models) if models else None
            sender = _text_param(request, "sender", 320)
            run_id = _int_param(request, "run", 1, 2**31)
            page = _int_param(request, "page", 1, 1_000_000, 1)
        except BadParameter as exc:
            return await _bad(self, request, exc)
        total, entries = await run_in_threadpool(
            data.ai_audit_page,
            engine,
            stage,
            sender,
            model,
            run_id,
            AUDIT_PAGE_SIZE,
            (page - 1) * AUDIT_PAGE_SIZE,
            True,
        )
        context = {
            "title": "AI Inspector",
            "entries": entries,
            "total": total,
            "stages": stages,
            "models": models,
            "filters": {"stage": stage, "model": model, "sender": sender, "run": run_id},
            "page": page,
            "pages": max(1, -(-total // AUDIT_PAGE_SIZE)),
            "library": prompt_library(),
        }
        return await self.templates.TemplateResponse(request, "admin/ai_inspector.html", context)


ADMIN_PAGES.register("dashboard", Dashboard, order=10)
ADMIN_PAGES.register("pipeline", PipelineControl, order=30)
ADMIN_PAGES.register("gem_explorer", GemExplorer, order=40)
ADMIN_PAGES.register("score_inspector", ScoreInspector, order=50)
ADMIN_PAGES.register("ai_inspector", AIInspector, order=60)

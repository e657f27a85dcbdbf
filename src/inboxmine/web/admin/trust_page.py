"""The Suspicious senders page: phishing, spam and suspicious senders with their
evidence, and a form to correct a verdict (like ``inboxmine trust set``)."""

from __future__ import annotations

from typing import Any

from sqladmin import BaseView, expose
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from inboxmine.db.tables.trust import TRUST_VERDICTS
from inboxmine.trust import service
from inboxmine.web.admin.nav import ADMIN_PAGES

PAGE_SIZE = 50
MAX_REASON_CHARS = 500


def suspicious_context(engine: Engine, verdict: str | None, sender: str | None) -> dict[str, Any]:
    """The report (one verdict, or all three), and one sender's detail when asked."""
    verdicts = [verdict] if verdict else list(service.REPORT_VERDICTS)
    total, rows = service.list_senders(engine, verdicts, PAGE_SIZE)
    focus = None
    if sender:
        try:
            focus = service.sender_detail(engine, sender)
        except (service.NotFound, service.InvalidValue):
            focus = None
    counts = {v: service.list_senders(engine, [v], 1)[0] for v in service.REPORT_VERDICTS}
    return {
        "title": "Suspicious senders",
        "senders": rows,
        "total": total,
        "counts": counts,
        "verdict": verdict,
        "sender": sender,
        "focus": focus,
        "verdicts": TRUST_VERDICTS,
        "report_verdicts": service.REPORT_VERDICTS,
        "unjudged": service.unjudged_messages(engine),
        "rejudge": service.REJUDGE,
    }


class SuspiciousSenders(BaseView):
    name = "Suspicious senders"
    icon = "fa-solid fa-user-secret"

    def _engine(self) -> Engine:
        return self._admin_ref.engine_

    async def _render(self, request: Request, error: str | None = None, status: int = 200):
        verdict = request.query_params.get("verdict") or None
        if verdict is not None and verdict not in service.REPORT_VERDICTS:
            error = (
                f"verdict must be one of {', '.join(service.REPORT_VERDICTS)}, not {verdict[:30]!r}"
            )
            verdict, status = None, 422
        sender = (request.query_params.get("sender") or "").strip()[:320] or None
        context = await run_in_threadpool(suspicious_context, self._engine(), verdict, sender)
        context["error"] = error
        context["saved"] = request.query_params.get("saved", "")[:400]
        return await self.templates.TemplateResponse(
            request, "admin/suspicious_senders.html", context, status_code=status
        )

    @expose("/suspicious-senders", methods=["GET", "POST"], identity="suspicious-senders")
    async def suspicious_senders(self, request: Request) -> Response:
        if request.method == "GET":
            return await self._render(request)
        form = await request.form()
        sender = str(form.get("sender_domain") or "")[:400]
        verdict = str(form.get("verdict") or "")[:32]
        reason = str(form.get("reason") or "")[:MAX_REASON_CHARS] or None
        rules_dir = self._admin_ref.settings_.rules_dir
        try:
            if form.get("action") == "clear":
                trust = await run_in_threadpool(
                    service.clear_verdict, self._engine(), sender, rules_dir
                )
                now = trust["verdict"] if trust else "not judged"
                message = f"{service.sender_key(sender)}: your correction removed, now {now}"
            else:
                trust = await run_in_threadpool(
                    service.set_verdict, self._engine(), sender, verdict, reason, "web", rules_dir
                )
                message = f"{trust['sender_domain']}: {trust['verdict']} (set by you)"
        except (service.InvalidValue, service.NotFound) as exc:
            return await self._render(request, str(exc), 422)
        # Post/redirect/get: a reload does not post again. The message is text, escaped.
        from urllib.parse import urlencode

        return RedirectResponse(
            "/admin/suspicious-senders?" + urlencode({"saved": message}), status_code=303
        )


ADMIN_PAGES.register("suspicious_senders", SuspiciousSenders, order=70)

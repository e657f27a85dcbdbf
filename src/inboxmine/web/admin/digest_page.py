"""The "What changed" page: the digest of ``inboxmine digest`` in the admin.

Read-only, like ``GET /api/digest``: looking at it never moves
``--since last`` (only ``inboxmine digest`` records digest runs).
"""

from __future__ import annotations

from sqladmin import BaseView, expose
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from inboxmine.digest.render import SECTIONS, item_line
from inboxmine.web.admin.nav import ADMIN_PAGES


class DigestPage(BaseView):
    name = "What changed"
    icon = "fa-solid fa-newspaper"

    @expose("/digest", methods=["GET"], identity="digest")
    async def digest(self, request: Request) -> Response:
        from inboxmine.digest.since import SinceError
        from inboxmine.web.api.digest import digest_data

        since = (request.query_params.get("since") or "last")[:40]
        error, made = None, None
        try:
            made = await run_in_threadpool(
                digest_data, self._admin_ref.engine_, self._admin_ref.settings_, since, None
            )
        except SinceError as exc:
            error = str(exc)
        context = {
            "title": "What changed",
            "since": since,
            "error": error,
            "digest": made,
            "sections": SECTIONS,
            "item_line": item_line,
        }
        return await self.templates.TemplateResponse(
            request, "admin/digest.html", context, status_code=422 if error else 200
        )


ADMIN_PAGES.register("digest", DigestPage, order=80)

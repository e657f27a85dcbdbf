"""The Search page: the admin's search box and its answers, linked to the
message, its sender's profile and its gems. Snippets are escaped text with
the matches marked - message HTML is never rendered here."""

from __future__ import annotations

from sqladmin import BaseView, expose
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from inboxmine.search.query import MAX_QUERY_CHARS, QueryError
from inboxmine.web.admin.nav import ADMIN_PAGES
from inboxmine.web.search_links import linked_results

#: Answers on one page.
PAGE_LIMIT = 50


class SearchPage(BaseView):
    name = "Search"
    icon = "fa-solid fa-magnifying-glass"

    @expose("/search", methods=["GET"], identity="search")
    async def search(self, request: Request) -> Response:
        q = (request.query_params.get("q") or "").strip()
        context = {"title": "Search", "q": q, "results": None, "error": None}
        status = 200
        if len(q) > MAX_QUERY_CHARS:
            context["error"] = f"the query is longer than {MAX_QUERY_CHARS} characters: shorten it"
            status = 422
        elif q:
            admin = self._admin_ref
            try:
                context["results"] = await run_in_threadpool(
                    linked_results, admin.engine_, q, PAGE_LIMIT, admin.settings_.rules_dir
                )
            except QueryError as exc:
                context["error"] = str(exc)
                status = 422
        return await self.templates.TemplateResponse(
            request, "admin/search.html", context, status_code=status
        )


ADMIN_PAGES.register("search", SearchPage, order=20)

"""The admin at ``/admin``: sqladmin for the table views, custom pages beside them.

Sidebar order: the pages people use (Dashboard, Search, Pipeline Control, Gem
Explorer, ...: :data:`~inboxmine.web.admin.nav.ADMIN_PAGES`, in their order,
less those ``components.admin_pages`` disables) first, then the table views
grouped by what they hold.
"""

from __future__ import annotations

from pathlib import Path

from sqladmin import Admin
from sqladmin.authentication import AuthenticationBackend
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from inboxmine.config import Settings
from inboxmine.web import auth, data
from inboxmine.web.admin import pages
from inboxmine.web.admin.nav import enabled_pages, page_path
from inboxmine.web.admin.tables import registered_views

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


class PasswordBackend(AuthenticationBackend):
    """One admin password; the session itself lives in the app-wide signed cookie."""

    def __init__(self, password: str) -> None:
        # The app installs SessionMiddleware for the API too; no second one here.
        self.middlewares = []
        self._password = password

    async def login(self, request: Request) -> Response | bool:
        form = await request.form()
        given = str(form.get("password") or "")[:1024]
        if not auth.same_secret(given, self._password):
            return False
        auth.log_in(request)
        target = auth.safe_next(request.query_params.get("next") or str(form.get("next") or ""))
        return RedirectResponse(target, status_code=302)

    async def logout(self, request: Request) -> Response | bool:
        request.session.clear()
        return RedirectResponse("/admin/login", status_code=302)

    async def authenticate(self, request: Request) -> bool:
        return auth.is_logged_in(request)

    async def get_user_id(self, request: Request):
        return request.session.get("user")


class InboxAdmin(Admin):
    """sqladmin with the Dashboard as its index page."""

    engine_: Engine
    settings_: Settings
    #: Where ``/admin/`` goes when the Dashboard is switched off (None: it is on).
    home_: str | None = None

    async def index(self, request: Request) -> Response:
        if not auth.is_logged_in(request):
            return RedirectResponse("/admin/login", status_code=302)
        if self.home_ is not None:
            return RedirectResponse(self.home_, status_code=302)
        context = await run_in_threadpool(pages.dashboard_context, self.engine_)
        return await self.templates.TemplateResponse(request, "admin/dashboard.html", context)


def build_admin(app, engine: Engine, settings: Settings, password: str) -> InboxAdmin:
    """Mount the admin on ``app`` with every page and every table view."""
    admin = InboxAdmin(
        app,
        engine=engine,
        title="inboxmine",
        base_url="/admin",
        templates_dir=str(TEMPLATES),
        authentication_backend=PasswordBackend(password),
    )
    admin.engine_ = engine
    admin.settings_ = settings
    env = admin.templates.env
    env.globals["csrf_token"] = auth.csrf_token
    env.globals["fmt_time"] = pages.fmt_time
    env.globals["status_class"] = pages.status_class
    env.globals["json_pretty"] = pages.json_pretty
    env.globals["GEM_STATUSES"] = data.GEM_STATUSES
    shown = enabled_pages(settings)
    env.globals["admin_pages"] = {page.name for page in shown}
    if "dashboard" not in env.globals["admin_pages"]:
        first = next(iter(shown), None)
        admin.home_ = "/admin" + page_path(first.value) if first else "/admin/pipeline-runs/list"
    for page in shown:
        admin.add_view(page.value)
    for view in registered_views():
        admin.add_view(view)
    return admin

"""The web application: admin at ``/admin``, JSON API at ``/api``, OpenAPI at ``/docs``.

:func:`create_app` builds it from the settings; ``inboxmine web`` serves it
with uvicorn on 127.0.0.1. Layers, outermost first: security headers (a
strict content-security policy on every page), the signed-cookie session,
the guard (login and CSRF), then the routes.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from inboxmine.config import Settings, load_settings
from inboxmine.db.engine import make_engine
from inboxmine.web import auth, data
from inboxmine.web.admin import build_admin
from inboxmine.web.api import api_router
from inboxmine.web.queue import TaskQueue
from inboxmine.web.sanitize import MESSAGE_CSP, message_document, sanitize_html

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"

#: Every page: scripts only from this server, nothing remote at all.
ADMIN_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)


class SecurityHeadersMiddleware:
    """Adds the CSP and friends to every response that has not set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith(("/static/", "/admin/statics/"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = {
                    b"content-security-policy": ADMIN_CSP.encode(),
                    b"x-content-type-options": b"nosniff",
                    b"x-frame-options": b"SAMEORIGIN",
                    b"referrer-policy": b"same-origin",
                    b"cross-origin-opener-policy": b"same-origin",
                }
                if not static:
                    extra[b"cache-control"] = b"no-store"
                headers += [(k, v) for k, v in extra.items() if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(
    settings: Settings | None = None,
    engine: Engine | None = None,
    *,
    password: str | None = None,
    queue_mode: str = "threads",
) -> FastAPI:
    """The whole web application.

    ``password`` overrides the configured admin password (else
    ``settings.admin_password``, else a generated one in
    ``app.state.generated_password``). ``queue_mode``: ``threads`` (consume
    web-triggered runs here), ``enqueue`` (leave them to ``inboxmine worker``)
    or ``immediate`` (run them inside the request; tests).
    """
    settings = settings or load_settings()
    if engine is None:
        from inboxmine.db.migrate import is_up_to_date, upgrade
        from inboxmine.runner.ledger import recover_interrupted

        engine = make_engine(settings.database_url)
        if not is_up_to_date(engine):
            upgrade(engine)
        recover_interrupted(engine)
    from inboxmine.stored_settings import apply_stored

    # The same layers as the CLI: what the database stores, under file and env.
    settings = apply_stored(settings, engine)
    generated = None
    if password is None:
        password, was_generated = auth.admin_password(settings)
        generated = password if was_generated else None
    queue = TaskQueue(settings, engine, mode=queue_mode)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        queue.start()
        try:
            yield
        finally:
            queue.stop()

    app = FastAPI(
        title="inboxmine",
        description="The JSON API of inboxmine's admin. Log in at /admin/login, or send "
        "`Authorization: Bearer <INBOXMINE_API_TOKEN>`. State-changing requests with a "
        "session cookie need the X-CSRF-Token header.",
        version="1",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.settings = settings
    app.state.queue = queue
    app.state.generated_password = generated

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/admin/", status_code=302)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        # Swagger UI served from this app (no CDN); its start-up script is a file.
        return HTMLResponse(
            '<!DOCTYPE html><html><head><meta charset="utf-8"><title>inboxmine API</title>'
            '<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css"></head>'
            '<body><div id="swagger-ui"></div>'
            '<script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script>'
            '<script src="/static/docs.js"></script></body></html>'
        )

    @app.get("/admin/pipeline-runs", include_in_schema=False)
    @app.get("/admin/pipeline-runs/", include_in_schema=False)
    def pipeline_runs_view(request: Request) -> RedirectResponse:
        query = request.url.query
        return RedirectResponse(
            "/admin/pipeline-runs/list" + (f"?{query}" if query else ""), status_code=302
        )

    @app.get("/admin/message-body/{message_id}", include_in_schema=False)
    async def message_body(message_id: int) -> Response:
        """A message's HTML, sanitized, for the sandboxed frame of the message view."""
        found = await run_in_threadpool(data.message, engine, message_id)
        if found is None:
            return Response("no such message", status_code=404, media_type="text/plain")
        html = found.get("body_html")
        if not html:
            text = found.get("body_text") or ""
            from markupsafe import escape

            document = (
                '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
                f'<pre style="white-space:pre-wrap;font-family:sans-serif">{escape(text)}</pre>'
                "</body></html>"
            )
        else:
            document = message_document(sanitize_html(html))
        return HTMLResponse(
            document,
            headers={
                "Content-Security-Policy": MESSAGE_CSP,
                "X-Frame-Options": "SAMEORIGIN",
                "Referrer-Policy": "no-referrer",
            },
        )

    app.include_router(api_router())
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    build_admin(app, engine, settings, password)

    app.add_middleware(auth.GuardMiddleware, token=auth.api_token(settings))
    app.add_middleware(
        SessionMiddleware,
        secret_key=auth.session_secret(settings),
        session_cookie=auth.SESSION_COOKIE,
        max_age=auth.SESSION_MAX_AGE_S,
        same_site="lax",
        https_only=False,
    )
    app.add_middleware(SecurityHeadersMiddleware)
    return app

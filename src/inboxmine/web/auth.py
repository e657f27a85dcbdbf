"""Who may use the admin and the API, and protection against forged requests.

* One user: the admin. The password comes from ``INBOXMINE_ADMIN_PASSWORD``
  (or ``admin_password`` in the config file); without one, a random password
  is generated at start and printed by ``inboxmine web``.
* Sessions live in a signed cookie (Starlette's SessionMiddleware, itsdangerous).
  The signing key is ``web.secret_key``, else a random key kept in a file next
  to the database, so a restart does not log everybody out.
* The API also accepts ``Authorization: Bearer <INBOXMINE_API_TOKEN>``.
* Every state-changing request (anything but GET/HEAD/OPTIONS) made with a
  session cookie must carry the session's CSRF token, in the ``X-CSRF-Token``
  header or a ``csrf_token`` form field, and must not come from another
  origin. Bearer-token requests are exempt: a browser never adds that header
  on its own.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

from platformdirs import user_data_dir
from sqlalchemy.engine import make_url
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from inboxmine.config import Settings

SESSION_COOKIE = "inboxmine_session"
SESSION_MAX_AGE_S = 7 * 24 * 3600
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Paths anyone may open: the login page and the static assets it needs.
PUBLIC_PREFIXES = ("/admin/login", "/admin/statics/", "/static/", "/favicon.ico", "/healthz")
#: Form bodies read for the CSRF field are capped (a login or an edit form is small).
MAX_FORM_BYTES = 1_000_000


# ------------------------------------------------------------------ secrets


def state_dir(settings: Settings) -> Path:
    """Where the web keeps its files: next to a SQLite database, else the user data dir."""
    try:
        url = make_url(settings.database_url)
    except Exception:
        url = None
    if (
        url is not None
        and url.get_backend_name() == "sqlite"
        and url.database
        not in (
            None,
            "",
            ":memory:",
        )
    ):
        return Path(url.database).expanduser().resolve().parent
    return Path(user_data_dir("inboxmine"))


def session_secret(settings: Settings) -> str:
    """The cookie-signing key: configured, else generated once and kept (mode 0600)."""
    if settings.web.secret_key and settings.web.secret_key.get_secret_value():
        return settings.web.secret_key.get_secret_value()
    path = state_dir(settings) / "inboxmine-web.secret"
    try:
        existing = path.read_text(encoding="utf-8").strip()
        if existing:
            return existing
    except OSError:
        pass
    key = secrets.token_urlsafe(48)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(key)
    except OSError:
        # Read-only folder: sessions then last as long as this process.
        pass
    return key


def admin_password(settings: Settings) -> tuple[str, bool]:
    """(password, generated): the configured password, or a new random one."""
    if settings.admin_password and settings.admin_password.get_secret_value():
        return settings.admin_password.get_secret_value(), False
    return secrets.token_urlsafe(12), True


def api_token(settings: Settings) -> str | None:
    if settings.api_token and settings.api_token.get_secret_value():
        return settings.api_token.get_secret_value()
    return None


def same_secret(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison; an empty expected secret never matches."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


# ------------------------------------------------------------------ session


def csrf_token(request: Request) -> str:
    """This session's CSRF token (created on first use)."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def log_in(request: Request) -> None:
    """Start an authenticated session (a fresh CSRF token, against session fixation)."""
    request.session.clear()
    request.session["user"] = "admin"
    request.session["csrf"] = secrets.token_urlsafe(32)


def is_logged_in(request: Request) -> bool:
    return request.session.get("user") == "admin"


# --------------------------------------------------------------- middleware


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            text = value.decode("latin-1")
            if text[:7].lower() == "bearer ":
                return text[7:].strip()
    return None


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return value.decode("latin-1")
    return None


def _same_origin(scope: Scope) -> bool:
    """False when the browser says the request comes from another site."""
    host = _header(scope, b"host")
    origin = _header(scope, b"origin") or _header(scope, b"referer")
    if not origin or origin == "null":
        # No Origin and no Referer: not a browser form post from another page.
        return origin != "null"
    return urlsplit(origin).netloc == host


class GuardMiddleware:
    """Login for every path but the public ones; CSRF for every state change.

    Runs inside SessionMiddleware, so ``scope["session"]`` is the signed session.
    """

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        method: str = scope["method"]
        session = scope.get("session", {})
        bearer = _bearer(scope)
        if bearer is not None:
            if not same_secret(bearer, self.token):
                await _deny(scope, receive, send, 401, "invalid API token", path)
                return
            await self.app(scope, receive, send)
            return
        public = path.startswith(PUBLIC_PREFIXES)
        if not public and session.get("user") != "admin":
            await _deny(scope, receive, send, 401, "login required", path)
            return
        if method in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        # A state change with the session cookie: same origin and the token.
        if not _same_origin(scope):
            await _deny(scope, receive, send, 403, "cross-site request refused", path)
            return
        expected = session.get("csrf")
        given = _header(scope, b"x-csrf-token")
        replay: list[Message] | None = None
        if given is None:
            content_type = (_header(scope, b"content-type") or "").split(";")[0].strip()
            if content_type == "application/x-www-form-urlencoded":
                body, replay = await _read_body(receive)
                if body is None:
                    await _deny(scope, receive, send, 413, "form too large", path)
                    return
                fields = parse_qs(body.decode("utf-8", "replace"), max_num_fields=1000)
                given = (fields.get(CSRF_FIELD) or [None])[0]
            elif content_type == "multipart/form-data":
                body, replay = await _read_body(receive)
                if body is None:
                    await _deny(scope, receive, send, 413, "form too large", path)
                    return
                given = _multipart_field(body, CSRF_FIELD)
        if not same_secret(given, expected):
            await _deny(
                scope,
                receive,
                send,
                403,
                "missing or wrong CSRF token: reload the page and try again",
                path,
            )
            return
        if replay is not None:
            receive = _replaying(replay, receive)
        await self.app(scope, receive, send)


async def _read_body(receive: Receive) -> tuple[bytes | None, list[Message]]:
    chunks: list[bytes] = []
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            return None, messages
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks), messages


def _replaying(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


def _multipart_field(body: bytes, name: str) -> str | None:
    """The value of one small text field of a multipart body (bounded scan)."""
    marker = f'name="{name}"'.encode()
    at = body.find(marker)
    if at < 0:
        return None
    start = body.find(b"\r\n\r\n", at)
    if start < 0:
        return None
    end = body.find(b"\r\n", start + 4, start + 4 + 512)
    if end < 0:
        return None
    return body[start + 4 : end].decode("utf-8", "replace")


async def _deny(scope: Scope, receive: Receive, send: Send, status: int, reason: str, path: str):
    wants_json = path.startswith(("/api", "/openapi.json")) or "application/json" in (
        _header(scope, b"accept") or ""
    )
    response: Response
    if status == 401 and not wants_json and scope["method"] in SAFE_METHODS:
        target = path + (
            "?" + scope["query_string"].decode("latin-1") if scope["query_string"] else ""
        )
        response = RedirectResponse(f"/admin/login?next={quote(target, safe='')}", status_code=302)
    else:
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        response = JSONResponse({"detail": reason}, status_code=status, headers=headers)
    await response(scope, receive, send)


def safe_next(target: str | None) -> str:
    """Where to go after login: only a local path, never another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/admin/"
    return target

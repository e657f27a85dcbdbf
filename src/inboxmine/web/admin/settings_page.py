"""The Settings page: the settings that shape results, where each value comes
from, and a form that stores them in the database (like ``inboxmine config set``).

A value set by a config file, ``.env``, the environment or a flag of the
process serving the admin wins over the database; the page says so, since
saving it here would not change what is computed.
"""

from __future__ import annotations

from typing import Any

from sqladmin import BaseView, expose
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from inboxmine.config import ConfigError, Settings
from inboxmine.stored_settings import (
    STORED_KEYS,
    apply_stored,
    display,
    effective,
    parse_cli_value,
    store_value,
    stored_rows,
    unset_value,
)
from inboxmine.web.admin.nav import ADMIN_PAGES

#: Longest value accepted from the form (the persona is a few words).
MAX_VALUE_CHARS = 2000
OVERRIDING = {"file", "dotenv", "env", "flag"}
SOURCE_WORDS = {
    "file": "the config file",
    "dotenv": "the .env file",
    "env": "an INBOXMINE_ environment variable",
    "flag": "a command-line flag",
}


def settings_context(engine: Engine, base: Settings) -> dict[str, Any]:
    """Every stored key with its effective value, source and stored row; the
    other settings (read-only here) with theirs."""
    current = apply_stored(base, engine)
    rows = {row["key"]: row for row in effective(current)}
    stored = stored_rows(engine)
    keys = []
    for key, description in STORED_KEYS.items():
        row = rows[key]
        saved = stored.get(key)
        keys.append(
            {
                "key": key,
                "description": description,
                "value": display(row["value"]),
                "source": row["source"],
                "overridden_by": SOURCE_WORDS.get(row["source"]),
                "stored_value": display(saved["value"]) if saved else None,
                "updated_at": saved["updated_at"] if saved else None,
                "updated_by": saved["updated_by"] if saved else None,
            }
        )
    others = [
        {"key": r["key"], "value": display(r["value"]), "source": r["source"]}
        for r in rows.values()
        if not r["stored"]
    ]
    return {"title": "Settings", "keys": keys, "others": others}


class SettingsPage(BaseView):
    name = "Settings"
    icon = "fa-solid fa-sliders"

    def _engine(self) -> Engine:
        return self._admin_ref.engine_

    async def _render(self, request: Request, error: str | None = None, status: int = 200):
        context = await run_in_threadpool(
            settings_context, self._engine(), self._admin_ref.settings_
        )
        context["error"] = error
        context["saved"] = request.query_params.get("saved", "")[:128]
        return await self.templates.TemplateResponse(
            request, "admin/settings.html", context, status_code=status
        )

    @expose("/settings", methods=["GET", "POST"], identity="settings")
    async def settings(self, request: Request) -> Response:
        if request.method == "GET":
            return await self._render(request)
        form = await request.form()
        key = str(form.get("key") or "")[:128]
        action = str(form.get("action") or "save")
        value = str(form.get("value") or "")
        if key not in STORED_KEYS:
            return await self._render(request, f"unknown setting {key!r}", 422)
        if len(value) > MAX_VALUE_CHARS:
            return await self._render(
                request, f"{key}: the value is longer than {MAX_VALUE_CHARS} characters", 422
            )
        try:
            if action == "unset":
                await run_in_threadpool(unset_value, self._engine(), key)
            else:
                parsed = parse_cli_value(key, [value]) if value.strip() else _empty(key)
                await run_in_threadpool(store_value, self._engine(), key, parsed, "web")
        except ConfigError as exc:
            return await self._render(request, str(exc), 422)
        # Post/redirect/get: a reload does not post again.
        return RedirectResponse(f"/admin/settings?saved={key}", status_code=303)


def _empty(key: str) -> Any:
    """An emptied field: an empty list for list keys, empty text otherwise."""
    try:
        return parse_cli_value(key, [""])
    except ConfigError:
        return []


ADMIN_PAGES.register("settings", SettingsPage, order=90)

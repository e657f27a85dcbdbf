"""Settings that shape results, stored with the database, and where each value came from.

The keys in :data:`STORED_KEYS` change what the stages compute (whose mail
is "sent", the persona behind co-marketing gems, the scoring). Kept in the
database (table ``app_settings``), they are the same for the CLI, the web
admin and a worker started anywhere. Precedence, lowest to highest:

    built-in defaults < database < config file < .env < environment < flags

:func:`inboxmine.config.load_settings` records which keys a file, ``.env``,
the environment or a flag set (:func:`explicit_sources`); :func:`apply_stored`
lays the database under them. Every entry point goes through it: the CLI's
app context, the web app, and every stage execution (the runner re-reads the
database before each batch of runs, so a long-lived worker or ``sync
--watch`` picks up a change made in the admin).
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import DBAPIError

from inboxmine.config import ConfigError, Settings, mask_url

#: The keys stored in the database, each with what it changes. Never a
#: secret, never the database URL, never a machine's own path or server.
STORED_KEYS: dict[str, str] = {
    "me": "your addresses and aliases: their mail is sent, and decides who owes a reply",
    "include_internal": "mail between you and colleagues at your own domain counts: "
    "a profile and thread gems per colleague (default off: your domain is left out)",
    "engagement.your_name": "your name: mail that names you is yours; drafts are signed with it",
    "engagement.your_service": "what you sell: co-marketing and partner gems, drafts",
    "engagement.your_audience": "who you sell to: audience-overlap (co-marketing) gems",
    "engagement.your_tone": "the tone of drafts",
    "engagement.preferred_strategies": "the outreach strategies drafts may use "
    "(empty: every strategy in rules/strategies.yaml)",
    "engagement.max_outreach_per_day": "drafts written per day at most",
    "scoring.target_industries": "industries that score higher (empty: the packaged list)",
    "scoring.weights": "score weights over rules/scoring.yaml (JSON object)",
    "scoring.relationship_caps": "score caps per relationship (JSON object)",
    "scoring.gem_thresholds": "gem thresholds over rules/gems.yaml (JSON object)",
    "entities.extract_monetary": "extract amounts of money (stage 3)",
    "entities.extract_dates": "extract renewal and deadline dates (stage 3)",
    "entities.extract_procurement": "extract procurement signals (stage 3)",
}

#: Where a value came from, lowest precedence first.
SOURCES = ("default", "database", "file", "dotenv", "env", "flag")
_EXPLICIT = ("file", "dotenv", "env", "flag")
ENV_PREFIX = "inboxmine_"
UPDATED_BY = ("cli", "web")


# ------------------------------------------------------------------ keys


def _field(key: str):
    """(model class, field name, FieldInfo) of a dotted key, or None."""
    model: type[BaseModel] = Settings
    parts = key.split(".")
    for index, part in enumerate(parts):
        info = model.model_fields.get(part)
        if info is None:
            return None
        if index == len(parts) - 1:
            return model, part, info
        annotation = info.annotation
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return None


def leaf_keys(model: type[BaseModel] = Settings, prefix: str = "") -> list[str]:
    """Every dotted setting key, nested models opened (``ai.model``, ``me``)."""
    keys = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys += leaf_keys(annotation, f"{prefix}{name}.")
        else:
            keys.append(prefix + name)
    return keys


def check_key(key: str) -> str:
    """``key`` when it is stored in the database; else a ConfigError naming the valid ones."""
    if key in STORED_KEYS:
        return key
    valid = ", ".join(STORED_KEYS)
    near = difflib.get_close_matches(key, list(STORED_KEYS), n=1, cutoff=0.5)
    hint = f"did you mean {near[0]}? " if near else ""
    if _field(key) is not None:
        raise ConfigError(
            f"{key} is not kept in the database (a secret, or a setting of this machine): "
            f"set it in inboxmine.toml or INBOXMINE_{key.upper().replace('.', '__')}. "
            f"{hint}Keys kept in the database: {valid}"
        )
    raise ConfigError(f"unknown setting {key!r}: {hint}valid keys: {valid}")


def _adapter(key: str) -> TypeAdapter:
    _, _, info = _field(key)
    return TypeAdapter(info.annotation)


def _is_list(annotation) -> bool:
    if get_origin(annotation) is list:
        return True
    return any(get_origin(arg) is list for arg in get_args(annotation))


def _is_dict(annotation) -> bool:
    return get_origin(annotation) is dict or annotation is dict


def validate_value(key: str, value: Any) -> Any:
    """``value`` checked and converted for ``key``; ConfigError saying why not."""
    check_key(key)
    try:
        checked = _adapter(key).validate_python(value)
    except ValidationError as exc:
        problem = "; ".join(err["msg"] for err in exc.errors())
        raise ConfigError(f"bad value for {key}: {problem}") from exc
    if key == "me":
        checked = [a.strip().lower() for a in checked if a.strip()]
        bad = [a for a in checked if "@" not in a]
        if bad:
            raise ConfigError(
                f"bad value for me: {bad[0]!r} is not an email address (give you@example.com)"
            )
    return checked


def parse_cli_value(key: str, values: list[str]) -> Any:
    """The typed value of ``config set KEY VALUE...``: several values make a
    list, text is joined with spaces, JSON for mappings, yes/no for switches."""
    check_key(key)
    _, _, info = _field(key)
    annotation = info.annotation
    if _is_list(annotation):
        items = [part.strip() for value in values for part in value.split(",")]
        return validate_value(key, [item for item in items if item])
    if _is_dict(annotation):
        try:
            return validate_value(key, json.loads(" ".join(values)))
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{key} takes a JSON object, e.g. '{{\"name\": 1}}': {exc}") from exc
    if annotation is bool:
        word = " ".join(values).strip().lower()
        switch = {"true": True, "yes": True, "on": True, "1": True}
        switch |= {"false": False, "no": False, "off": False, "0": False}
        if word not in switch:
            raise ConfigError(f"{key} is yes or no (true/false), not {word!r}")
        return switch[word]
    if annotation is int and len(values) != 1:
        raise ConfigError(f"{key} takes one whole number")
    return validate_value(key, " ".join(values))


# ------------------------------------------------------------ the database


def _missing_database(engine: Engine) -> bool:
    """True for an SQLite file that does not exist yet (reading would create it)."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return False
    return not Path(url.database).exists()


def read_stored(engine: Engine) -> dict[str, Any]:
    """Every stored key and its value; empty before the table exists (a database
    not yet migrated), and without creating an SQLite file."""
    from inboxmine.db.tables.settings import app_settings

    if _missing_database(engine):
        return {}
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(app_settings.c.key, app_settings.c.value)).all()
    except DBAPIError:
        return {}
    return {key: value for key, value in rows}


def stored_rows(engine: Engine) -> dict[str, dict[str, Any]]:
    """The stored rows by key (value, updated_at, updated_by), for display."""
    from inboxmine.db.tables.settings import app_settings

    if _missing_database(engine):
        return {}
    try:
        with engine.connect() as conn:
            return {
                row["key"]: dict(row) for row in conn.execute(select(app_settings)).mappings().all()
            }
    except DBAPIError:
        return {}


def store_value(engine: Engine, key: str, value: Any, updated_by: str = "cli") -> Any:
    """Validate and store one key; returns the stored value."""
    from inboxmine.db.engine import write_tx
    from inboxmine.db.tables.settings import app_settings

    if updated_by not in UPDATED_BY:
        raise ValueError(f"updated_by must be one of {UPDATED_BY}")
    checked = validate_value(key, value)
    plain = TypeAdapter(Any).dump_python(checked, mode="json")
    now = datetime.now(UTC)
    with write_tx(engine) as conn:
        conn.execute(delete(app_settings).where(app_settings.c.key == key))
        conn.execute(
            app_settings.insert().values(
                key=key, value=plain, updated_at=now, updated_by=updated_by
            )
        )
    return checked


def unset_value(engine: Engine, key: str) -> bool:
    """Remove a stored key (the default, or a file/env value, applies again);
    False when it was not stored."""
    from inboxmine.db.engine import write_tx
    from inboxmine.db.tables.settings import app_settings

    check_key(key)
    with write_tx(engine) as conn:
        return conn.execute(delete(app_settings).where(app_settings.c.key == key)).rowcount > 0


# ------------------------------------------------------------- provenance


def flatten(data: Mapping[str, Any], model: type[BaseModel] = Settings, prefix="") -> set[str]:
    """The dotted keys a mapping of settings sets (nested models opened)."""
    keys: set[str] = set()
    for name, value in data.items():
        info = model.model_fields.get(name)
        if info is None:
            # An alias (INBOXMINE_ADMIN_PASSWORD) or an unknown key: by name.
            keys.add(prefix + name)
            continue
        annotation = info.annotation
        nested = isinstance(annotation, type) and issubclass(annotation, BaseModel)
        if nested and isinstance(value, BaseModel):
            value = {k: getattr(value, k) for k in value.model_fields_set}
        if nested and isinstance(value, Mapping):
            keys |= flatten(value, annotation, f"{prefix}{name}.")
        else:
            keys.add(prefix + name)
    return keys


def _from_environment(environ: Mapping[str, str | None]) -> dict[str, Any]:
    """``INBOXMINE_ENGAGEMENT__YOUR_NAME=...`` as ``{"engagement": {"your_name": ...}}``."""
    data: dict[str, Any] = {}
    for name, value in environ.items():
        if value is None or not name.lower().startswith(ENV_PREFIX):
            continue
        parts = name[len(ENV_PREFIX) :].lower().split("__")
        if len(parts) == 1:
            info = Settings.model_fields.get(parts[0])
            annotation = info.annotation if info else None
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                try:
                    parsed = json.loads(value)
                except ValueError:
                    parsed = None
                if isinstance(parsed, dict):
                    data.setdefault(parts[0], {}).update(parsed)
                    continue
        target = data
        for part in parts[:-1]:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                break
        else:
            target[parts[-1]] = value
    return data


def explicit_sources(
    file_data: Mapping[str, Any] | None,
    overrides: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
    dotenv_file: str | Path | None = ".env",
) -> dict[str, str]:
    """Which keys the config file, ``.env``, the environment and flags set:
    ``{dotted key: file|dotenv|env|flag}``, the highest source winning."""
    from dotenv import dotenv_values

    layers: list[tuple[str, set[str]]] = [("file", flatten(file_data or {}))]
    if dotenv_file is not None and Path(dotenv_file).is_file():
        layers.append(("dotenv", flatten(_from_environment(dotenv_values(dotenv_file)))))
    layers.append(("env", flatten(_from_environment(os.environ if environ is None else environ))))
    layers.append(("flag", flatten({k: v for k, v in overrides.items() if v is not None})))
    sources: dict[str, str] = {}
    for source, keys in layers:
        for key in keys:
            sources[key] = source
    return sources


def source_of(settings: Settings, key: str) -> str:
    """default|database|file|dotenv|env|flag: where ``key``'s value came from."""
    sources = getattr(settings, "_sources", None) or {}
    parts = key.split(".")
    # A whole table set at once (INBOXMINE_ENGAGEMENT='{...}') covers its keys.
    for depth in range(len(parts), 0, -1):
        found = sources.get(".".join(parts[:depth]))
        if found:
            return found
    return "default"


def _default(key: str) -> Any:
    _, name, info = _field(key)
    return info.get_default(call_default_factory=True)


def _get(settings: Settings, key: str) -> Any:
    value: Any = settings
    for part in key.split("."):
        value = getattr(value, part)
    return value


def _with_values(settings: Settings, values: dict[str, Any]) -> Settings:
    """A copy of ``settings`` with dotted keys replaced (values already valid)."""
    top: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    for key, value in values.items():
        head, _, rest = key.partition(".")
        if rest:
            nested.setdefault(head, {})[rest] = value
        else:
            top[head] = value
    for head, update in nested.items():
        top[head] = getattr(settings, head).model_copy(update=update)
    copy = settings.model_copy(update=top)
    copy._sources = dict(getattr(settings, "_sources", None) or {})
    return copy


def apply_stored(settings: Settings, engine: Engine | None = None) -> Settings:
    """``settings`` with the database's values under the file, ``.env``,
    environment and flags: the one place the layers meet.

    Safe to call again on its own result (a value unset in the database since
    goes back to its default). ``engine`` defaults to one on
    ``settings.database_url``.
    """
    own = engine is None
    if own:
        from inboxmine.db.engine import make_engine

        engine = make_engine(settings.database_url)
    try:
        stored = read_stored(engine)
    finally:
        if own:
            engine.dispose()
    sources = dict(getattr(settings, "_sources", None) or {})
    values: dict[str, Any] = {}
    for key in STORED_KEYS:
        source = source_of(settings, key)
        if source in _EXPLICIT:
            continue
        if key in stored:
            try:
                values[key] = validate_value(key, stored[key])
            except ConfigError as exc:
                raise ConfigError(
                    f"the database holds a bad value for {key} ({exc}): "
                    f"`inboxmine config set {key} ...` or `inboxmine config unset {key}`"
                ) from exc
            sources[key] = "database"
        elif source == "database":
            values[key] = _default(key)
            sources.pop(key, None)
    result = _with_values(settings, values)
    result._sources = sources
    return result


def effective(settings: Settings) -> list[dict[str, Any]]:
    """Every setting as ``{key, value, source, stored}`` (secrets masked): what
    ``config show`` and the admin's Settings page print."""
    from pydantic import SecretStr

    rows = []
    for key in leaf_keys():
        value = _get(settings, key)
        if isinstance(value, SecretStr):
            value = "********" if value.get_secret_value() else ""
        elif key == "database_url":
            value = mask_url(value)
        value = TypeAdapter(Any).dump_python(value, mode="json")
        rows.append(
            {
                "key": key,
                "value": value,
                "source": source_of(settings, key),
                "stored": key in STORED_KEYS,
            }
        )
    return rows


def display(value: Any) -> str:
    """A value as one line of text (lists comma-separated)."""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return ""
    return str(value)

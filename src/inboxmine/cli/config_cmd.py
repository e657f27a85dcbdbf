"""``inboxmine config show|set|unset``: the effective settings and where they come from.

``set``/``unset`` write the settings that shape results (``me``, the
persona, see :data:`inboxmine.stored_settings.STORED_KEYS`) into the
database, so every entry point on that database computes the same gems.
"""

from __future__ import annotations

import json

import typer

from inboxmine.cli.context import app_context, console, err_console, fail
from inboxmine.config import ConfigError, find_config_file, masked_dump

config_app = typer.Typer(help="Settings.", no_args_is_help=True)


@config_app.command("show")
def show(
    ctx: typer.Context, json_out: bool = typer.Option(False, "--json", help="print JSON")
) -> None:
    """Print every effective setting with its source (default, database, file,
    dotenv, env or flag), secrets masked."""
    from inboxmine.cli.output import print_table
    from inboxmine.stored_settings import display, effective

    app = app_context(ctx)
    try:
        settings = app.settings
    except ConfigError as exc:
        fail(str(exc))
    rows = effective(settings)
    if json_out:
        dumped = masked_dump(settings)
        # The settings as before, plus where each key's value came from.
        dumped["sources"] = {row["key"]: row["source"] for row in rows}
        typer.echo(json.dumps(dumped, indent=2))
        return
    source = find_config_file(app.config_file)
    console.print(
        f"# config file: {source or 'none (defaults, database, environment and flags)'}",
        highlight=False,
        markup=False,
    )
    print_table(
        ["key", "value", "source"],
        [
            {
                **row,
                "key": row["key"] + (" *" if row["stored"] else ""),
                "value": display(row["value"]),
            }
            for row in rows
        ],
    )
    console.print(
        "* kept in the database: `inboxmine config set KEY VALUE...` (a file, .env, "
        "the environment or a flag overrides it)",
        highlight=False,
        markup=False,
    )


@config_app.command("set")
def set_(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="e.g. me, engagement.your_name"),
    values: list[str] = typer.Argument(..., help="the value; several values make a list"),
) -> None:
    """Store a setting that shapes results in the database (``config set me a@x.com b@y.com``)."""
    from inboxmine.stored_settings import parse_cli_value, source_of, store_value

    app = app_context(ctx)
    try:
        value = parse_cli_value(key, values)
        store_value(app.engine(), key, value, updated_by="cli")
        settings = app.reload_settings()
    except ConfigError as exc:
        fail(str(exc))
    source = source_of(settings, key)
    console.print(f"{key} stored in the database", highlight=False, markup=False)
    if source != "database":
        err_console.print(
            f"note: {key} is also set by the {_where(source)}, which wins: remove it there "
            "for the stored value to apply",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )


@config_app.command("unset")
def unset(ctx: typer.Context, key: str = typer.Argument(..., help="the key to remove")) -> None:
    """Remove a stored setting: its default (or a file/env value) applies again."""
    from inboxmine.stored_settings import unset_value

    app = app_context(ctx)
    try:
        removed = unset_value(app.engine(), key)
    except ConfigError as exc:
        fail(str(exc))
    if not removed:
        fail(f"{key} is not stored in the database: `inboxmine config show` lists the sources")
    console.print(f"{key} removed from the database", highlight=False, markup=False)


def _where(source: str) -> str:
    return {
        "file": "config file",
        "dotenv": ".env file",
        "env": "environment (INBOXMINE_...)",
        "flag": "command line",
    }.get(source, source)


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")

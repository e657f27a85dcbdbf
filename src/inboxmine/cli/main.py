"""Entry point of the ``inboxmine`` console script."""

from __future__ import annotations

import importlib
import os
import sys

import typer

from inboxmine.cli.context import AppContext, err_console
from inboxmine.config import ConfigError

app = typer.Typer(
    name="inboxmine",
    help="Turn a mailbox into a ranked, explained list of commercial opportunities.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    db: str = typer.Option(
        None, "--db", help="database URL (else INBOXMINE_DATABASE_URL, else sqlite:///inboxmine.db)"
    ),
    config: str = typer.Option(None, "--config", help="config file (TOML)"),
) -> None:
    ctx.obj = AppContext(config_file=config, db_url=db)


# Each command module has ``register(app)``; one line here adds a command group.
COMMAND_MODULES = (
    "inboxmine.cli.db",
    "inboxmine.cli.config_cmd",
    "inboxmine.cli.runs",
    "inboxmine.cli.run",
    "inboxmine.cli.ingest",
    "inboxmine.cli.sync",
    "inboxmine.cli.demo",
    "inboxmine.cli.ai",
    "inboxmine.cli.gems",
    "inboxmine.cli.profiles",
    "inboxmine.cli.habits",
    "inboxmine.cli.export",
    "inboxmine.cli.trust",
    "inboxmine.cli.digest",
    "inboxmine.cli.web",
    "inboxmine.cli.search",
)

for _module in COMMAND_MODULES:
    importlib.import_module(_module).register(app)


def main() -> None:
    """Run the command line; any failure ends in one clear line on stderr."""
    try:
        app()
    except ConfigError as exc:
        _error(str(exc), 2)
    except KeyboardInterrupt:
        _error("interrupted (Ctrl-C)", 130)
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        if os.environ.get("INBOXMINE_DEBUG"):
            raise
        _error(describe_error(exc), 1)


def describe_error(exc: Exception) -> str:
    """What went wrong, in words a user can act on."""
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

    if isinstance(exc, NoSuchModuleError | ArgumentError):
        return (
            f"the database URL is not valid ({exc}): use sqlite:///FILE or "
            "postgresql://USER@HOST/DB in --db or INBOXMINE_DATABASE_URL"
        )
    if isinstance(exc, OperationalError):
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        return (
            f"cannot use the database: {reason} - check --db / INBOXMINE_DATABASE_URL "
            "(the folder of a SQLite file must exist; a PostgreSQL server must be running)"
        )
    from inboxmine.rules.loader import RulesError

    if isinstance(exc, RulesError):  # names the file, the key and the fix already
        return str(exc)
    if "Can't locate revision" in str(exc):
        return (
            f"this database's schema is unknown to this version of inboxmine ({exc}): "
            "it was made by a newer or a development version - upgrade inboxmine, or use a new database"
        )
    return (
        f"{exc.__class__.__name__}: {exc} "
        "(set INBOXMINE_DEBUG=1 to see where it happened, and please report it)"
    )


def _error(message: str, code: int) -> None:
    err_console.print("[bold red]error:[/] ", end="", highlight=False)
    err_console.print(message, markup=False, highlight=False, soft_wrap=True)
    sys.exit(code)

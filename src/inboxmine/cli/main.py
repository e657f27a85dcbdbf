"""Entry point of the ``inboxmine`` console script."""

from __future__ import annotations

import importlib
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
    "inboxmine.cli.export",
    "inboxmine.cli.web",
)

for _module in COMMAND_MODULES:
    importlib.import_module(_module).register(app)


def main() -> None:
    try:
        app()
    except ConfigError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)

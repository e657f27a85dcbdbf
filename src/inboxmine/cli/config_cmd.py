"""``inboxmine config show``: the effective settings, secrets masked."""

from __future__ import annotations

import json

import typer

from inboxmine.cli.context import app_context, console
from inboxmine.config import find_config_file, masked_dump

config_app = typer.Typer(help="Settings.", no_args_is_help=True)


@config_app.command("show")
def show(
    ctx: typer.Context, json_out: bool = typer.Option(False, "--json", help="print JSON")
) -> None:
    """Print the effective settings (file, environment and flags merged)."""
    app = app_context(ctx)
    dumped = masked_dump(app.settings)
    if json_out:
        typer.echo(json.dumps(dumped, indent=2))
        return
    source = find_config_file(app.config_file)
    console.print(
        f"# config file: {source or 'none (defaults, environment and flags)'}", highlight=False
    )
    console.print_json(json.dumps(dumped))


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")

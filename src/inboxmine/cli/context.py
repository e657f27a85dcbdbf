"""What every command needs: the settings, the database, a console."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy import Engine

from inboxmine.config import Settings, load_settings

console = Console()
err_console = Console(stderr=True)


@dataclass
class AppContext:
    config_file: str | None = None
    db_url: str | None = None
    _settings: Settings | None = field(default=None, repr=False)
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from inboxmine.stored_settings import apply_stored

            # File, .env, environment and flags over what the database stores.
            self._settings = apply_stored(load_settings(self.config_file, database_url=self.db_url))
        return self._settings

    def reload_settings(self) -> Settings:
        """Resolve the settings again (after ``db_url`` or the stored ones changed)."""
        self._settings = None
        return self.settings

    def engine(self, migrate: bool = True) -> Engine:
        """The database, brought to the newest schema, with dead runs marked interrupted."""
        if self._engine is None:
            from inboxmine.db.engine import make_engine
            from inboxmine.db.migrate import is_up_to_date, upgrade
            from inboxmine.runner.ledger import recover_interrupted

            engine = make_engine(self.settings.database_url)
            if migrate:
                if not is_up_to_date(engine):
                    upgrade(engine)
                recover_interrupted(engine)
            self._engine = engine
        return self._engine


def app_context(ctx: typer.Context) -> AppContext:
    root = ctx.find_root()
    if not isinstance(root.obj, AppContext):
        root.obj = AppContext()
    return root.obj


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one clear line on stderr and exit non-zero."""
    # The message is text, not markup: "my_vendor: [stripe.com]" must print as is.
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def is_tty() -> bool:
    return sys.stderr.isatty()

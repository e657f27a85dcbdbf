"""``inboxmine init`` and ``inboxmine db ...``: create, upgrade, inspect, reset."""

from __future__ import annotations

import typer
from rich.table import Table
from sqlalchemy import func, inspect, select

from inboxmine.cli.context import app_context, console, fail
from inboxmine.config import mask_url

db_app = typer.Typer(help="Database: upgrade, row counts, reset.", no_args_is_help=True)


def init(ctx: typer.Context) -> None:
    """Create the database, or upgrade it to the newest schema."""
    from inboxmine.db.migrate import upgrade

    app = app_context(ctx)
    engine = app.engine(migrate=False)
    upgrade(engine)
    console.print(f"database ready: {mask_url(app.settings.database_url)}")


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply pending schema migrations."""
    init(ctx)


@db_app.command("stats")
def db_stats(
    ctx: typer.Context, json_out: bool = typer.Option(False, "--json", help="print JSON")
) -> None:
    """Row count per table."""
    import json

    from inboxmine.db.tables import metadata

    engine = app_context(ctx).engine()
    existing = set(inspect(engine).get_table_names())
    counts = {}
    with engine.connect() as conn:
        for name, table in sorted(metadata.tables.items()):
            counts[name] = (
                conn.execute(select(func.count()).select_from(table)).scalar_one()
                if name in existing
                else None
            )
    if json_out:
        typer.echo(json.dumps([{"table": k, "rows": v} for k, v in counts.items()]))
        return
    table = Table("table", "rows")
    for name, count in counts.items():
        table.add_row(name, "missing" if count is None else f"{count:,}")
    console.print(table)


@db_app.command("reset")
def db_reset(
    ctx: typer.Context, yes: bool = typer.Option(False, "--yes", help="really delete every row")
) -> None:
    """Drop every table and create the schema again (all data is lost)."""
    from inboxmine.db.migrate import upgrade
    from inboxmine.db.tables import metadata

    if not yes:
        fail("db reset deletes all data: add --yes to confirm")
    app = app_context(ctx)
    engine = app.engine(migrate=False)
    from inboxmine.search.index import drop_index

    drop_index(engine)  # not a metadata table; on PostgreSQL it references messages
    metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    upgrade(engine)
    console.print(f"database reset: {mask_url(app.settings.database_url)}")


@db_app.command("revision", hidden=True)
def db_revision(
    ctx: typer.Context, message: str = typer.Option(..., "-m", help="what changed")
) -> None:
    """(developers) Autogenerate a migration from the table definitions."""
    from inboxmine.db.migrate import make_revision

    make_revision(app_context(ctx).engine(migrate=False), message)


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.add_typer(db_app, name="db")

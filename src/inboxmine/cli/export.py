"""``inboxmine export gems|profiles|segment NAME``: CSV, JSON lines or XLSX, formula-safe."""

from __future__ import annotations

from pathlib import Path

import typer

from inboxmine.cli.context import app_context, console, fail


def export(
    ctx: typer.Context,
    what: str = typer.Argument(..., help="gems, profiles or segment"),
    name: str = typer.Argument(None, help="the segment name (for `segment`)"),
    fmt: str = typer.Option("csv", "--format", help="csv, jsonl or xlsx"),
    output: Path = typer.Option(
        None, "-o", "--output", help="file to write (default: <what>.<format>)"
    ),
) -> None:
    """Export gems, profiles or one segment; spreadsheet formulas in mail text are neutralised."""
    from inboxmine.opportunities.export import FORMATS, ExportError, rows_for, write

    if fmt not in FORMATS:
        fail(f"unknown format {fmt!r}: choose {', '.join(FORMATS)}")
    engine = app_context(ctx).engine()
    try:
        columns, rows = rows_for(engine, what, name)
        stem = (
            f"segment_{name.replace(':', '_').replace('/', '_')}"
            if what == "segment" and name
            else what
        )
        path = output or Path(f"{stem}.{fmt}")
        count = write(columns, rows, path, fmt)
    except ExportError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc} - choose another path with -o")
    console.print(f"wrote {count} rows to {path}", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    app.command("export")(export)

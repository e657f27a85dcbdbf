"""Shared output helpers: JSON rows and Rich tables for listing commands."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from inboxmine.cli.context import console


def to_jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


def print_json(rows: Any) -> None:
    typer.echo(json.dumps(to_jsonable(rows), ensure_ascii=False))


def fmt_time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


def print_table(
    columns: list[str],
    rows: list[dict[str, Any]],
    title: str | None = None,
    formatters: dict | None = None,
) -> None:
    """A Rich table of ``rows`` showing ``columns``; email-derived text is never markup."""
    formatters = formatters or {}
    table = Table(*columns, title=title, highlight=False)
    for row in rows:
        cells = []
        for col in columns:
            value = row.get(col)
            text = (
                formatters[col](value)
                if col in formatters
                else ("" if value is None else str(value))
            )
            cells.append(text)
        table.add_row(*cells, style=None)
    # markup=False: a sender called "[red]x" must print as it is.
    for column in table.columns:
        column.overflow = "fold"
    # Piped output is not cut at 80 columns: scripts and people read it alike.
    out = console if console.is_terminal else Console(width=250, highlight=False)
    out.print(table, markup=False)


def show_rows(
    rows: list[dict[str, Any]], json_out: bool, empty: str, columns: list[str], **table
) -> None:
    """A listing command's output: a JSON array, a hint when there is nothing, or a table."""
    if json_out:
        print_json(rows)
    elif not rows:
        console.print(empty, markup=False, highlight=False, soft_wrap=True)
    else:
        print_table(columns, rows, **table)

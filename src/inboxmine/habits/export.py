"""Habits as CSV, formula-safe like every other export (a display name or
list id starting with ``=`` or ``@`` gets a leading apostrophe)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from inboxmine.opportunities.export import _flat, neutralize

SENDER_COLUMNS = [
    "sender",
    "messages",
    "read",
    "unread",
    "read_unknown",
    "read_rate",
    "replied",
    "reply_rate",
    "never_read",
    "first_at",
    "last_at",
    "unsubscribe_url",
    "unsubscribe_one_click",
    "unsubscribe_email",
]
LIST_COLUMNS = ["list", "sender_domain", "senders", *SENDER_COLUMNS[1:]]


def columns_for(by: str) -> list[str]:
    return LIST_COLUMNS if by == "list" else SENDER_COLUMNS


def csv_text(rows: list[dict[str, Any]], by: str = "sender") -> str:
    """The rows as CSV text, header first."""
    out = io.StringIO()
    columns = columns_for(by)
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([neutralize(_flat(row.get(c))) for c in columns])
    return out.getvalue()


def write_csv(rows: list[dict[str, Any]], path: Path, by: str = "sender") -> int:
    """Write the rows to ``path``; returns how many."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(csv_text(rows, by), encoding="utf-8", newline="")
    return len(rows)

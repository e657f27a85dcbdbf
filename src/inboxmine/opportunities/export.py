"""Exports of gems, profiles and segments: CSV, JSON lines, XLSX.

Email-derived text (display names, subjects) can start with ``=``, ``+``,
``-`` or ``@`` and would run as a formula in a spreadsheet; every such text
cell of CSV and XLSX gets a leading apostrophe. JSON lines are data, not a
spreadsheet, and are written as they are.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from inboxmine.opportunities import queries

FORMATS = ("csv", "jsonl", "xlsx")
#: A cell starting with one of these is a formula to Excel, LibreOffice or Sheets.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

GEM_COLUMNS = [
    "id",
    "gem_type",
    "sender_domain",
    "contact_name",
    "contact_email",
    "company_name",
    "industry",
    "company_size",
    "score",
    "status",
    "urgency",
    "estimated_value",
    "confidence",
    "summary",
    "recommended_actions",
    "thread_id",
    "signals",
    "created_at",
]
PROFILE_COLUMNS = [
    "sender_domain",
    "company_name",
    "primary_email",
    "reply_to_email",
    "industry",
    "company_size",
    "relationship_type",
    "sender_intent",
    "marketing_sophistication_avg",
    "marketing_sophistication_trend",
    "esp_used",
    "authentication_quality",
    "product_type",
    "product_description",
    "target_audience",
    "total_messages",
    "first_contact",
    "last_contact",
    "avg_frequency_days",
    "has_personalization",
    "has_partner_program",
    "next_renewal_date",
    "thread_initiation_ratio",
    "user_reply_rate",
    "economic_segments",
]
SEGMENT_COLUMNS = [
    "sender_domain",
    "company_name",
    "primary_email",
    "industry",
    "company_size",
    "marketing_sophistication_avg",
    "esp_used",
    "product_description",
    "total_messages",
    "segment",
    "sub_segment",
]


class ExportError(ValueError):
    """The export cannot be written; the message says why and what to do."""


def neutralize(value: Any) -> Any:
    """A spreadsheet-safe cell: text that would be a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _flat(value: Any) -> Any:
    """A cell value: lists joined with '; ', mappings as JSON, times as ISO text."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return "; ".join(
            json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else str(v) for v in value
        )
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def gem_rows(engine: Engine) -> list[dict[str, Any]]:
    rows = []
    for gem in queries.list_gems(engine):
        detail = queries.gem_detail(engine, gem["id"])
        gem["industry"] = detail.get("industry")
        gem["company_size"] = detail.get("company_size")
        gem["signals"] = [
            f"{s['signal']}: {s.get('detail', '')}"
            for s in (detail.get("explanation") or {}).get("signals", [])
        ]
        rows.append(gem)
    return rows


def rows_for(
    engine: Engine, what: str, name: str | None = None
) -> tuple[list[str], list[dict[str, Any]]]:
    """``(columns, rows)`` of ``gems``, ``profiles`` or ``segment`` NAME."""
    if what == "gems":
        return GEM_COLUMNS, gem_rows(engine)
    if what == "profiles":
        return PROFILE_COLUMNS, queries.list_profiles(engine, limit=None)
    if what == "segment":
        if not name:
            raise ExportError(
                "name the segment: `inboxmine export segment spend_map` (see `inboxmine profiles --segment`)"
            )
        rows = queries.segment_members(engine, name)
        if not rows:
            known = (
                ", ".join(queries.segment_names(engine)) or "none yet - run `inboxmine run segment`"
            )
            raise ExportError(f"segment {name!r} has no members: known segments are {known}")
        return SEGMENT_COLUMNS, rows
    raise ExportError(f"cannot export {what!r}: choose gems, profiles, segment NAME, crm or vcard")


def write(columns: list[str], rows: list[dict[str, Any]], path: Path, fmt: str) -> int:
    """Write ``rows`` to ``path`` as ``fmt``; returns the number of rows."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: choose {', '.join(FORMATS)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "jsonl":
        with open(path, "w", encoding="utf-8") as out:
            for row in rows:
                record = {c: row.get(c) for c in columns}
                out.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        return len(rows)
    table = [[neutralize(_flat(row.get(c))) for c in columns] for row in rows]
    if fmt == "csv":
        with open(path, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(columns)
            writer.writerows(table)
        return len(rows)
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("inboxmine")
    sheet.append(columns)
    for line in table:
        sheet.append(line)
    book.save(path)
    return len(rows)

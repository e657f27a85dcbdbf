"""Reading habits from counted rows (pure: no database here)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

#: Group habits by these keys.
GROUPINGS = ("sender", "list")
#: Sort orders of a habits listing.
SORTS = ("unread", "messages", "read_rate", "last_at")


@dataclass(frozen=True)
class HabitRules:
    min_messages: int = 3
    max_read_ratio: float = 0.0


def habit_rules(rules_dir=None) -> HabitRules:
    """rules/habits.yaml, with the user's copy merged on top."""
    from inboxmine.rules.loader import load_rules

    section = load_rules("habits.yaml", rules_dir)["never_read"]
    return HabitRules(
        min_messages=int(section["min_messages"]),
        max_read_ratio=float(section["max_read_ratio"]),
    )


def read_rate(read: int, unread: int) -> float | None:
    """Share of the messages with a known read state that were read; None when none is known."""
    known = read + unread
    return round(read / known, 3) if known else None


def never_read(row: Mapping[str, Any], rules: HabitRules) -> bool:
    """True for a sender or list the user (almost) never reads: enough mail
    with a known read state, and at most ``max_read_ratio`` of it read."""
    known = (row.get("read") or 0) + (row.get("unread") or 0)
    if known < rules.min_messages:
        return False
    return (row.get("read") or 0) / known <= rules.max_read_ratio


def habit_rows(
    counted: Iterable[Mapping[str, Any]], rules: HabitRules, *, only_never_read: bool = False
) -> list[dict[str, Any]]:
    """Counted rows with their read rate, reply rate and never-read mark."""
    rows = []
    for row in counted:
        item = dict(row)
        item["read_rate"] = read_rate(item.get("read") or 0, item.get("unread") or 0)
        total = item.get("messages") or 0
        item["reply_rate"] = round((item.get("replied") or 0) / total, 3) if total else None
        item["never_read"] = never_read(item, rules)
        if only_never_read and not item["never_read"]:
            continue
        rows.append(item)
    return rows


def sort_rows(rows: list[dict[str, Any]], sort: str = "unread") -> list[dict[str, Any]]:
    """Busiest unread first (``unread``), or by ``messages``, ``read_rate`` (lowest
    first, unknown last) or ``last_at`` (newest first); ties by key."""
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")

    def key(row):
        name = row.get("key") or ""
        if sort == "read_rate":
            rate = row.get("read_rate")
            return (rate is None, rate if rate is not None else 0, -row["messages"], name)
        if sort == "last_at":
            at = row.get("last_at")
            return (at is None, -(at.timestamp() if at else 0), name)
        return (-(row.get(sort) or 0), -row["messages"], name)

    return sorted(rows, key=key)

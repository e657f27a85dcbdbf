"""The timeline of ``inboxmine profiles show`` as text tables (never markup:
names and subjects come from email)."""

from __future__ import annotations

from typing import Any

from inboxmine.cli.context import console
from inboxmine.cli.output import fmt_time, print_table

OWES = {"you": "you owe a reply", "them": "they owe you a reply", None: ""}


def _line(text: str) -> None:
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def entry_details(entry: dict[str, Any]) -> str:
    """Money, dates, files and read state of one entry, in a few words."""
    parts = []
    if entry.get("kind") == "message":
        if entry.get("direction") == "in" and entry.get("is_read") is not None:
            parts.append("read" if entry["is_read"] else "unread")
        parts += [m["text"] for m in entry.get("money") or []]
        parts += [f"{d['text']} ({d['date']})" for d in entry.get("dates") or []]
        parts += [f"file {f['filename'] or '(no name)'}" for f in entry.get("files") or []]
        if entry.get("trust_verdict"):
            parts.append(f"trust {entry['trust_verdict']}")
    elif entry.get("kind") == "gem":
        parts.append(f"{entry.get('gem_type')} score {entry.get('score')} ({entry.get('status')})")
    elif entry.get("kind") == "draft":
        parts.append(f"{entry.get('strategy')} draft ({entry.get('status')})")
    return "; ".join(p for p in parts if p)


def _who(entry: dict[str, Any]) -> str:
    if entry.get("kind") != "message":
        return entry["kind"]
    if entry.get("direction") == "out":
        return "you ->"
    return entry.get("from_name") or entry.get("from_address") or ""


def print_timeline(timeline: dict[str, Any]) -> None:
    totals = timeline["totals"]
    name = f" ({timeline['company_name']})" if timeline.get("company_name") else ""
    _line(
        f"{timeline['sender']}{name} - {timeline['kind']}: {len(timeline['people'])} "
        f"{'person' if len(timeline['people']) == 1 else 'people'}, {totals['messages']} messages "
        f"({totals['from_them']} from them, {totals['from_you']} from you) in "
        f"{totals['threads']} threads; you owe {totals['you_owe']} replies, "
        f"they owe you {totals['they_owe']}; {totals['gems']} gems"
    )
    if timeline["trust"]:
        for t in timeline["trust"]:
            _line(
                f"trust of {t['sender_domain']}: {t['verdict']} (risk {t['risk_score']:.0f}, "
                f"{t['message_count']} messages, {t['source']})"
            )
    else:
        _line("trust: no verdict stored for this sender yet")
    people = [
        {
            "name": p["name"] or "",
            "addresses": ", ".join(p["addresses"]),
            "messages": p["messages"],
            "merged_because": "; ".join(p["merged_because"]),
        }
        for p in timeline["people"]
    ]
    if people:
        print_table(["name", "addresses", "messages", "merged_because"], people, title="people")
    threads = [{**t, "owes": OWES.get(t["owes"], "")} for t in timeline["threads"][:20]]
    if threads:
        print_table(
            ["thread_id", "subject", "messages", "from_you", "last_at", "last_from", "owes"],
            threads,
            title=f"threads ({len(timeline['threads'])}, most recent first)",
            formatters={"last_at": fmt_time},
        )
    rows = [
        {
            "at": e["at"],
            "kind": e["kind"],
            "who": _who(e),
            "what": e.get("subject") or e.get("summary") or "",
            "details": entry_details(e),
        }
        for e in timeline["entries"]
    ]
    print_table(
        ["at", "kind", "who", "what", "details"],
        rows,
        title=f"timeline (newest {len(rows)} of {totals['entries']})",
        formatters={"at": fmt_time},
    )
    files = timeline["files"]
    if files:
        _line(f"files exchanged: {', '.join((f['filename'] or '(no name)') for f in files[:20])}")

"""Build a timeline from plain rows (no database here).

Entries are newest first (the order of an activity feed), ties broken by
id so the order is stable. Who owes a reply in a thread is what threading
decided when it stored the thread (``threads.awaiting_response_from``: the
last message, its quotes cut, asks a question or closes the conversation)
when that last message is one of the timeline's; otherwise (no thread row,
or a shared thread that ended with a third person) it is the author of the
last message a person wrote among the timeline's: bulk and automated mail (newsletters, receipts,
notifications) never makes anyone owe anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

#: ``owes`` values of a thread.
YOU_OWE = "you"  # their message is the last one: you owe a reply
THEY_OWE = "them"  # your message is the last one: they owe you a reply

#: threads.awaiting_response_from -> owes.
STORED_OWES = {"user": YOU_OWE, "other": THEY_OWE, "none": None}

#: Verdicts of message_trust that are never a person waiting for an answer.
NOT_A_PERSON = frozenset({"bulk", "automated", "spam", "phishing"})


def _key(row: Mapping[str, Any]) -> tuple:
    at = row.get("at") or row.get("sent_at")
    return (at.timestamp() if isinstance(at, datetime) else 0.0, row.get("id") or 0)


def from_a_person(message: Mapping[str, Any]) -> bool:
    """True for a message a person wrote: the user's own, or one that is not
    bulk, automated or junk."""
    if message.get("is_sent"):
        return True
    return not (
        message.get("is_bulk")
        or message.get("is_automated")
        or message.get("trust_verdict") in NOT_A_PERSON
    )


def who_owes(thread_messages: Iterable[Mapping[str, Any]]) -> str | None:
    """``"you"`` when the thread's last personal message is theirs, ``"them"``
    when it is yours, None when no person wrote in it."""
    personal = sorted((m for m in thread_messages if from_a_person(m)), key=_key)
    if not personal:
        return None
    return THEY_OWE if personal[-1].get("is_sent") else YOU_OWE


def thread_summaries(
    messages: Iterable[Mapping[str, Any]], stored: Mapping[int, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """One row per thread: its messages, first and last time, who wrote last,
    who owes a reply; the most recently active thread first. ``stored``:
    thread id -> its ``threads`` row (subject, awaiting_response_from)."""
    by_thread: dict[int, list[Mapping[str, Any]]] = {}
    for message in messages:
        if message.get("thread_id") is not None:
            by_thread.setdefault(message["thread_id"], []).append(message)
    rows = []
    for thread_id, items in by_thread.items():
        items.sort(key=_key)
        last = items[-1]
        row = stored.get(thread_id) or {}
        awaiting = row.get("awaiting_response_from")
        if row.get("last_sender") and row["last_sender"] not in {
            m.get("from_address") for m in items
        }:
            awaiting = None  # the thread ended with a third person: decide from these messages
        rows.append(
            {
                "thread_id": thread_id,
                "subject": row.get("subject") or items[0].get("subject"),
                "messages": len(items),
                "from_you": sum(1 for m in items if m.get("is_sent")),
                "first_at": items[0].get("sent_at"),
                "last_at": last.get("sent_at"),
                "last_from": "you" if last.get("is_sent") else last.get("from_address"),
                "owes": STORED_OWES[awaiting] if awaiting in STORED_OWES else who_owes(items),
            }
        )
    rows.sort(key=lambda r: _key({"at": r["last_at"], "id": r["thread_id"]}), reverse=True)
    return rows


def message_entry(
    message: Mapping[str, Any],
    entities: list[Mapping[str, Any]],
    files: list[Mapping[str, Any]],
) -> dict[str, Any]:
    """A message as a timeline entry, with what it mentions and carries."""
    return {
        "kind": "message",
        "at": message.get("sent_at"),
        "id": message["id"],
        "thread_id": message.get("thread_id"),
        "direction": "out" if message.get("is_sent") else "in",
        "from_address": message.get("from_address"),
        "from_name": message.get("from_name"),
        "to_addresses": list(message.get("to_addresses") or [])[:10],
        "subject": message.get("subject"),
        "snippet": (message.get("snippet") or "")[:200],
        "is_read": message.get("is_read"),
        "trust_verdict": message.get("trust_verdict"),
        "money": [_money(e) for e in entities if e.get("entity_type") == "money"],
        "dates": [_date(e) for e in entities if e.get("entity_type") == "date"],
        "files": [_file(f) for f in files],
    }


def _money(e: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "text": e.get("entity_value"),
        "amount": e.get("amount"),
        "currency": e.get("currency"),
        "category": e.get("category"),
        "message_id": e.get("message_id"),
    }


def _date(e: Mapping[str, Any]) -> dict[str, Any]:
    value = e.get("date_value")
    return {
        "text": e.get("entity_value"),
        "date": value.isoformat() if hasattr(value, "isoformat") else value,
        "kind": e.get("date_kind"),
        "is_future": e.get("is_future"),
        "message_id": e.get("message_id"),
    }


def _file(f: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "filename": f.get("filename"),
        "mime_type": f.get("mime_type"),
        "size_bytes": f.get("size_bytes"),
        "message_id": f.get("message_id"),
    }


def build_timeline(
    *,
    messages: list[Mapping[str, Any]],
    stored_threads: Mapping[int, Mapping[str, Any]] | None = None,
    entities: Iterable[Mapping[str, Any]] = (),
    attachments: Iterable[Mapping[str, Any]] = (),
    gems: Iterable[Mapping[str, Any]] = (),
    drafts: Iterable[Mapping[str, Any]] = (),
    limit: int = 50,
) -> dict[str, Any]:
    """The timeline: ``entries`` (messages, gems, drafts; newest first, at
    most ``limit``), ``threads`` with who owes a reply, the money, dates and
    files of the messages, and totals over everything (not only the shown)."""
    entities, attachments = list(entities), list(attachments)
    by_message: dict[int, list] = {}
    for e in entities:
        by_message.setdefault(e.get("message_id"), []).append(e)
    files_of: dict[int, list] = {}
    for a in attachments:
        files_of.setdefault(a.get("message_id"), []).append(a)
    entries = [
        message_entry(m, by_message.get(m["id"], []), files_of.get(m["id"], [])) for m in messages
    ]
    gems = list(gems)
    entries += [_gem_entry(g) for g in gems]
    entries += [_draft_entry(d) for d in drafts]
    entries.sort(key=_key, reverse=True)
    threads = thread_summaries(messages, stored_threads or {})
    sent = sum(1 for m in messages if m.get("is_sent"))
    return {
        "totals": {
            "messages": len(messages),
            "from_them": len(messages) - sent,
            "from_you": sent,
            "threads": len(threads),
            "you_owe": sum(1 for t in threads if t["owes"] == YOU_OWE),
            "they_owe": sum(1 for t in threads if t["owes"] == THEY_OWE),
            "gems": len(gems),
            "entries": len(entries),
        },
        "entries": entries[:limit],
        "threads": threads,
        "money": [_money(e) for e in entities if e.get("entity_type") == "money"],
        "dates": [_date(e) for e in entities if e.get("entity_type") == "date"],
        "files": [_file(a) for a in attachments],
    }


def _gem_entry(g: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "kind": "gem",
        "at": g.get("created_at"),
        "id": g["id"],
        "thread_id": g.get("thread_id"),
        "gem_type": g.get("gem_type"),
        "status": g.get("status"),
        "score": g.get("score"),
        "summary": g.get("summary"),
        "trust_verdict": g.get("trust_verdict"),
    }


def _draft_entry(d: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "kind": "draft",
        "at": d.get("generated_at"),
        "id": d["id"],
        "gem_id": d.get("gem_id"),
        "strategy": d.get("strategy"),
        "status": d.get("status"),
        "subject": d.get("subject_line"),
    }

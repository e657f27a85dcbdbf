"""The extra facts shown on detail pages, beside the row's own columns."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from inboxmine.runner import ledger
from inboxmine.web import data

#: Headers shown per message, at most (a hostile message may carry thousands).
MAX_HEADERS = 300
#: Timeline entries on a profile's page (the Timeline page shows more).
PROFILE_TIMELINE_ENTRIES = 30


def _int(pk: str) -> int | None:
    try:
        return int(pk)
    except (TypeError, ValueError):
        return None


def _headers(raw: Any) -> list[tuple[str, str]]:
    """(name, value) pairs from the stored headers (a mapping or a list of pairs)."""
    pairs: list[tuple[str, str]] = []
    if isinstance(raw, dict):
        for name, value in raw.items():
            values = value if isinstance(value, list) else [value]
            pairs += [(str(name), str(v)) for v in values]
    elif isinstance(raw, list):
        for item in raw:
            if isinstance(item, list | tuple) and len(item) == 2:
                pairs.append((str(item[0]), str(item[1])))
            elif isinstance(item, dict) and "name" in item:
                pairs.append((str(item["name"]), str(item.get("value", ""))))
    return pairs[:MAX_HEADERS]


def _message_trust(engine: Engine, message_id: int) -> dict[str, Any]:
    from inboxmine.trust.service import message_trusts

    own, sender = message_trusts(engine, message_id)
    return {"message_trust": own, "sender_trust": sender}


def extra_context(engine: Engine, identity: str, pk: str, rules_dir=None) -> dict[str, Any]:
    if identity == "profiles":
        from inboxmine.trust.service import sender_trust_row
        from inboxmine.web.admin.people_pages import timeline_or_error

        timeline, error = timeline_or_error(engine, str(pk), PROFILE_TIMELINE_ENTRIES, rules_dir)
        return {
            "trust": sender_trust_row(engine, str(pk)),
            "timeline": timeline,
            "timeline_error": error,
        }
    key = _int(pk)
    if key is None:
        return {}
    if identity == "pipeline-runs":
        run = ledger.get_run(engine, key)
        return {
            "duration_s": ledger.run_duration_seconds(run) if run else None,
            "item_errors": data.run_item_errors(engine, key),
            "ai_calls": data.run_ai_calls(engine, key),
        }
    if identity == "messages":
        found = data.message(engine, key) or {}
        return {
            "attachments": data.message_attachments(engine, key),
            "headers": _headers(found.get("headers")),
            "body_text": (found.get("body_text") or "")[:200_000],
            "has_html": bool(found.get("body_html")),
            **_message_trust(engine, key),
        }
    if identity == "gems":
        return {"drafts": data.gem_drafts(engine, key)}
    return {}

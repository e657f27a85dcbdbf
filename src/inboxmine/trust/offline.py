"""Trust verdicts for message files, without a database: parse as import does,
read headers as stage 1 does, then :func:`~inboxmine.trust.assess.assess`.

Used to measure the rules on labelled mail (tests, ``benchmarks/bench_message_trust.py``)
and to check one message by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inboxmine.forensics.analyze import Prepared, analyze, prepare_rules
from inboxmine.rules.loader import load_rules
from inboxmine.sources.parse import parse_message
from inboxmine.trust.assess import assess
from inboxmine.trust.rules import TrustRules, load_trust_rules

#: What stage 1 reads of a body (see ``stages/metadata.py``).
BODY_CHARS = 262_144
TEXT_CHARS = 8_192


@dataclass(frozen=True)
class OfflineRules:
    forensics: Prepared
    trust: TrustRules


def offline_rules(rules_dir=None) -> OfflineRules:
    """The rules stage 1 would use, with the user's copies from ``rules_dir``."""
    forensics = prepare_rules(
        load_rules("esp.yaml", rules_dir), load_rules("freemail.yaml", rules_dir)
    )
    tracking = frozenset(forensics.esp.hosts.get("link_domain", {}))
    return OfflineRules(forensics, load_trust_rules(rules_dir, tracking))


def stage_item(raw: bytes, item_id: int = 0, labels: list[str] | None = None) -> dict[str, Any]:
    """The message as stage 1 loads it from the database, from its bytes."""
    parsed = parse_message(raw, my_addresses=set())
    body = (parsed.body_html or parsed.body_text or "")[:BODY_CHARS] or None
    return {
        "id": item_id,
        "headers": parsed.headers,
        "from_address": parsed.from_address,
        "from_name": parsed.from_name,
        "reply_to": parsed.reply_to,
        "subject": parsed.subject,
        "labels": labels if labels is not None else parsed.labels,
        "sent_at": parsed.sent_at,
        "sent_at_source": parsed.sent_at_source,
        "date_raw": parsed.date_raw,
        "is_sent": parsed.is_sent,
        "body": body,
        "body_text": (parsed.body_text or "")[:TEXT_CHARS] or None if parsed.body_html else None,
        "attachments": [(a.filename, a.mime_type) for a in parsed.attachments],
    }


def assess_item(item: dict[str, Any], rules: OfflineRules) -> dict[str, Any]:
    """The ``message_trust`` row stage 1 would write for ``item``."""
    return assess(item, analyze(item, rules.forensics), rules.trust, rules.forensics.freemail)


def assess_raw(raw: bytes, rules: OfflineRules, labels: list[str] | None = None) -> dict[str, Any]:
    """The ``message_trust`` row stage 1 would write for a message's bytes."""
    return assess_item(stage_item(raw, labels=labels), rules)

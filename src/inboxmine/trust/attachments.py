"""Attachments that carry the attack: programs, HTML login pages, lure documents."""

from __future__ import annotations

from inboxmine.trust.facts import MessageFacts
from inboxmine.trust.rules import TrustRules
from inboxmine.trust.signal import Signal, fire

#: Phrase families whose lure an attached document or archive completes.
LURE_FAMILIES = ("invoice_lure", "credential_lure")


def _extensions(filename: str) -> list[str]:
    parts = filename.rsplit("/", 1)[-1].split(".")
    return [p.strip() for p in parts[1:]] if len(parts) > 1 else []


def attachment_signals(
    facts: MessageFacts, rules: TrustRules, families_found: set[str]
) -> list[Signal]:
    """Dangerous or HTML attachments; a lure phrase with a document attached."""
    found: dict[str, Signal] = {}
    for filename, mime in facts.attachments:
        extensions = _extensions(filename)
        last = extensions[-1] if extensions else ""
        if last in rules.dangerous_ext or (
            len(extensions) >= 2
            and extensions[-2] in rules.decoy_ext
            and last not in rules.decoy_ext
            and last not in rules.lure_ext
        ):
            found.setdefault("dangerous_attachment", fire(rules, "dangerous_attachment", filename))
        elif last in rules.html_ext or (not last and mime in ("text/html", "image/svg+xml")):
            found.setdefault("html_attachment", fire(rules, "html_attachment", filename or mime))
        elif last in rules.lure_ext and families_found.intersection(LURE_FAMILIES):
            found.setdefault("lure_with_attachment", fire(rules, "lure_with_attachment", filename))
    return list(found.values())

"""Robots: no-reply senders, notifications, receipts, calendar invites, bounces, auto-replies.

A message a robot wrote is ``is_automated``: a one-to-one gem (a dormant
thread, an unanswered ask) is never built from it. The reasons are kept as
evidence; they never add risk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from inboxmine.trust.facts import MessageFacts
from inboxmine.trust.rules import TrustRules

_SEPARATORS = re.compile(r"[+._-]")


@dataclass(slots=True)
class Automation:
    """Why a message is automated; ``strong`` when the message itself says so
    (headers, a report or invite, a robot's subject), not only its address."""

    reasons: list[str]
    strong: bool

    @property
    def is_automated(self) -> bool:
        return bool(self.reasons)


def _robot_address(local: str, rules: TrustRules) -> bool:
    if not local:
        return False
    if local in rules.auto_local_parts:
        return True
    # "no-reply-billing", "noreply.alerts", "notifications+abc"
    head = _SEPARATORS.split(local, 1)[0]
    if head in rules.auto_local_parts and head not in ("no", "do", "auto", "order"):
        return True
    return local.startswith(("noreply", "no-reply", "no_reply", "donotreply", "do-not-reply"))


def automation(facts: MessageFacts, rules: TrustRules) -> Automation:
    """Whether (and why) a robot wrote the message."""
    reasons: list[str] = []
    auto_submitted = (facts.header("auto-submitted") or "").strip().lower()
    if auto_submitted and auto_submitted.split(";")[0].strip() not in rules.auto_submitted_human:
        reasons.append(f"Auto-Submitted: {auto_submitted[:40]}")
    for name in rules.auto_headers:
        if facts.header(name) is not None:
            reasons.append(f"header {name}")
            break
    precedence = (facts.metadata.get("precedence") or "").lower()
    if precedence in rules.auto_precedence:
        reasons.append(f"Precedence: {precedence}")
    content_type = (facts.header("content-type") or "").lower()
    if content_type.startswith(rules.auto_content_types) or any(
        mime in rules.auto_content_types for _, mime in facts.attachments
    ):
        reasons.append(f"content type {content_type.split(';')[0] or 'report/calendar part'}")
    elif "begin:vcalendar" in facts.text[:4000]:
        reasons.append("calendar invitation")
    subject = facts.subject.strip().lower()
    match = rules.auto_subjects.match(subject) if subject else None
    if match:
        reasons.append(f"subject {match.group()!r}")
    strong = bool(reasons)
    if _robot_address(facts.from_local, rules):
        reasons.append(f"robot address {facts.from_local}@")
    return Automation(reasons, strong)

"""What the receiving mail system already decided: spam headers and Junk folders.

SpamAssassin-style ``X-Spam-Flag`` / ``X-Spam-Status`` / ``X-Spam-Level``,
Microsoft's ``X-Forefront-Antispam-Report`` (``SFV:SPM``, ``SCL:n``,
``CAT:PHSH``) and ``X-MS-Exchange-Organization-SCL``, and the folder or Gmail
label a message was filed under.
"""

from __future__ import annotations

import re

from inboxmine.trust.facts import MessageFacts
from inboxmine.trust.rules import TrustRules
from inboxmine.trust.signal import Signal, fire

#: A Spam Confidence Level from this up is Microsoft's "spam" (5-6) or "high confidence" (9).
SCL_SPAM = 5
#: SpamAssassin's default "required" score, when a header gives none.
DEFAULT_REQUIRED = 5.0
#: Stars in X-Spam-Level that mean a high score without a verdict.
SPAM_LEVEL_STARS = 6

_SCORE = re.compile(r"(?:score|hits)\s*=\s*(-?\d{1,3}(?:\.\d{1,3})?)", re.I)
_REQUIRED = re.compile(r"required\s*=\s*(-?\d{1,3}(?:\.\d{1,3})?)", re.I)
_FOREFRONT = re.compile(r"(?:^|;)\s*(SFV|SCL|CAT)\s*:\s*([A-Za-z0-9-]{1,16})", re.I)
_FOLDER_SPLIT = re.compile(r"[/.]")


def _spam_headers(facts: MessageFacts, rules: TrustRules) -> list[Signal]:
    flag = (facts.header("x-spam-flag") or "").strip().lower()
    status = (facts.header("x-spam-status") or "").strip()
    verdict = (facts.header("x-spam") or "").strip().lower()
    if flag.startswith("yes"):
        return [fire(rules, "server_spam_flag", f"X-Spam-Flag: {flag[:40]}")]
    if status.lower().startswith("yes"):
        return [fire(rules, "server_spam_flag", f"X-Spam-Status: {status[:80]}")]
    if verdict.startswith(("yes", "spam", "true", "high", "[spam]")):
        # Not a standard header (any hop, the sender included, can write it),
        # so it counts as a high score rather than a verdict.
        return [fire(rules, "server_spam_score", f"X-Spam: {verdict[:40]}")]
    if status.lower().startswith("no"):
        return []  # the server scored it and let it through
    score_text = facts.header("x-spam-score") or status
    match = _SCORE.search(score_text or "") or (
        re.match(r"\s*(-?\d{1,3}(?:\.\d{1,3})?)\s*$", score_text or "") if score_text else None
    )
    if match:
        required = _REQUIRED.search(status or "")
        limit = float(required.group(1)) if required else DEFAULT_REQUIRED
        if float(match.group(1)) >= limit:
            return [fire(rules, "server_spam_score", f"spam score {match.group(1)} >= {limit:g}")]
        return []
    level = facts.header("x-spam-level") or ""
    stars = len(level) - len(level.lstrip("*"))
    if stars >= SPAM_LEVEL_STARS:
        return [fire(rules, "server_spam_score", f"X-Spam-Level: {'*' * stars}")]
    return []


def _microsoft(facts: MessageFacts, rules: TrustRules) -> list[Signal]:
    report = facts.header("x-forefront-antispam-report") or ""
    fields = {k.upper(): v.upper() for k, v in _FOREFRONT.findall(report)}
    category = fields.get("CAT", "")
    if category in ("PHSH", "HPHSH", "HPHISH", "SPOOF", "GIMP"):
        return [fire(rules, "microsoft_phish", f"X-Forefront-Antispam-Report CAT:{category}")]
    if fields.get("SFV") in ("SPM", "SKS") or category in ("SPM", "HSPM"):
        evidence = f"X-Forefront-Antispam-Report SFV:{fields.get('SFV')} CAT:{category or '-'}"
        return [fire(rules, "microsoft_spam", evidence)]
    scl_text = fields.get("SCL") or (facts.header("x-ms-exchange-organization-scl") or "").strip()
    try:
        scl = int(scl_text)
    except ValueError:
        return []
    if scl >= SCL_SPAM:
        return [fire(rules, "microsoft_spam", f"SCL {scl}")]
    return []


def _folder(facts: MessageFacts, rules: TrustRules) -> list[Signal]:
    for label in facts.labels:
        low = label.strip().lower()
        if low in rules.junk_folders or any(
            part.strip() in rules.junk_folders for part in _FOLDER_SPLIT.split(low)
        ):
            return [fire(rules, "junk_folder", f"filed under {label[:80]!r}")]
    return []


def server_signals(facts: MessageFacts, rules: TrustRules) -> list[Signal]:
    """The receiving server's own spam verdicts and the Junk folder."""
    return _spam_headers(facts, rules) + _microsoft(facts, rules) + _folder(facts, rules)

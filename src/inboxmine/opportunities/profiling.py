"""Stage 5 for one sender: its profile, relationship, gems and their scores.

Pure: :func:`profile_sender` takes the sender as read from the database, its
manual relationship and its rolled-up trust, and the run's
:class:`ProfileRun` (rules, reference time, exclusions...), and returns what
to store. The stage (``stages/profile.py``) reads and writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from inboxmine.opportunities import scoring, segments
from inboxmine.opportunities import store as st
from inboxmine.opportunities.feedback import without_suppressed
from inboxmine.opportunities.gems import DetectionContext, detect_gems
from inboxmine.opportunities.profiles import build_profile
from inboxmine.opportunities.relationships import detect
from inboxmine.trust import gate


@dataclass(frozen=True)
class ProfileRun:
    """What every sender of one stage-5 run is profiled with."""

    now: datetime
    rules: dict[str, Any]
    me: Any
    exclusions: frozenset[str]
    #: Trust verdicts the user set, by sender.
    trust_overrides: dict[str, dict[str, Any]]
    #: Discussion-list ids (their posters are list members).
    lists: frozenset[str]
    #: (gem type, sender, thread) keys the user's bad ratings suppress.
    suppressed: Any
    your_audience: Any

    @property
    def profile_rules(self) -> dict[str, Any]:
        rules = self.rules
        return {
            "sophistication": rules["scoring"]["sophistication"],
            "warm": rules["gems"]["phrases"]["warm"],
            "renewal_context": rules["gems"]["renewal_context"],
            "link_hosts": rules["gems"]["link_hosts"],
        }

    @property
    def gating(self) -> dict[str, Any]:
        return self.rules["sender_trust"]["gating"]


@dataclass
class ProfiledSender:
    """What stage 5 stores for one sender."""

    profile: dict[str, Any]
    #: The automatic relationship to store (None: a manual or imported one stands).
    proposal: Any = None
    #: False when the sender gives no gems (suppressed, excluded, its trust).
    detected: bool = False
    #: (gem candidate, score breakdown) pairs.
    found: list[tuple[Any, dict[str, Any]]] = field(default_factory=list)


def procurement_categories(sender) -> list[str]:
    return sorted(
        {
            (e.category or e.normalized or e.value or "").lower()
            for m in sender.received
            if not m.is_bulk
            for e in m.entities
            if e.entity_type == "procurement_signal"
        }
        - {""}
    )


def profile_sender(sender, manual: dict | None, trust, run: ProfileRun) -> ProfiledSender:
    """Profile one sender, detect its relationship and, as its trust allows, its gems."""
    rules = run.rules
    my_addresses = set(run.me.addresses)
    profile = build_profile(sender, run.profile_rules, run.now, my_addresses)
    profile["economic_segments"] = segments.economic_segments(
        profile, procurement_categories(sender), rules["segments"]
    )
    result = ProfiledSender(profile=profile)
    if manual and manual["source"] in ("manual", "import"):
        relationship = manual["relationship_type"]
        suppress = bool(manual["suppress_gems"])
    else:
        result.proposal = detect(
            sender,
            profile,
            profile["economic_segments"],
            rules["known_entities"],
            rules["relationships"],
        )
        relationship, suppress = result.proposal.relationship_type, result.proposal.suppress_gems
    verdict = trust.verdict if trust else None
    if (
        suppress
        or st.is_excluded(sender.sender_domain, run.exclusions)
        or gate.blocks_sender(verdict, run.gating)
    ):
        return result  # not detected: its open gems expire
    candidates = detect_gems(
        DetectionContext(
            sender=sender,
            profile=profile,
            relationship=relationship,
            segments=profile["economic_segments"],
            now=run.now,
            rules=rules["gems"],
            your_audience=run.your_audience,
            trust_verdict=verdict,
            trust_gating=run.gating,
        )
    )
    candidates = without_suppressed(candidates, run.suppressed)
    result.detected = True
    types = {c.gem_type for c in candidates}
    for candidate in candidates:
        breakdown = scoring.score_gem(
            profile,
            relationship,
            candidate.gem_type,
            candidate.detector_score,
            types,
            run.now,
            rules["scoring"]["opportunity"],
            verdict,
        )
        result.found.append((candidate, breakdown))
    return result

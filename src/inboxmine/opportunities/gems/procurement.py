"""Procurement signals: RFPs, security reviews, MSAs - a buying process has started."""

from __future__ import annotations

from inboxmine.opportunities.evidence import Evidence, Signal
from inboxmine.opportunities.gems.base import GEM_DETECTORS, DetectionContext, GemCandidate
from inboxmine.opportunities.people import clean_name


def procurement_signal(ctx: DetectionContext) -> list[GemCandidate]:
    """One gem per conversation holding procurement entities from a person (not bulk mail)."""
    cfg = ctx.cfg("procurement_signal")
    by_thread: dict[int | None, list] = {}
    for message in ctx.sender.received:
        if message.is_bulk:
            continue  # a "SOC 2 compliant" newsletter is not a buying process
        found = [e for e in message.entities if e.entity_type == "procurement_signal"]
        if found:
            by_thread.setdefault(message.thread_id, []).append((message, found))
    gems = []
    subjects = {t.id: t.subject for t in ctx.sender.threads}
    for thread_id, items in by_thread.items():
        signals: dict[str, Signal] = {}
        for message, entities in items:
            for entity in entities:
                category = (entity.category or entity.normalized or entity.value or "").lower()
                if not category or category in signals:
                    continue
                signals[category] = Signal(
                    category,
                    (entity.value or category)[:80],
                    [
                        Evidence(
                            message.id,
                            " ".join((entity.context or entity.value or "").split())[:300],
                            entity.source or "body",
                            message.sent_at.isoformat(),
                        )
                    ],
                )
        if len(signals) < cfg["min_signals"]:
            continue
        subject = subjects.get(thread_id) or items[0][0].subject
        # The person running the buying process: who wrote the latest signal.
        latest = items[-1][0]
        score = cfg["base_score"] + cfg["per_category_points"] * (len(signals) - 1)
        gems.append(
            GemCandidate(
                gem_type="procurement_signal",
                sender_domain=ctx.sender.sender_domain,
                thread_id=thread_id,
                summary=f"'{subject}': procurement under way ({', '.join(list(signals)[:5])})",
                signals=list(signals.values())[:10],
                detector_score=min(100, int(score)),
                confidence=float(cfg["confidence"]),
                estimated_value="high",
                urgency="high",
                urgency_reason="a buying process is running",
                recommended_actions=ctx.actions("procurement_signal"),
                source_message_ids=sorted({m.id for m, _ in items}),
                facts={"thread_subject": subject, "categories": list(signals)},
                contact_email=(latest.from_address or "").lower() or None,
                contact_name=clean_name(latest.from_name),
            )
        )
    return gems


GEM_DETECTORS.register("procurement_signal", procurement_signal, order=100)

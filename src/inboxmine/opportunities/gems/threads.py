"""Conversation gems: dormant warm threads and unanswered asks.

A thread gem belongs to the person who is owed the reply (its contact), and
to the sender identity of that person: in a thread with two people of one
client, or with several colleagues, the gem is the last writer's, once.
"""

from __future__ import annotations

from inboxmine.opportunities.evidence import Signal, find_in_message, message_evidence, phrases
from inboxmine.opportunities.facts import ThreadFacts
from inboxmine.opportunities.gems.base import GEM_DETECTORS, DetectionContext, GemCandidate
from inboxmine.opportunities.people import contact_of, counterpart
from inboxmine.opportunities.profiles import warm_signals


def _their_messages(thread: ThreadFacts, ctx: DetectionContext):
    return [
        m for m in thread.messages if not m.is_sent and m.sender_domain == ctx.sender.sender_domain
    ]


def _rejected_by_intent(thread: ThreadFacts, ctx: DetectionContext, intents: list[str]) -> bool:
    return any(m.intent in intents for m in _their_messages(thread, ctx))


def _awaits_this_sender(thread: ThreadFacts, ctx: DetectionContext) -> bool:
    """The reply is owed to this sender: the thread's last writer is one of theirs."""
    last = counterpart(thread)
    return (
        last is not None and last is thread.last and last.sender_domain == ctx.sender.sender_domain
    )


def _who(thread: ThreadFacts, fallback: str = "") -> str:
    """The contact for a summary: `` (Dana Whitfield)`` / ``Dana Whitfield``."""
    contact = contact_of(thread)
    who = contact.name or contact.email
    if not who:
        return fallback
    return f" ({who})" if not fallback else who


def _thread_fields(thread: ThreadFacts, days: int) -> dict:
    """What every thread gem records about its thread: the messages, the facts
    and the contact (the person owed the reply)."""
    contact = contact_of(thread)
    facts = {
        "thread_subject": thread.subject,
        "dormancy_days": days,
        "message_count": len(thread.messages),
    }
    if contact.email:
        facts["contact_email"] = contact.email
    if contact.name:
        facts["contact_name"] = contact.name
    return {
        "source_message_ids": [m.id for m in thread.messages],
        "facts": facts,
        "contact_email": contact.email,
        "contact_name": contact.name,
    }


def _points_by_days(days: int, table: dict) -> int:
    for limit, points in sorted((int(k), v) for k, v in (table or {}).items()):
        if days < limit:
            return int(points)
    return 0


def dormant_warm_thread(ctx: DetectionContext) -> list[GemCandidate]:
    """Threads where the other side wrote last, the user took part, and it went quiet
    with money or a meeting on the table - and did not end with a thank-you."""
    cfg = ctx.cfg("dormant_warm_thread")
    completion = phrases(ctx.phrases("completion"))
    gems = []
    for thread in ctx.sender.threads:
        days = thread.days_dormant(ctx.now)
        if (
            days is None
            or not _awaits_this_sender(thread, ctx)
            or not thread.user_participated
            or len(thread.messages) < cfg["min_messages"]
            or not cfg["min_dormancy_days"] <= days <= cfg["max_dormancy_days"]
        ):
            continue
        if _rejected_by_intent(thread, ctx, cfg["reject_intents"]):
            continue
        window = thread.messages[-int(cfg["completion_window"]) :]
        if any(find_in_message(completion, m) for m in window):
            continue
        signals = warm_signals(_their_messages(thread, ctx), ctx.phrases("warm"))
        if cfg["require_warm_signal"] and not signals:
            continue
        boost = min(cfg["warm_boost_cap"], cfg["warm_signal_points"] * len(signals))
        score = cfg["base_score"] + boost + cfg["participated_points"]
        score += _points_by_days(days, cfg["recent_points"])
        if len(thread.messages) > 2:
            score += cfg["many_messages_points"]
        urgency_days = cfg["urgency_days"]
        urgency = (
            "high"
            if days < urgency_days["high"]
            else "low"
            if days > urgency_days["low"]
            else "medium"
        )
        value = "high" if boost >= cfg["value"]["high_boost"] else "low" if boost == 0 else "medium"
        last = thread.messages[-1]
        signals.insert(
            0,
            Signal(
                "awaiting_your_reply",
                f"their last message, {days} days ago, is unanswered",
                [message_evidence(last, (last.text or last.subject or "")[-300:])],
            ),
        )
        gems.append(
            GemCandidate(
                gem_type="dormant_warm_thread",
                sender_domain=ctx.sender.sender_domain,
                thread_id=thread.id,
                summary=f"'{thread.subject}'{_who(thread)} has been waiting for your reply "
                f"for {days} days ({len(signals) - 1} warm signal(s))",
                signals=signals,
                detector_score=min(100, int(score)),
                confidence=float(cfg["confidence"]),
                estimated_value=value,
                urgency=urgency,
                urgency_reason=f"dormant for {days} days",
                recommended_actions=ctx.actions("dormant_warm_thread"),
                **_thread_fields(thread, days),
            )
        )
    return gems


def unanswered_ask(ctx: DetectionContext) -> list[GemCandidate]:
    """A recent question the user has not answered yet."""
    cfg = ctx.cfg("unanswered_ask")
    ask = phrases(ctx.phrases("ask"))
    gems = []
    for thread in ctx.sender.threads:
        days = thread.days_dormant(ctx.now)
        if (
            days is None
            or not _awaits_this_sender(thread, ctx)
            or not thread.user_participated
            or len(thread.messages) < cfg["min_messages"]
            or not cfg["min_days"] <= days < cfg["max_days"]
        ):
            continue
        last = thread.messages[-1]
        hit = find_in_message(ask, last, ("body", "subject"))
        if cfg["require_ask"] and not hit:
            continue
        evidence = hit[1] if hit else message_evidence(last)
        gems.append(
            GemCandidate(
                gem_type="unanswered_ask",
                sender_domain=ctx.sender.sender_domain,
                thread_id=thread.id,
                summary=f"'{thread.subject}': {_who(thread, 'they')} asked you something "
                f"{days} days ago and {'waits' if contact_of(thread).email else 'wait'} "
                "for your answer",
                signals=[Signal("open_question", f"asked {days} days ago", [evidence])],
                detector_score=int(cfg["score"]),
                confidence=float(cfg["confidence"]),
                estimated_value="medium",
                urgency="high",
                urgency_reason=f"unanswered for {days} days",
                recommended_actions=ctx.actions("unanswered_ask"),
                **_thread_fields(thread, days),
            )
        )
    return gems


GEM_DETECTORS.register("dormant_warm_thread", dormant_warm_thread, order=10)
GEM_DETECTORS.register("unanswered_ask", unanswered_ask, order=20)

"""Engagement strategies: which strategy fits a gem, and the facts its prompt gets.

The strategies are the entries of ``rules/strategies.yaml`` (the one list of
them; a user's copy adds more); ``engagement.preferred_strategies`` in the
settings narrows them, and is empty - every strategy - by default.

Each strategy has its own context: thread history for revival, renewal dates
and amounts for renewal negotiation, partner URLs for partner, audiences for
mirror and distribution pitches, marketing gaps for audit and unsubscribe judo.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from inboxmine.ai.templates import delimit


class StrategyError(ValueError):
    """An unknown strategy; the message lists the known ones."""


def check_strategy(name: str, rules: dict) -> str:
    known = list(rules["strategies"])
    if name not in known:
        raise StrategyError(f"unknown strategy {name!r}: choose one of {', '.join(known)}")
    return name


def strategies_for(gem_type: str, rules: dict) -> list[str]:
    """Strategies that fit a gem type, the default first."""
    return [name for name, spec in rules["strategies"].items() if gem_type in spec["gem_types"]]


def default_strategy(gem_type: str, rules: dict) -> str:
    """The first strategy fitting ``gem_type``; ``fallback_strategy`` when none does."""
    fitting = strategies_for(gem_type, rules)
    return fitting[0] if fitting else rules["fallback_strategy"]


def channel(strategy: str, rules: dict) -> str:
    spec = rules["strategies"].get(strategy)
    return spec["channel"] if spec else "email"


def _text(value: Any, default: str = "") -> str:
    if value in (None, "", [], {}):
        return default
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _last_words(explanation: dict[str, Any]) -> str:
    """The quote of the first signal (for thread gems: their unanswered message)."""
    for signal in explanation.get("signals") or []:
        for evidence in signal.get("evidence") or []:
            if evidence.get("quote"):
                return " ".join(str(evidence["quote"]).split())[:240]
    return ""


def _nice_date(iso: str) -> str:
    """``2026-03-20`` -> ``20 March 2026`` (unchanged when it is not an ISO date)."""
    try:
        day = date.fromisoformat(str(iso)[:10])
    except ValueError:
        return str(iso)
    return f"{day.day} {day.strftime('%B')} {day.year}"


def renewal_terms(facts: dict[str, Any], profile: dict[str, Any]) -> str:
    """What the renewal email says about the date and the money, as a sentence part:
    ``renews on 20 March 2026 (in 19 days) at $4,800``; without a date
    ``comes up for renewal soon``."""
    dates = facts.get("renewal_dates") or (
        [profile["next_renewal_date"]] if profile.get("next_renewal_date") else []
    )
    amounts = facts.get("monetary_signals") or [
        m.get("value") for m in profile.get("monetary_signals") or [] if m.get("value")
    ]
    text = f"renews on {_nice_date(dates[0])}" if dates else "comes up for renewal soon"
    days = facts.get("days_until_renewal")
    if dates and isinstance(days, int):
        text += f" (in {days} day{'s' if days != 1 else ''})"
    if amounts:
        text += f" at {amounts[0]}"
    return text


def last_note(quote: str) -> str:
    """The unanswered message quoted in a revival draft, or nothing when there is none."""
    return f"Your last note:\n\n> {quote}\n" if quote else ""


def thread_history(messages: list[dict[str, Any]]) -> str:
    """The thread as delimited data: who wrote when, and what (bounded)."""
    parts = []
    for m in messages:
        who = "me" if m.get("is_sent") else (m.get("from_name") or m.get("from_address") or "them")
        when = m["sent_at"].date().isoformat() if m.get("sent_at") else ""
        body = " ".join((m.get("body") or "").split())[:600]
        parts.append(f"{when} {who}: {body}")
    return delimit("email", "\n".join(parts)) if parts else "(no messages)"


def gem_contact(gem: dict[str, Any], known: list[dict[str, Any]]) -> dict[str, Any]:
    """Whom the draft addresses: the gem's own contact (the person in the thread)
    when it has one, with their role from the profile's known contacts; else the
    profile's first contact with a role, else its first contact."""
    email = (gem.get("contact_email") or "").lower()
    name = gem.get("contact_name") or ""
    if email or name:
        match = next(
            (
                c
                for c in known
                if (email and (c.get("email") or "").lower() == email)
                or (name and (c.get("name") or "").lower() == name.lower())
            ),
            {},
        )
        return {
            "name": name or match.get("name") or "",
            "email": email or match.get("email") or "",
            "role": match.get("role"),
        }
    return next((c for c in known if c.get("role")), known[0] if known else {})


def draft_context(
    gem: dict[str, Any],
    profile: dict[str, Any] | None,
    strategy: str,
    engagement: Any,
    thread: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Every variable the strategy templates use, from the gem and the sender's profile."""
    profile = profile or {}
    explanation = gem.get("explanation") or {}
    facts = explanation.get("facts") or {}
    contact = gem_contact(gem, profile.get("known_contacts") or [])
    first_name = (contact.get("name") or "").split(" ")[0] if contact.get("name") else ""
    breakdown = profile.get("sophistication_breakdown") or []
    gaps = [c["component"].replace("_", " ") for c in breakdown if not c.get("points")]
    total = profile.get("total_messages") or 0
    context = {
        "strategy": strategy,
        "gem_type": gem["gem_type"],
        "company": profile.get("company_name") or gem["sender_domain"],
        "sender_domain": gem["sender_domain"],
        "contact_name": first_name or "there",
        "contact_full_name": contact.get("name") or "",
        "contact_email": contact.get("email") or "",
        "contact_role": contact.get("role") or "",
        "industry": _text(profile.get("industry"), "your industry"),
        "company_size": _text(profile.get("company_size"), "size unknown"),
        "esp_used": _text(profile.get("esp_used"), "an unknown tool"),
        "sophistication": _text(profile.get("marketing_sophistication_avg"), "?"),
        "product": _text(profile.get("product_description") or profile.get("product_type")),
        "pain_points": _text(profile.get("pain_points")),
        "target_audience": _text(profile.get("target_audience"), "their audience"),
        "observation": gem.get("summary") or "",
        "relationship_summary": f"{total} messages since "
        + (profile["first_contact"].date().isoformat() if profile.get("first_contact") else "?"),
        "your_name": engagement.your_name or "",
        "your_service": engagement.your_service or "consulting services",
        "your_tone": engagement.your_tone or "direct",
        "your_audience": engagement.your_audience or "B2B teams",
        "gaps": ", ".join(gaps[:3]) or "a few missing basics",
        "thread_subject": _text(facts.get("thread_subject"), gem.get("summary") or ""),
        "dormancy_days": _text(facts.get("dormancy_days"), "a number of"),
        "thread_history": thread_history(thread or []),
        "their_last_words": _last_words(explanation),
        "last_note": last_note(_last_words(explanation)),
        "renewal_terms": renewal_terms(facts, profile),
        "renewal_dates": _text(
            facts.get("renewal_dates") or profile.get("next_renewal_date"), "soon"
        ),
        "days_until_renewal": _text(facts.get("days_until_renewal"), "a few"),
        "monetary_signals": _text(
            facts.get("monetary_signals")
            or [m.get("value") for m in profile.get("monetary_signals") or []][:3],
            "not stated",
        ),
        "partner_urls": _text(
            list(facts.get("partner_urls") or profile.get("partner_program_urls") or [])[:2],
            "your partner page",
        ),
        "opportunities": _text(facts.get("opportunities"), "contributors"),
        "shared_audience": _text(facts.get("shared_audience"), "similar buyers"),
        "topics": _text(facts.get("topics")),
        "unsubscribe_url": _text(profile.get("unsubscribe_url")),
        "signals": [
            {"signal": s.get("signal"), "detail": s.get("detail")}
            for s in explanation.get("signals") or []
        ][:8],
    }
    context["facts"] = {
        "company": context["company"],
        "contact": contact.get("name") or contact.get("email") or None,
        "industry": profile.get("industry"),
        "size": profile.get("company_size"),
        "gem": gem["gem_type"],
        "summary": gem.get("summary"),
        "signals": context["signals"],
        **{k: v for k, v in facts.items() if isinstance(v, str | int | float | list)},
    }
    return context

"""A small set of profiles and gems for the engage tests (one of each kind of strategy)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert

from inboxmine.db.engine import write_tx
from inboxmine.db.tables.opportunities import gems, sender_profiles

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _evidence(message_id: int, quote: str) -> list[dict]:
    return [{"message_id": message_id, "quote": quote, "source": "body"}]


PROFILES = [
    {
        "sender_domain": "acme.io",
        "company_name": "Acme Analytics",
        "known_contacts": [
            {"name": "Dana Whitfield", "email": "dana@acme.io", "role": "Account Manager"}
        ],
        "industry": "analytics software",
        "total_messages": 14,
        "next_renewal_date": "2026-03-20",
        "monetary_signals": [{"value": "$4,800/year", "amount": 4800, "message_id": 1}],
    },
    {
        "sender_domain": "brightlane.io",
        "company_name": "Brightlane",
        "known_contacts": [{"name": "Priya Raman", "email": "priya@brightlane.io", "role": None}],
        "total_messages": 6,
    },
    {
        "sender_domain": "northwind.io",
        "company_name": "Northwind Cloud",
        "known_contacts": [
            {"name": "Sam Ortiz", "email": "sam@northwind.io", "role": "Partner Lead"}
        ],
        "partner_program_urls": ["https://northwind.io/partners"],
        "total_messages": 9,
    },
    {
        "sender_domain": "shopco.com",
        "company_name": "ShopCo",
        "known_contacts": [],
        "industry": "retail",
        "total_messages": 30,
    },
    {
        "sender_domain": "newsy.com",
        "company_name": "Newsy Weekly",
        "known_contacts": [],
        "industry": "media",
        "total_messages": 20,
    },
]

#: (key, gem_type, sender_domain, score, summary, facts, quote)
GEMS = [
    (
        "renewal",
        "renewal_leverage",
        "acme.io",
        90,
        "Acme Analytics renews on 2026-03-20 (in 19 days) at $4,800/year",
        {
            "renewal_dates": ["2026-03-20"],
            "days_until_renewal": 19,
            "monetary_signals": ["$4,800/year"],
        },
        "Your Business plan renews on March 20, 2026 at $4,800/year.",
    ),
    (
        "revival",
        "dormant_warm_thread",
        "brightlane.io",
        80,
        "'Q3 analytics rollout' has been dormant for 45 days",
        {"thread_subject": "Q3 analytics rollout", "dormancy_days": 45, "message_count": 4},
        "Could you send pricing for 40 seats before our budget meeting?",
    ),
    (
        "partner",
        "partner_program",
        "northwind.io",
        70,
        "Northwind Cloud runs a partner program",
        {"partner_urls": ["https://northwind.io/partners"]},
        "Join the Northwind partner program and earn 20% recurring.",
    ),
    (
        "audit",
        "weak_marketing_lead",
        "shopco.com",
        60,
        "ShopCo sends unsegmented, untracked campaigns",
        {"gaps": ["utm_tracking", "personalization"]},
        "BIG SALE this weekend only",
    ),
    (
        "report",
        "industry_intel",
        "newsy.com",
        50,
        "Newsy Weekly writes about media trends every week",
        {"industry": "media", "topics": ["ad spend", "podcasts"]},
        "This week in media: ad spend is shifting to podcasts.",
    ),
]


def seed(engine) -> dict[str, int]:
    """Insert the profiles and gems; returns ``{key: gem id}`` (renewal, revival,
    partner, audit, report)."""
    ids: dict[str, int] = {}
    with write_tx(engine) as conn:
        for profile in PROFILES:
            conn.execute(insert(sender_profiles).values(profiled_at=NOW, **profile))
        for n, (key, gem_type, domain, score, summary, facts, quote) in enumerate(GEMS, 1):
            thread_id = 100 + n if gem_type == "dormant_warm_thread" else None
            ids[key] = conn.execute(
                insert(gems).values(
                    gem_type=gem_type,
                    sender_domain=domain,
                    thread_id=thread_id,
                    thread_key=str(thread_id or ""),
                    status="new",
                    score=score,
                    detector_score=score,
                    summary=summary,
                    explanation={
                        "gem_type": gem_type,
                        "summary": summary,
                        "signals": [
                            {
                                "signal": "evidence",
                                "detail": summary,
                                "evidence": _evidence(n, quote),
                            }
                        ],
                        "facts": facts,
                    },
                    confidence=0.8,
                    estimated_value="medium",
                    urgency="medium",
                    recommended_actions=["act"],
                    created_at=NOW,
                )
            ).inserted_primary_key[0]
    return ids

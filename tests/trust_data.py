"""A small mailbox for trust tests, and message verdicts planted as stage 1 would write them.

Two senders a user would want gems from: ``acme.io`` (a partner program, a
bulk sender) and ``brightlane.io`` (a quiet thread with pricing and a meeting
request: a dormant warm thread). :func:`plant` writes ``message_trust`` rows
for every received message of a sender, with the signals and evidence given.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select
from tests.helpers import insert_message

from inboxmine.db.engine import read_tx, write_tx
from inboxmine.db.tables import metadata
from inboxmine.db.tables.ingest import messages, threads
from inboxmine.db.tables.trust import message_trust
from inboxmine.runner.executor import run_stages

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
PHISHING_SIGNALS = [
    {
        "signal": "brand_impersonation",
        "weight": 45,
        "detail": "display name says PayPal, the address is not paypal.com",
        "evidence": "From: PayPal Security <alerts@acme.io>",
    },
    {
        "signal": "dmarc_fail",
        "weight": 25,
        "detail": "DMARC failed for acme.io",
        "evidence": "Authentication-Results: dmarc=fail header.from=acme.io",
    },
]


def _metadata(engine, message_id, sender_domain, **extra):
    with write_tx(engine) as conn:
        conn.execute(
            insert(metadata.tables["parsed_metadata"]).values(
                message_id=message_id, sender_domain=sender_domain, parsed_at=NOW, **extra
            )
        )


def partner_mail(engine, days_ago: int = 10) -> int:
    """A partner-program announcement from acme.io (a partner_program gem)."""
    mid = insert_message(
        engine,
        from_address="partners@acme.io",
        from_name="Acme",
        subject="Join the Acme Partner Program",
        body_text="Earn 20% recurring revenue share.",
        sent_at=NOW - timedelta(days=days_ago),
    )
    _metadata(engine, mid, "acme.io", is_bulk=True)
    with write_tx(engine) as conn:
        conn.execute(
            insert(metadata.tables["parsed_content"]).values(
                message_id=mid,
                link_intents={"partner_program": ["https://acme.io/partners?utm_source=x"]},
                offer_types=["partnership"],
                parsed_at=NOW,
            )
        )
    return mid


def warm_thread(engine, sender: str = "brightlane.io") -> int:
    """A thread the user took part in, gone quiet after a pricing question and a
    meeting request (a dormant_warm_thread gem); returns the thread id."""
    with write_tx(engine) as conn:
        thread_id = int(
            conn.execute(
                insert(threads).values(
                    thread_key=f"pricing-{sender}", subject="Pricing for Q3", message_count=3
                )
            ).inserted_primary_key[0]
        )
    turns = [
        (53, f"dana@{sender}", False, "Could you share how you price an engagement like this?"),
        (49, "me@example.com", True, "Our retainer starts at $9,500/month."),
        (
            45,
            f"dana@{sender}",
            False,
            "Could we set up a 30-minute meeting next week with our CFO?",
        ),
    ]
    for days, address, sent, text in turns:
        mid = insert_message(
            engine,
            from_address=address,
            from_name="Me" if sent else "Dana Whitfield",
            subject="Pricing for Q3",
            body_text=text,
            sent_at=NOW - timedelta(days=days),
            is_sent=sent,
            thread_id=thread_id,
        )
        _metadata(engine, mid, "example.com" if sent else sender)
    return thread_id


def plant(
    engine,
    sender_domain: str,
    verdict: str,
    *,
    risk_score: float = 0.0,
    signals: list | None = None,
    is_automated: bool = False,
) -> list[int]:
    """Give every received message of ``sender_domain`` this ``message_trust`` verdict
    (replacing any); returns the message ids."""
    pm = metadata.tables["parsed_metadata"]
    with read_tx(engine) as conn:
        ids = [
            r[0]
            for r in conn.execute(
                select(pm.c.message_id)
                .join(messages, messages.c.id == pm.c.message_id)
                .where(pm.c.sender_domain == sender_domain, messages.c.is_sent.is_(False))
            )
        ]
    with write_tx(engine) as conn:
        conn.execute(message_trust.delete().where(message_trust.c.message_id.in_(ids)))
        conn.execute(
            insert(message_trust),
            [
                {
                    "message_id": mid,
                    "verdict": verdict,
                    "risk_score": risk_score,
                    "signals": signals or [],
                    "is_automated": is_automated,
                    "computed_at": NOW,
                }
                for mid in ids
            ],
        )
    return ids


def run_5_and_6(engine, settings) -> None:
    """Stages 5 (profile, trust, gems) and 6 (segments, scores) at ``NOW``."""
    ok, runs = run_stages(
        engine, settings, ["profile", "segment"], parameters={"now": NOW.isoformat()}
    )
    assert ok, f"stages 5-6 failed (runs {runs})"

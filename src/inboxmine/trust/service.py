"""Sender trust for people: list and show verdicts with their evidence, correct them.

One place for the CLI (``inboxmine trust``), the API (``/api/trust``) and the
admin's Suspicious senders page. A correction is stored through the override
service and applied to ``sender_trust`` at once (the gems follow on the next
run of stages 5-6).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, case, func, select

from inboxmine.db.engine import read_tx, write_tx
from inboxmine.db.tables.ingest import messages
from inboxmine.db.tables.metadata_stage import parsed_metadata
from inboxmine.db.tables.opportunities import gems
from inboxmine.db.tables.trust import TRUST_VERDICTS, message_trust, sender_trust
from inboxmine.rules.loader import load_rules
from inboxmine.trust import overrides, store

#: The verdicts of the Suspicious senders report, the worst first.
REPORT_VERDICTS = ("phishing", "spam", "suspicious")
#: Most messages shown for one sender.
MAX_MESSAGES = 50
MAX_SENDER_CHARS = 320


class NotFound(LookupError):
    """No such sender or message; the message says how to find one."""


class InvalidValue(ValueError):
    """A verdict or sender that cannot be used; the message says which are valid."""


def _severity():
    """Worst first: phishing 0, spam 1, suspicious 2, automated 3, bulk 4, legitimate 5."""
    ranks = {v: len(TRUST_VERDICTS) - 1 - i for i, v in enumerate(TRUST_VERDICTS)}
    return case(ranks, value=sender_trust.c.verdict, else_=len(TRUST_VERDICTS))


def sender_key(sender_domain: str) -> str:
    """The sender identity as the pipeline stores it (lower case, trimmed)."""
    key = (sender_domain or "").strip().lower()
    if not key:
        raise InvalidValue("no sender given: name a sender as `inboxmine trust list` shows it")
    if len(key) > MAX_SENDER_CHARS:
        raise InvalidValue(f"sender is longer than {MAX_SENDER_CHARS} characters")
    return key


def check_verdict(verdict: str | None) -> None:
    if verdict is not None and verdict not in TRUST_VERDICTS:
        raise InvalidValue(
            f"unknown trust verdict {verdict!r}: choose one of {', '.join(TRUST_VERDICTS)}"
        )


def list_senders(
    engine: Engine,
    verdicts: tuple[str, ...] | list[str] | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[int, list[dict[str, Any]]]:
    """``(total, rows)`` of ``sender_trust``, the worst verdicts and highest risk first."""
    for verdict in verdicts or ():
        check_verdict(verdict)
    query = select(sender_trust)
    count = select(func.count()).select_from(sender_trust)
    if verdicts:
        query = query.where(sender_trust.c.verdict.in_(list(verdicts)))
        count = count.where(sender_trust.c.verdict.in_(list(verdicts)))
    query = query.order_by(
        _severity(), sender_trust.c.risk_score.desc(), sender_trust.c.sender_domain
    ).offset(offset)
    if limit:
        query = query.limit(limit)
    with read_tx(engine) as conn:
        total = int(conn.execute(count).scalar_one())
        return total, [dict(r) for r in conn.execute(query).mappings()]


#: What to run when messages were analysed before trust existed (an upgrade).
REJUDGE = "`inboxmine run metadata --reprocess` then `inboxmine run profile segment`"


def unjudged_messages(engine: Engine) -> int:
    """Received messages stage 1 analysed without a trust verdict (analysed before an
    upgrade brought trust): their senders are never blocked until re-judged."""
    judged = select(message_trust.c.message_id).where(
        message_trust.c.message_id == parsed_metadata.c.message_id
    )
    query = (
        select(func.count())
        .select_from(parsed_metadata.join(messages, messages.c.id == parsed_metadata.c.message_id))
        .where(messages.c.is_sent.is_(False), ~judged.exists())
    )
    with read_tx(engine) as conn:
        return int(conn.execute(query).scalar_one())


def report(engine: Engine, limit: int | None = None) -> list[dict[str, Any]]:
    """The Suspicious senders report: phishing first, then spam, then suspicious."""
    return list_senders(engine, REPORT_VERDICTS, limit)[1]


def sender_messages(conn, sender_domain: str, limit: int = MAX_MESSAGES) -> list[dict[str, Any]]:
    """The sender's received messages with their own verdicts, riskiest first."""
    query = (
        select(
            messages.c.id,
            messages.c.subject,
            messages.c.from_address,
            messages.c.from_name,
            messages.c.sent_at,
            message_trust.c.verdict,
            message_trust.c.risk_score,
            message_trust.c.signals,
        )
        .select_from(
            messages.join(parsed_metadata, parsed_metadata.c.message_id == messages.c.id).outerjoin(
                message_trust, message_trust.c.message_id == messages.c.id
            )
        )
        .where(parsed_metadata.c.sender_domain == sender_domain, messages.c.is_sent.is_(False))
        .order_by(message_trust.c.risk_score.desc().nulls_last(), messages.c.sent_at.desc())
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def sender_detail(engine: Engine, sender_domain: str) -> dict[str, Any]:
    """One sender's trust: verdict, signals with evidence, the user's override,
    its messages with their verdicts, and its gems."""
    key = sender_key(sender_domain)
    with read_tx(engine) as conn:
        row = (
            conn.execute(select(sender_trust).where(sender_trust.c.sender_domain == key))
            .mappings()
            .first()
        )
        found = sender_messages(conn, key)
        override = overrides.get_override(conn, key)
        their_gems = [
            dict(r)
            for r in conn.execute(
                select(
                    gems.c.id, gems.c.gem_type, gems.c.status, gems.c.score, gems.c.trust_verdict
                )
                .where(gems.c.sender_domain == key)
                .order_by(gems.c.score.desc())
            ).mappings()
        ]
    if row is None and not found and override is None:
        raise NotFound(
            f"sender {key!r} has no trust verdict and no messages: `inboxmine trust list` "
            "lists the judged senders (run `inboxmine run all` to judge them)"
        )
    detail = dict(row) if row else {"sender_domain": key, "verdict": None, "signals": []}
    detail.update({"override": override, "messages": found, "gems": their_gems})
    return detail


def sender_trust_row(engine: Engine, sender_domain: str) -> dict[str, Any] | None:
    """The ``sender_trust`` row of a sender, or None when it has no verdict."""
    with read_tx(engine) as conn:
        row = (
            conn.execute(select(sender_trust).where(sender_trust.c.sender_domain == sender_domain))
            .mappings()
            .first()
        )
    return dict(row) if row else None


def message_trusts(engine: Engine, message_id: int) -> tuple[dict | None, dict | None]:
    """``(message_trust row, its sender's sender_trust row)``, each None when missing."""
    with read_tx(engine) as conn:
        own = (
            conn.execute(select(message_trust).where(message_trust.c.message_id == message_id))
            .mappings()
            .first()
        )
        sender = (
            conn.execute(
                select(sender_trust)
                .join(
                    parsed_metadata,
                    parsed_metadata.c.sender_domain == sender_trust.c.sender_domain,
                )
                .where(parsed_metadata.c.message_id == message_id)
            )
            .mappings()
            .first()
        )
    return (dict(own) if own else None), (dict(sender) if sender else None)


def message_detail(engine: Engine, message_id: int) -> dict[str, Any]:
    """The ``message_trust`` row of one message."""
    with read_tx(engine) as conn:
        row = (
            conn.execute(select(message_trust).where(message_trust.c.message_id == message_id))
            .mappings()
            .first()
        )
    if row is None:
        raise NotFound(
            f"message {message_id} has no trust verdict: run `inboxmine run metadata` to judge it"
        )
    return dict(row)


def set_verdict(
    engine: Engine,
    sender_domain: str,
    verdict: str,
    reason: str | None = None,
    source: str = "cli",
    rules_dir: str | Path | None = None,
) -> dict[str, Any]:
    """Correct a sender's verdict (stored as an override) and apply it now."""
    key = sender_key(sender_domain)
    check_verdict(verdict)
    reason = (reason or "").strip()[:500] or None
    rules = load_rules("sender_trust.yaml", rules_dir)
    try:
        with write_tx(engine) as conn:
            overrides.set_override(conn, key, verdict, reason, source)
            trust = store.reapply(conn, key, rules)
    except overrides.InvalidOverride as exc:
        raise InvalidValue(str(exc)) from exc
    return {**trust.row(), "computed_verdict": trust.computed_verdict}


def clear_verdict(
    engine: Engine, sender_domain: str, rules_dir: str | Path | None = None
) -> dict[str, Any] | None:
    """Remove the user's correction; the verdict goes back to what the messages say.

    Returns the sender's trust now (None when no message of it has a verdict);
    raises :class:`NotFound` when there was no correction to remove."""
    key = sender_key(sender_domain)
    rules = load_rules("sender_trust.yaml", rules_dir)
    with write_tx(engine) as conn:
        if not overrides.clear_override(conn, key):
            raise NotFound(
                f"sender {key!r} has no verdict set by you: `inboxmine trust list` shows "
                "the source of each verdict (override = set by you)"
            )
        trust = store.reapply(conn, key, rules)
    return trust.row() if trust else None


__all__ = [
    "REPORT_VERDICTS",
    "InvalidValue",
    "NotFound",
    "clear_verdict",
    "list_senders",
    "message_detail",
    "report",
    "sender_detail",
    "set_verdict",
]

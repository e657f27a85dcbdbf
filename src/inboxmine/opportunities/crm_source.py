"""The rows the CRM export and vCards are made from (the database edge of
:mod:`inboxmine.opportunities.crm`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from inboxmine.db.engine import read_tx
from inboxmine.db.tables.ingest import threads
from inboxmine.db.tables.opportunities import gems, sender_profiles
from inboxmine.opportunities import crm
from inboxmine.rules.loader import load_rules


class CrmExportError(ValueError):
    """The CRM export cannot be made as asked; the message says what to choose."""


PROFILE_FIELDS = (
    "sender_domain",
    "company_name",
    "is_freemail",
    "industry",
    "product_description",
    "physical_address",
    "known_contacts",
    "monetary_signals",
)


def profile_rows(engine: Engine) -> list[dict[str, Any]]:
    query = select(*(sender_profiles.c[f] for f in PROFILE_FIELDS)).order_by(
        sender_profiles.c.sender_domain
    )
    with read_tx(engine) as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def open_gem_rows(engine: Engine) -> list[dict[str, Any]]:
    """Gems that are not expired, with their thread's own key and the messages they cite."""
    query = (
        select(
            gems.c.id,
            gems.c.gem_type,
            gems.c.sender_domain,
            gems.c.thread_key,
            threads.c.thread_key.label("thread_natural_key"),
            sender_profiles.c.company_name,
            gems.c.score,
            gems.c.status,
            gems.c.estimated_value,
            gems.c.summary,
            gems.c.explanation,
            gems.c.source_message_ids,
            gems.c.contact_email,
            gems.c.contact_name,
        )
        .select_from(
            gems.outerjoin(threads, threads.c.id == gems.c.thread_id).outerjoin(
                sender_profiles, sender_profiles.c.sender_domain == gems.c.sender_domain
            )
        )
        .where(gems.c.status != "expired")
        .order_by(gems.c.score.desc(), gems.c.id)
    )
    with read_tx(engine) as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
    for row in rows:
        # A gem without a thread row keeps its own key (e.g. "" for sender-level gems).
        row["thread_natural_key"] = row["thread_natural_key"] or row["thread_key"]
        cited = {
            e.get("message_id")
            for s in (row.get("explanation") or {}).get("signals", [])
            for e in s.get("evidence", [])
        }
        row["message_ids"] = sorted({*(row.get("source_message_ids") or []), *cited} - {None})
    return rows


def contacts(engine: Engine, rules: dict[str, Any], profiles=None, open_gems=None):
    """Every exportable contact (see :func:`inboxmine.opportunities.crm.contacts_from`)."""
    profiles = profile_rows(engine) if profiles is None else profiles
    open_gems = open_gem_rows(engine) if open_gems is None else open_gems
    return crm.contacts_from(profiles, [g for g in open_gems if g.get("contact_email")], rules)


def crm_rows(
    engine: Engine, target: str, what: str, rules_dir=None
) -> tuple[list[str], list[dict[str, Any]]]:
    """``(columns, rows)`` of ``what`` (gems, companies, contacts) for ``target``."""
    if target not in crm.TARGETS:
        raise CrmExportError(f"unknown CRM {target!r}: choose {', '.join(crm.TARGETS)} (--target)")
    if what not in crm.KINDS:
        raise CrmExportError(
            f"cannot export {what!r} to a CRM: choose {', '.join(crm.KINDS)} (--what)"
        )
    rules = load_rules("crm.yaml", rules_dir)
    columns = crm.COLUMNS[(target, what)]
    profiles = profile_rows(engine)
    if what == "companies":
        return columns, crm.company_rows(target, profiles)
    open_gems = open_gem_rows(engine)
    people = contacts(engine, rules, profiles, open_gems)
    if what == "contacts":
        return columns, crm.contact_rows(target, people)
    by_sender: dict[str, list[dict[str, Any]]] = {}
    for person in people:
        by_sender.setdefault(person["sender_domain"], []).append(person)
    money = {p["sender_domain"]: p.get("monetary_signals") or [] for p in profiles}
    return columns, crm.deal_rows(target, open_gems, money, by_sender, rules)

"""Senders left out of gem detection (``domain_exclusions``): their gems expire
at the next profile run. ``inboxmine exclusions add|remove`` and the admin's
Exclusions view both go through here, so a typed sender is read the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, insert, select, update

from inboxmine.db.tables.opportunities import domain_exclusions
from inboxmine.db.types import utcnow
from inboxmine.services.base import Db, InvalidValue, NotFound, engine_of, writing

MAX_REASON_CHARS = 2000


def exclusion_key(db: Db, entry: str, rules_dir: str | None = None, me: Iterable[str] = ()) -> str:
    """The sender an exclusion names, as the pipeline writes ``sender_domain``.

    ``mail.acme.io`` and ``bob@acme.io`` mean the sender ``acme.io``; a free-mail
    address stays that one person, and so does a colleague's address at your own
    domain (the domain of your sent mail, or of ``me``, the addresses the
    settings give as yours): with ``include_internal`` each colleague is a
    sender of their own.
    """
    from inboxmine.forensics.domains import identity_rules, sender_key
    from inboxmine.opportunities.store import my_identities

    entry = (entry or "").strip().lower()
    key = sender_key(entry, identity_rules(rules_dir)) if entry else None
    if key and "@" in entry and "@" not in key and key in my_identities(engine_of(db), set(me)):
        key = entry
    if not key:
        raise InvalidValue(
            f"{entry!r} is not a domain or an address: give a domain (acme.io) or an address"
        )
    return key


def _reason(reason: str | None) -> str | None:
    reason = (reason or "").strip() or None
    if reason and len(reason) > MAX_REASON_CHARS:
        raise InvalidValue(
            f"the reason has {len(reason)} characters: keep it under {MAX_REASON_CHARS}"
        )
    return reason


def add_exclusion(
    db: Db,
    domain: str,
    reason: str | None = None,
    rules_dir: str | None = None,
    me: Iterable[str] = (),
) -> dict[str, Any]:
    """Exclude a sender or domain from gem detection (its gems expire at the next
    run); excluding it again replaces the reason. See :func:`exclusion_key`."""
    domain = exclusion_key(db, domain, rules_dir, me)
    reason = _reason(reason)
    now = utcnow()
    with writing(db) as conn:
        conn.execute(delete(domain_exclusions).where(domain_exclusions.c.domain == domain))
        conn.execute(insert(domain_exclusions).values(domain=domain, reason=reason, created_at=now))
    return {"domain": domain, "reason": reason, "created_at": now}


def update_exclusion(
    db: Db,
    domain: str,
    new_domain: str,
    reason: str | None,
    rules_dir: str | None = None,
    me: Iterable[str] = (),
) -> dict[str, Any]:
    """Change an exclusion's sender and/or reason (the admin's edit form), keeping
    when it was made. The new sender is read like :func:`add_exclusion` reads it;
    one that is already excluded is refused rather than silently merged."""
    old = (domain or "").strip().lower()
    key = exclusion_key(db, new_domain, rules_dir, me)
    reason = _reason(reason)
    with writing(db) as conn:
        row = (
            conn.execute(select(domain_exclusions).where(domain_exclusions.c.domain == old))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound(f"{old!r} is not excluded: `inboxmine exclusions` lists the exclusions")
        if (
            key != old
            and conn.execute(
                select(domain_exclusions.c.domain).where(domain_exclusions.c.domain == key)
            ).first()
        ):
            raise InvalidValue(f"{key} is already excluded: edit or remove that exclusion instead")
        conn.execute(
            update(domain_exclusions)
            .where(domain_exclusions.c.domain == old)
            .values(domain=key, reason=reason)
        )
    return {"domain": key, "reason": reason, "created_at": row["created_at"]}


def remove_exclusion(db: Db, domain: str) -> bool:
    """Stop excluding ``domain`` (as listed); True when it was excluded."""
    with writing(db) as conn:
        return bool(
            conn.execute(
                delete(domain_exclusions).where(
                    domain_exclusions.c.domain == (domain or "").strip().lower()
                )
            ).rowcount
        )


__all__ = ["add_exclusion", "exclusion_key", "remove_exclusion", "update_exclusion"]

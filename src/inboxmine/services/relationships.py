"""What a sender is to you: set by hand, imported from a file, or detection confirmed.

The profile stage detects relationships (source ``auto`` / ``known_entities``)
and never overwrites the user's word (``manual``, ``import``). Everything the
user does to ``sender_relationships`` - ``inboxmine relationship set|confirm``,
``inboxmine relationships import``, the admin's Relationships view - goes
through here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, update

from inboxmine.db.tables.opportunities import sender_relationships
from inboxmine.db.types import utcnow
from inboxmine.rules.loader import load_rules
from inboxmine.services.base import Db, InvalidValue, NotFound, check_choice, writing

#: Every relationship type, as ``rules/relationships.yaml`` lists them (one list).
RELATIONSHIP_TYPES = tuple(load_rules("relationships.yaml")["types"])
#: Where a relationship came from. Manual and imported rows are the user's word
#: and are never overwritten by detection; auto and known_entities rows are.
RELATIONSHIP_SOURCES = ("manual", "import", "auto", "known_entities")
DETECTED_SOURCES = ("auto", "known_entities")


def sender_of(sender_domain: str) -> str:
    """The sender as stored: trimmed, lower case; an empty one is refused."""
    key = (sender_domain or "").strip().lower()
    if not key:
        raise InvalidValue("the sender is empty: give a domain (acme.io) or a free-mail address")
    return key


def set_relationship(
    db: Db,
    sender_domain: str,
    relationship_type: str,
    note: str | None = None,
    suppress: bool = False,
) -> dict[str, Any]:
    """Set a sender's relationship by hand (source manual: detection never overwrites it)."""
    check_choice(relationship_type, RELATIONSHIP_TYPES, "relationship type")
    sender_domain = sender_of(sender_domain)
    now = utcnow()
    values = {
        "relationship_type": relationship_type,
        "confidence": 1.0,
        "signals": ["set by hand"],
        "relationship_note": note,
        "suppress_gems": suppress,
        "source": "manual",
        "updated_at": now,
    }
    with writing(db) as conn:
        conn.execute(
            delete(sender_relationships).where(
                sender_relationships.c.sender_domain == sender_domain
            )
        )
        conn.execute(
            insert(sender_relationships).values(
                sender_domain=sender_domain, created_at=now, **values
            )
        )
    return {"sender_domain": sender_domain, **values}


def remove_relationship(db: Db, sender_domain: str) -> bool:
    """Forget a sender's relationship (the next profile run may detect one again);
    True when there was one."""
    key = sender_of(sender_domain)
    with writing(db) as conn:
        return bool(
            conn.execute(
                delete(sender_relationships).where(sender_relationships.c.sender_domain == key)
            ).rowcount
        )


def read_relationship_file(path: str | Path, rules_dir: str | Path | None = None) -> dict[str, str]:
    """``{sender_domain: relationship_type}`` from a YAML file ``type: [senders]``.

    A missing, unreadable or malformed file raises :class:`InvalidValue` naming
    the file and the problem - never an empty import.
    """
    import yaml

    from inboxmine.forensics.domains import identity_rules
    from inboxmine.opportunities.relationships import ImportFileError, parse_import

    path = Path(path).expanduser()
    if not path.is_file():
        raise InvalidValue(
            f"relationships file {path} does not exist: give the path of a YAML file "
            "like `my_vendor: [stripe.com]`"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidValue(f"cannot read relationships file {path}: {exc}") from exc
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" (line {where.line + 1})" if where is not None else ""
        raise InvalidValue(
            f"relationships file {path} is not valid YAML{at}: fix it, e.g. `my_vendor: [stripe.com]`"
        ) from exc
    try:
        return parse_import(data, RELATIONSHIP_TYPES, identity_rules(rules_dir), str(path))
    except ImportFileError as exc:
        raise InvalidValue(str(exc)) from exc


def import_relationships(
    db: Db, path: str | Path, rules_dir: str | Path | None = None
) -> dict[str, Any]:
    """Import relationships from a YAML file (``source = import``).

    Types listed under ``suppress_gems_types`` in rules/relationships.yaml
    (my_infrastructure, institutional) suppress the sender's gems. A
    relationship set by hand is kept (the file does not overrule it); the
    result says how many were imported, updated and kept.
    """

    wanted = read_relationship_file(path, rules_dir)
    rules = load_rules("relationships.yaml", rules_dir)
    suppressing = set(rules.get("suppress_gems_types") or ())
    now = utcnow()
    imported, updated, kept = [], [], []
    with writing(db) as conn:
        current = {
            r[0]: r[1]
            for r in conn.execute(
                select(sender_relationships.c.sender_domain, sender_relationships.c.source)
            )
        }
        for sender_domain, kind in wanted.items():
            values = {
                "relationship_type": kind,
                "confidence": 1.0,
                "signals": [f"imported from {Path(path).name}"],
                "relationship_note": f"Imported from {Path(path).name}",
                "suppress_gems": kind in suppressing,
                "source": "import",
                "updated_at": now,
            }
            source = current.get(sender_domain)
            if source == "manual":
                kept.append(sender_domain)
            elif source is None:
                conn.execute(
                    insert(sender_relationships).values(
                        sender_domain=sender_domain, created_at=now, **values
                    )
                )
                imported.append(sender_domain)
            else:
                conn.execute(
                    update(sender_relationships)
                    .where(sender_relationships.c.sender_domain == sender_domain)
                    .values(**values)
                )
                updated.append(sender_domain)
    return {"imported": imported, "updated": updated, "kept_manual": kept}


def confirm_relationship(db: Db, sender_domain: str) -> dict[str, Any]:
    """Accept a detected relationship: it becomes ``manual`` (never overwritten again),
    keeping its type, its signals and whether it suppresses gems."""
    sender_domain = sender_domain.strip().lower()
    now = utcnow()
    with writing(db) as conn:
        row = (
            conn.execute(
                select(sender_relationships).where(
                    sender_relationships.c.sender_domain == sender_domain
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound(
                f"{sender_domain} has no relationship yet: `inboxmine relationships review` "
                f"lists detected ones; `inboxmine relationship set {sender_domain} TYPE` sets one"
            )
        if row["source"] not in DETECTED_SOURCES:
            return dict(row)  # already the user's word (manual or imported)
        signals = list(row["signals"] or [])
        values = {
            "source": "manual",
            "confidence": 1.0,
            "signals": signals + ["confirmed by hand"],
            "relationship_note": f"Confirmed by hand; {row['relationship_note'] or 'detected'}",
            "updated_at": now,
        }
        conn.execute(
            update(sender_relationships)
            .where(sender_relationships.c.sender_domain == sender_domain)
            .values(**values)
        )
    return {**dict(row), **values}


__all__ = [
    "DETECTED_SOURCES",
    "RELATIONSHIP_SOURCES",
    "RELATIONSHIP_TYPES",
    "confirm_relationship",
    "import_relationships",
    "read_relationship_file",
    "remove_relationship",
    "set_relationship",
]

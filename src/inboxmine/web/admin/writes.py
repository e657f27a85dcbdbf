"""What the admin's table forms do: each create, edit and delete of the user's
decisions goes through the service the CLI and the API use, so it is
validated and applied the same way (an override edit re-applies the sender's
overrides to the stored classifications; a relationship edit becomes the
user's choice, never overwritten by detection; a typed exclusion is read as
the sender the pipeline names).

Each handler takes the engine, the settings (None in a bare admin), the row's primary
key as the URL gives it (None to create) and the form's values, and returns
the primary key of the row it left (an exclusion's changes with its sender).
A table view that is not read-only must have its handlers here
(``tests/test_services_ownership.py`` checks it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from inboxmine.services import drafts, exclusions, gems, overrides, relationships

Handler = Callable[[Engine, Any, str | None, dict[str, Any]], str]


def _rules_dir(settings) -> Any:
    return settings.rules_dir if settings else None


def _me(settings) -> set[str]:
    """The user's own addresses (``me``), which an exclusion is read with."""
    return settings.my_addresses if settings else set()


def _text(value: Any) -> str | None:
    return (str(value).strip() or None) if value is not None else None


def _gem_edit(engine, settings, pk, data) -> str:
    gems.set_gem_status(engine, int(pk), data["status"])
    return pk


def _draft_edit(engine, settings, pk, data) -> str:
    drafts.edit_draft(
        engine,
        int(pk),
        subject_line=data.get("subject_line"),
        body_text=data.get("body_text"),
        status=data.get("status"),
        response_received=data.get("response_received"),
        response_sentiment=data.get("response_sentiment"),
    )
    return pk


def _override_edit(engine, settings, pk, data) -> str:
    value = data.get("corrected_value")
    overrides.edit_override(
        engine, int(pk), "" if value is None else str(value), _rules_dir(settings)
    )
    return pk


def _override_delete(engine, settings, pk, data) -> str:
    overrides.delete_override(engine, int(pk))
    return pk


def _relationship_edit(engine, settings, pk, data) -> str:
    row = relationships.set_relationship(
        engine,
        pk,
        data["relationship_type"],
        _text(data.get("relationship_note")),
        bool(data.get("suppress_gems")),
    )
    return row["sender_domain"]


def _relationship_delete(engine, settings, pk, data) -> str:
    relationships.remove_relationship(engine, pk)
    return pk


def _exclusion_create(engine, settings, pk, data) -> str:
    row = exclusions.add_exclusion(
        engine,
        data.get("domain") or "",
        data.get("reason"),
        rules_dir=_rules_dir(settings),
        me=_me(settings),
    )
    return row["domain"]


def _exclusion_edit(engine, settings, pk, data) -> str:
    row = exclusions.update_exclusion(
        engine,
        pk,
        data.get("domain") or "",
        data.get("reason"),
        rules_dir=_rules_dir(settings),
        me=_me(settings),
    )
    return row["domain"]


def _exclusion_delete(engine, settings, pk, data) -> str:
    exclusions.remove_exclusion(engine, pk)
    return pk


@dataclass(frozen=True)
class Writes:
    """A table view's write handlers (None: the view does not allow it)."""

    create: Handler | None = None
    edit: Handler | None = None
    delete: Handler | None = None


#: By table view identity (``web/admin/tables.py``).
WRITES: dict[str, Writes] = {
    "gems": Writes(edit=_gem_edit),
    "drafts": Writes(edit=_draft_edit),
    "overrides": Writes(edit=_override_edit, delete=_override_delete),
    "relationships": Writes(edit=_relationship_edit, delete=_relationship_delete),
    "exclusions": Writes(create=_exclusion_create, edit=_exclusion_edit, delete=_exclusion_delete),
}


class ReadOnly(PermissionError):
    """A write the table view has no service for."""


def handler(identity: str, action: str) -> Handler:
    """The ``create`` / ``edit`` / ``delete`` handler of a view, or :class:`ReadOnly`."""
    found = getattr(WRITES.get(identity, Writes()), action)
    if found is None:
        raise ReadOnly(f"the {identity} table cannot be changed here ({action}): it is read-only")
    return found

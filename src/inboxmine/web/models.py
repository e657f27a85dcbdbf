"""ORM classes for the admin, mapped onto the one Core schema.

sqladmin needs mapped classes; the tables themselves are defined once, in
``inboxmine.db.tables``. Each class here is a plain class mapped imperatively
onto an existing ``Table`` - never a second schema definition. Classes are
made on demand, so a table another stage adds later gets its class too.
"""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.orm import registry

from inboxmine.db.tables import metadata

_registry = registry(metadata=metadata)
_models: dict[str, type] = {}


def _class_name(table_name: str) -> str:
    return "".join(part.title() for part in table_name.split("_"))


def table(name: str) -> Table | None:
    """The Core table called ``name``, or None when no module defines it (yet)."""
    return metadata.tables.get(name)


def model_for(table_name: str) -> type | None:
    """The mapped class of ``table_name`` (created once), or None if the table is unknown."""
    if table_name in _models:
        return _models[table_name]
    found = table(table_name)
    if found is None or not found.primary_key.columns:
        return None
    cls = type(_class_name(table_name), (), {"__module__": __name__, "__doc__": found.name})
    _registry.map_imperatively(cls, found)
    _models[table_name] = cls
    return cls

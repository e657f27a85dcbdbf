"""No table of the user's decisions is written from two places.

Every ``insert`` / ``update`` / ``delete`` on these tables in ``src/`` is found
by reading the code (its syntax tree, and SQL in strings), and each table may be
written only by its service in :mod:`inboxmine.services` and by the stage whose
output it is. The admin's table forms write through the same services
(``web/admin/writes.py``), which the last tests check.
"""

from __future__ import annotations

import ast
import functools
import importlib
import pkgutil
import re
from pathlib import Path

import pytest
from sqlalchemy import Table

import inboxmine
import inboxmine.db.tables

SRC = Path(inboxmine.__file__).resolve().parent
WRITE_METHODS = {"insert", "update", "delete"}

#: table -> the modules (under src/inboxmine) that may write it, and why.
OWNERS: dict[str, dict[str, str]] = {
    "gems": {
        "services/gems.py": "a gem's status (the user, a draft written, a bad rating)",
        "opportunities/store.py": "stage 5 detects, refreshes and expires gems",
        "stages/segment.py": "stage 6 scores them",
    },
    "gem_ratings": {"services/ratings.py": "judging gems"},
    "gem_suppressions": {"services/ratings.py": "what bad ratings teach"},
    "engagement_drafts": {"services/drafts.py": "drafts, written by engage and edited by you"},
    "sender_relationships": {
        "services/relationships.py": "your word: set, imported, confirmed",
        "opportunities/store.py": "stage 5's detected relationships (never over yours)",
    },
    "domain_exclusions": {"services/exclusions.py": "senders left out of detection"},
    "classification_overrides": {"services/overrides.py": "corrections of classifications"},
    "ai_classification": {
        "classify/store.py": "stage 4's output",
        "services/overrides.py": "an override is applied to the stored rows at once",
    },
    "trust_overrides": {"services/overrides.py": "corrections of sender trust"},
    "pipeline_runs": {"runner/ledger.py": "the run ledger"},
    "item_errors": {"runner/ledger.py": "the run ledger"},
}

#: Writers still to move onto their service (table -> module -> where to).
#: When one moves, its entry here makes this test fail until it is removed.
PENDING: dict[str, dict[str, str]] = {}


def _table_names() -> dict[str, str]:
    """Variable name -> table name, for every table defined in inboxmine.db.tables."""
    names: dict[str, str] = {}
    for info in pkgutil.iter_modules(inboxmine.db.tables.__path__):
        module = importlib.import_module(f"inboxmine.db.tables.{info.name}")
        for attr, value in vars(module).items():
            if isinstance(value, Table):
                names[attr] = value.name
    return names


TABLE_VARS = _table_names()
TABLES = set(TABLE_VARS.values())
SQL_WRITE = re.compile(
    r"\b(?:insert\s+into|update|delete\s+from)\s+[\"`]?(" + "|".join(sorted(TABLES)) + r")\b",
    re.IGNORECASE,
)


def _call_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


class _Writes(ast.NodeVisitor):
    """Collects the tables one module inserts into, updates or deletes from."""

    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}  # local name -> table name
        self.tables: set[str] = set()

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if (node.module or "").startswith("inboxmine.db.tables"):
            for alias in node.names:
                if alias.name in TABLE_VARS:
                    self.aliases[alias.asname or alias.name] = TABLE_VARS[alias.name]

    def visit_Assign(self, node: ast.Assign) -> None:
        # drafts = table("engagement_drafts") / schema.tables["gems"] / .get("gems")
        found = self._named_table(node.value)
        if found:
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.aliases[target.id] = found
        self.generic_visit(node)

    @staticmethod
    def _named_table(value: ast.expr) -> str | None:
        arg = None
        if isinstance(value, ast.Call) and value.args:
            if _call_name(value.func) in ("table", "get"):
                arg = value.args[0]
        elif isinstance(value, ast.Subscript):
            arg = value.slice
        if isinstance(arg, ast.Constant) and arg.value in TABLES:
            return arg.value
        return None

    def _resolve(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id)
        return self._named_table(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = _call_name(node.func)
        if name in WRITE_METHODS:
            # insert(gems), sqlite.insert(gems)
            if node.args and (found := self._resolve(node.args[0])):
                self.tables.add(found)
            # gems.insert(), ai_classification.update()
            on_table = isinstance(node.func, ast.Attribute) and not node.args
            if on_table and (found := self._resolve(node.func.value)):
                self.tables.add(found)
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            self.tables.update(m.lower() for m in SQL_WRITE.findall(node.value))


def writes_of(source: str) -> set[str]:
    """The tables a module's code writes (see :class:`_Writes`)."""
    visitor = _Writes()
    visitor.visit(ast.parse(source))
    return visitor.tables


@functools.cache
def writers() -> dict[str, set[str]]:
    """table -> the modules that write it, for every module of the package but
    the table definitions and migrations."""
    found: dict[str, set[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if relative.startswith("db/"):
            continue
        for name in writes_of(path.read_text(encoding="utf-8")):
            found.setdefault(name, set()).add(relative)
    return found


def test_the_scan_sees_every_way_of_writing_a_table():
    source = """
from sqlalchemy import insert, update, delete
from sqlalchemy.dialects import sqlite
from inboxmine.db.tables.opportunities import gems
from inboxmine.db.tables.classify import classification_overrides as co
from inboxmine.db.tables.ledger import pipeline_runs

def f(conn):
    conn.execute(insert(gems))
    conn.execute(co.update().values(x=1))
    conn.execute(sqlite.insert(pipeline_runs))
    drafts = table("engagement_drafts")
    conn.execute(delete(drafts))
    conn.execute(text("DELETE FROM domain_exclusions WHERE 1"))
    values.update(status="new")  # a dict, not a table
    conn.execute(select(gems))
"""
    assert writes_of(source) == {
        "gems",
        "classification_overrides",
        "pipeline_runs",
        "engagement_drafts",
        "domain_exclusions",
    }


@pytest.mark.parametrize("table_name", sorted(OWNERS))
def test_each_table_is_written_by_its_service_and_its_stage_only(table_name):
    found = writers().get(table_name, set())
    allowed = set(OWNERS[table_name])
    pending = set(PENDING.get(table_name, {}))
    strangers = found - allowed - pending
    assert not strangers, (
        f"{table_name} is written by {', '.join(sorted(strangers))}: call its service "
        f"({', '.join(sorted(allowed))}) instead"
    )
    moved = pending - found
    assert not moved, (
        f"{', '.join(sorted(moved))} no longer writes {table_name}: remove it from PENDING"
    )
    assert allowed & found, f"nothing writes {table_name}: is the scan still seeing the code?"


def test_every_writable_admin_view_writes_through_a_service():
    from sqladmin import ModelView

    from inboxmine.web.admin import writes
    from inboxmine.web.admin.tables import VIEWS, InboxModelView

    for method in ("insert_model", "update_model", "delete_model"):
        assert getattr(InboxModelView, method) is not getattr(ModelView, method), method
    for spec in VIEWS:
        handlers = writes.WRITES.get(spec.identity, writes.Writes())
        assert bool(handlers.edit) == bool(spec.editable), spec.identity
        assert bool(handlers.create) == spec.can_create, spec.identity
        assert bool(handlers.delete) == spec.can_delete, spec.identity
        if spec.editable or spec.can_create or spec.can_delete:
            assert spec.table in OWNERS, f"{spec.table} is editable but has no service"

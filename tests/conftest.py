"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``INBOXMINE_TEST_POSTGRES_URL`` (a server URL whose
user may create databases, e.g. postgresql://postgres@127.0.0.1:5432/postgres).
Without it the PostgreSQL half of each test is skipped, and the session says so.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from inboxmine.config import load_settings
from inboxmine.db.engine import make_engine, normalize_url
from inboxmine.db.migrate import upgrade
from inboxmine.db.tables import metadata

POSTGRES_URL = os.environ.get("INBOXMINE_TEST_POSTGRES_URL")
# A packaged rules file without a model is refused (inboxmine.rules.loader).
os.environ.setdefault("INBOXMINE_RULES_STRICT", "1")
NO_NER = {"use_spacy": False}
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def pytest_report_header(config):
    if POSTGRES_URL:
        return f"database tests: SQLite and PostgreSQL ({make_url(POSTGRES_URL).render_as_string(hide_password=True)})"
    return "database tests: SQLite only - PostgreSQL SKIPPED (set INBOXMINE_TEST_POSTGRES_URL to include it)"


def pytest_terminal_summary(terminalreporter):
    if not POSTGRES_URL:
        terminalreporter.write_line(
            "NOTE: PostgreSQL tests were skipped: INBOXMINE_TEST_POSTGRES_URL is not set",
            yellow=True,
        )


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite database, copied for each test (migrating once is cheaper)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url(worker_id) -> str | None:
    """A migrated PostgreSQL database of this test worker, dropped at the end."""
    if not POSTGRES_URL:
        yield None
        return
    server = make_url(normalize_url(POSTGRES_URL))
    name = f"inboxmine_test_{worker_id}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def demo_corpus(tmp_path_factory):
    """``demo_corpus(seed=7, messages=2000, now=None) -> DemoResult``: a generated
    demo mailbox, made once per session worker for each (seed, messages, now)
    and shared by the tests that ask for the same one - treat its files as
    read-only."""
    made = {}

    def make(*, seed: int = 7, messages: int = 2000, now=None):
        from inboxmine.demo import generate_demo

        key = (seed, messages, now)
        if key not in made:
            folder = tmp_path_factory.mktemp(f"demo_{seed}_{messages}")
            made[key] = generate_demo(folder, seed=seed, messages=messages, now=now)
        return made[key]

    return make


@pytest.fixture(scope="session")
def worker_id(request) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path, sqlite_template) -> str:
    """A fresh, migrated, empty database URL (SQLite file or PostgreSQL)."""
    if request.param == "sqlite":
        path = tmp_path / "inboxmine.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    if url is None:
        pytest.skip("PostgreSQL not configured: set INBOXMINE_TEST_POSTGRES_URL")
    engine = make_engine(url)
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(db_url, tmp_path, monkeypatch):
    """Settings for a test: its database, no config file, no stray environment."""
    monkeypatch.chdir(tmp_path)
    for key in list(os.environ):
        if key.startswith("INBOXMINE_") and key != "INBOXMINE_TEST_POSTGRES_URL":
            monkeypatch.delenv(key)
    # spaCy NER is off unless a test turns it on: it costs ~25 ms a message,
    # and the NER path has tests of its own (tests/test_entities_spacy.py).
    return load_settings(database_url=db_url, me=["me@example.com"], entities=NO_NER)

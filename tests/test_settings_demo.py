"""The demo's persona lives with the demo database: a later `run --all` keeps its gems."""

from __future__ import annotations

import json
import os

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from inboxmine.cli.main import app
from inboxmine.db.engine import make_engine
from inboxmine.db.tables.opportunities import gems
from inboxmine.demo.generator import DEMO_PERSONA


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for key in list(os.environ):
        if key.startswith("INBOXMINE_"):
            monkeypatch.delenv(key)
    return tmp_path


def co_marketing(db_url: str) -> list[str]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return list(
                conn.execute(select(gems.c.status).where(gems.c.gem_type == "co_marketing"))
                .scalars()
                .all()
            )
    finally:
        engine.dispose()


def test_demo_persona_survives_the_next_run(workdir):
    runner = CliRunner()
    made = runner.invoke(
        app, ["demo", "--messages", "300", "--no-serve", "--drafts", "0", "--dir", "demo"]
    )
    assert made.exit_code == 0, made.output
    db_url = f"sqlite:///{workdir / 'demo' / 'demo.db'}"
    assert co_marketing(db_url) == ["new"]

    shown = json.loads(runner.invoke(app, ["--db", db_url, "config", "show", "--json"]).stdout)
    assert shown["engagement"]["your_audience"] == DEMO_PERSONA["your_audience"]
    assert shown["sources"]["engagement.your_audience"] == "database"
    assert shown["sources"]["me"] == "database"

    again = runner.invoke(app, ["--db", db_url, "run", "--all", "--reprocess"])
    assert again.exit_code == 0, again.output
    assert co_marketing(db_url) == ["new"]

    # Without the stored persona the same run lets the gem expire: the
    # database is what kept it.
    for key in ("your_name", "your_service", "your_audience"):
        assert (
            runner.invoke(app, ["--db", db_url, "config", "unset", f"engagement.{key}"]).exit_code
            == 0
        )
    assert runner.invoke(app, ["--db", db_url, "run", "--all"]).exit_code == 0
    assert co_marketing(db_url) == ["expired"]

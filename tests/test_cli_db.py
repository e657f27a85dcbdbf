"""`inboxmine init` and `inboxmine db ...` create, inspect and reset the database."""

import json

from sqlalchemy import func, select
from typer.testing import CliRunner

from inboxmine.cli.main import app
from inboxmine.db.engine import make_engine
from inboxmine.db.migrate import is_up_to_date
from inboxmine.db.tables.ledger import pipeline_runs
from inboxmine.runner import ledger


def invoke(*args):
    return CliRunner().invoke(app, list(args))


def test_init_creates_the_default_database_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("INBOXMINE_DATABASE_URL", raising=False)
    result = invoke("init")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "inboxmine.db").is_file()
    assert is_up_to_date(make_engine(f"sqlite:///{tmp_path / 'inboxmine.db'}"))
    assert invoke("init").exit_code == 0  # upgrading an up-to-date database is harmless


def test_db_stats_counts_rows_per_table(db_url, settings):
    engine = make_engine(db_url)
    ledger.create_run(engine, "metadata", "cli")
    result = invoke("--db", db_url, "db", "stats", "--json")
    assert result.exit_code == 0, result.output
    counts = {row["table"]: row["rows"] for row in json.loads(result.output)}
    assert counts["pipeline_runs"] == 1
    assert counts["messages"] == 0
    assert {"gems", "parsed_metadata", "ai_audit_log"} <= set(counts)


def test_db_reset_needs_yes_and_then_empties_everything(db_url, settings):
    engine = make_engine(db_url)
    ledger.create_run(engine, "metadata", "cli")
    refused = invoke("--db", db_url, "db", "reset")
    assert refused.exit_code == 1 and "--yes" in refused.output
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(pipeline_runs)).scalar_one() == 1

    assert invoke("--db", db_url, "db", "reset", "--yes").exit_code == 0
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(pipeline_runs)).scalar_one() == 0
    assert is_up_to_date(engine)


def test_a_bad_database_is_one_clear_line_on_stderr(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("INBOXMINE_")}
    for url, expected in [
        ("nosuchdriver://x", "the database URL is not valid"),
        (
            f"sqlite:///{tmp_path}/missing/dir/x.db",
            "cannot use the database: unable to open database file",
        ),
    ]:
        result = subprocess.run(
            [sys.executable, "-m", "inboxmine", "--db", url, "runs"],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env | {"PYTHONPATH": os.pathsep.join(sys.path)},
        )
        assert result.returncode == 1
        assert expected in result.stderr
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) <= 3  # one logical line, maybe wrapped

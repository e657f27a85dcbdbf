"""`inboxmine runs` shows the run ledger as the seed describes; `run` records CLI runs."""

import json

import pytest
from typer.testing import CliRunner

from inboxmine.cli.main import app
from inboxmine.runner import ledger
from inboxmine.runner.tracking import tracked_run

SEED_COLUMNS = {
    "id",
    "stage",
    "status",
    "started_at",
    "completed_at",
    "items_processed",
    "triggered_by",
    "error_message",
    "created_at",
}


@pytest.fixture
def cli(db_url, settings):
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(app, ["--db", db_url, *args])

    return invoke


def _make_runs(engine):
    with tracked_run(engine, "metadata", "cli") as run:
        run.advance(12)
    with pytest.raises(RuntimeError), tracked_run(engine, "classify", "web"):
        raise RuntimeError("connection refused")
    ledger.create_run(engine, "segment", "web")


def test_runs_json_has_the_seed_columns_newest_first(cli, engine):
    _make_runs(engine)
    result = cli("runs", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert SEED_COLUMNS <= set(rows[0])
    assert [r["stage"] for r in rows] == ["classify", "metadata", "segment"]  # never-started last
    assert rows[1]["items_processed"] == 12 and rows[1]["triggered_by"] == "cli"


def test_runs_filter_and_sort(cli, engine):
    _make_runs(engine)
    failed = json.loads(cli("runs", "--status", "failed", "--json").output)
    assert [r["stage"] for r in failed] == ["classify"]
    assert "connection refused" in failed[0]["error_message"]
    by_items = json.loads(cli("runs", "--sort", "items_processed", "--json").output)
    assert by_items[0]["items_processed"] == 12
    by_stage = json.loads(cli("runs", "--sort", "stage", "--asc", "--json").output)
    assert [r["stage"] for r in by_stage] == ["classify", "metadata", "segment"]
    assert len(json.loads(cli("runs", "--limit", "1", "--json").output)) == 1


def test_runs_table_lists_the_seed_columns(cli, engine):
    _make_runs(engine)
    result = cli("runs")
    assert result.exit_code == 0
    for column in (
        "id",
        "stage",
        "status",
        "started_at",
        "completed_at",
        "items_processed",
        "triggered_by",
    ):
        assert column in result.output


def test_runs_show_gives_error_message_created_at_and_duration(cli, engine):
    _make_runs(engine)
    failed_id = ledger.list_runs(engine, status="failed")[1][0]["id"]
    record = json.loads(cli("runs", "show", str(failed_id), "--json").output)
    assert record["error_message"].endswith("connection refused")
    assert record["created_at"] and record["duration_seconds"] is not None
    text = cli("runs", "show", str(failed_id)).output
    assert "error_message" in text and "connection refused" in text


def test_bad_options_fail_with_one_clear_line(cli):
    result = cli("runs", "--sort", "nonsense")
    assert result.exit_code == 1
    assert "cannot sort by 'nonsense'" in result.output
    result = cli("runs", "show", "999")
    assert result.exit_code == 1 and "run 999 does not exist" in result.output
    result = cli("run", "nonsense")
    assert result.exit_code == 1 and "unknown stage 'nonsense'" in result.output

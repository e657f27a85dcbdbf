"""The run ledger moves pending -> running -> completed | failed, and lists as the seed says."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from inboxmine.db.engine import write_tx
from inboxmine.db.tables.ledger import pipeline_runs
from inboxmine.db.types import utcnow
from inboxmine.runner import ledger
from inboxmine.runner.tracking import StageError, tracked_run


def test_a_run_moves_from_pending_to_completed(engine):
    run_id = ledger.create_run(engine, "metadata", "cli")
    run = ledger.get_run(engine, run_id)
    assert run["status"] == "pending"
    assert run["created_at"].tzinfo is not None
    assert run["started_at"] is None

    with tracked_run(engine, "metadata", "cli", run_id=run_id) as handle:
        assert ledger.get_run(engine, run_id)["status"] == "running"
        handle.advance(3)

    run = ledger.get_run(engine, run_id)
    assert run["status"] == "completed"
    assert run["items_processed"] == 3
    assert run["triggered_by"] == "cli"
    assert run["started_at"] <= run["completed_at"]
    assert run["error_message"] is None


def test_a_failing_run_keeps_the_users_message(engine):
    with pytest.raises(StageError), tracked_run(engine, "classify", "web") as handle:
        handle.advance(2)
        raise StageError("cannot reach the AI provider: start Ollama")
    [run] = ledger.list_runs(engine)[1]
    assert run["status"] == "failed"
    assert run["error_message"] == "cannot reach the AI provider: start Ollama"
    assert run["items_processed"] == 2
    assert run["completed_at"] is not None


def test_an_unexpected_error_names_the_stage_and_the_cause(engine):
    with pytest.raises(ZeroDivisionError), tracked_run(engine, "content", "cli"):
        1 / 0  # noqa: B018
    [run] = ledger.list_runs(engine)[1]
    assert run["error_message"].startswith("content failed: ZeroDivisionError")


def test_a_run_cannot_be_started_twice(engine):
    run_id = ledger.create_run(engine, "metadata", "cli")
    ledger.start_run(engine, run_id)
    with pytest.raises(ledger.LedgerError):
        ledger.start_run(engine, run_id)


def test_triggered_by_is_web_or_cli(engine):
    with pytest.raises(ledger.LedgerError):
        ledger.create_run(engine, "metadata", "cron")


def _run(engine, stage, status, started_minutes_ago, items):
    run_id = ledger.create_run(engine, stage, "cli")
    values = {"status": status, "items_processed": items}
    if started_minutes_ago is not None:
        values["started_at"] = utcnow() - timedelta(minutes=started_minutes_ago)
    with write_tx(engine) as conn:
        conn.execute(update(pipeline_runs).where(pipeline_runs.c.id == run_id).values(**values))
    return run_id


def test_listing_defaults_to_newest_started_first_and_sorts_and_filters(engine):
    old = _run(engine, "metadata", "completed", 60, 10)
    new = _run(engine, "content", "failed", 5, 3)
    mid = _run(engine, "classify", "completed", 30, 7)
    queued = _run(engine, "segment", "pending", None, 0)

    total, rows = ledger.list_runs(engine)
    assert total == 4
    assert [r["id"] for r in rows] == [new, mid, old, queued]

    _, rows = ledger.list_runs(engine, sort="started_at", descending=False)
    assert [r["id"] for r in rows][:3] == [old, mid, new]

    _, rows = ledger.list_runs(engine, sort="items_processed")
    assert [r["items_processed"] for r in rows] == [10, 7, 3, 0]

    _, rows = ledger.list_runs(engine, sort="stage", descending=False)
    assert [r["stage"] for r in rows] == ["classify", "content", "metadata", "segment"]

    _, rows = ledger.list_runs(engine, sort="status", descending=False)
    assert [r["status"] for r in rows] == ["completed", "completed", "failed", "pending"]

    total, rows = ledger.list_runs(engine, status="failed")
    assert total == 1 and rows[0]["id"] == new

    total, rows = ledger.list_runs(engine, stage="metadata")
    assert [r["id"] for r in rows] == [old]

    total, rows = ledger.list_runs(engine, q="FAIL")
    assert [r["id"] for r in rows] == [new]
    total, rows = ledger.list_runs(engine, q="class")
    assert [r["id"] for r in rows] == [mid]

    total, rows = ledger.list_runs(engine, limit=2, offset=1)
    assert total == 4 and [r["id"] for r in rows] == [mid, old]

    with pytest.raises(ledger.LedgerError):
        ledger.list_runs(engine, sort="error_message; drop table x")


def test_a_run_whose_process_died_is_marked_interrupted(engine):
    dead = ledger.create_run(engine, "entities", "cli")
    ledger.start_run(engine, dead)
    # A worker on this host whose process no longer exists.
    with write_tx(engine) as conn:
        conn.execute(
            update(pipeline_runs)
            .where(pipeline_runs.c.id == dead)
            .values(worker=f"{ledger.worker_id().rpartition(':')[0]}:999999999")
        )
    alive = ledger.create_run(engine, "content", "cli")
    ledger.start_run(engine, alive)  # this process: still alive

    assert ledger.recover_interrupted(engine) == [dead]
    run = ledger.get_run(engine, dead)
    assert run["status"] == "failed"
    assert "interrupted" in run["error_message"]
    assert run["completed_at"] is not None
    assert ledger.get_run(engine, alive)["status"] == "running"


def test_a_run_with_a_stale_heartbeat_is_interrupted(engine):
    run_id = ledger.create_run(engine, "profile", "web")
    ledger.start_run(engine, run_id)
    with write_tx(engine) as conn:
        conn.execute(
            update(pipeline_runs)
            .where(pipeline_runs.c.id == run_id)
            .values(worker="another-host:1", heartbeat_at=utcnow() - timedelta(hours=1))
        )
    assert ledger.recover_interrupted(engine) == [run_id]


def test_an_interrupted_import_says_how_to_resume(engine):
    with pytest.raises(KeyboardInterrupt), tracked_run(engine, "ingest", "cli"):
        raise KeyboardInterrupt
    [run] = ledger.list_runs(engine)[1]
    assert run["status"] == "failed"
    assert "interrupted (Ctrl-C)" in run["error_message"]
    assert (
        "inboxmine ingest" in run["error_message"]
        and "inboxmine run ingest" not in run["error_message"]
    )

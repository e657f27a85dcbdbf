"""Live progress (SSE from the bus and the ledger), the huey queue, the HTML sanitizer."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from tests.test_web_support import HOSTILE_HTML, plan  # noqa: F401  (plan is a fixture)

from inboxmine.runner import ledger
from inboxmine.runner.events import EventBus
from inboxmine.runner.executor import execute_runs, queue_runs
from inboxmine.web import events
from inboxmine.web.queue import TaskQueue
from inboxmine.web.sanitize import MAX_HTML_CHARS, sanitize_html

# ------------------------------------------------------------- RunTracker


def test_tracker_sends_each_change_once():
    tracker = events.RunTracker()
    assert tracker.accept({"type": "started", "run_id": 1, "stage": "content"})
    assert not tracker.accept({"type": "started", "run_id": 1, "stage": "content"})
    assert tracker.accept({"type": "progress", "run_id": 1, "items_processed": 5})
    assert not tracker.accept({"type": "progress", "run_id": 1, "items_processed": 5})
    assert tracker.accept({"type": "done", "run_id": 1, "items_processed": 9})
    # The ledger poll then sees the finished run: nothing new to say.
    row = {"id": 1, "stage": "content", "status": "completed", "items_processed": 9}
    assert tracker.events_for(row) == []


def test_tracker_turns_a_ledger_row_into_the_missing_events():
    tracker = events.RunTracker()
    row = {
        "id": 7,
        "stage": "entities",
        "status": "completed",
        "items_processed": 12,
        "items_failed": 1,
        "started_at": "2026-01-01T00:00:00",
    }
    kinds = [e["type"] for e in tracker.events_for(row)]
    assert kinds == ["started", "done"]
    failed = {**row, "id": 8, "status": "failed", "error_message": "entities failed: x"}
    out = tracker.events_for(failed)
    assert [e["type"] for e in out] == ["started", "failed"]
    assert out[-1]["error"] == "entities failed: x"


def _collect(engine, bus, seconds, last_event_id=None, until_done=None):
    """The stream's events for ``seconds``; with ``until_done``, until that run
    reports done (up to 10 s, for a busy machine)."""

    async def run():
        out = []
        limit = max(seconds, 10.0) if until_done else seconds
        async for message in events.stream(engine, bus, last_event_id, max_seconds=limit):
            if message["event"] != "hello":
                out.append((message["event"], json.loads(message["data"])))
                if until_done and out[-1][0] == "done" and out[-1][1]["run_id"] == until_done:
                    break
        return out

    return asyncio.run(run())


def test_stream_reports_runs_executed_by_another_process(engine, settings, plan):  # noqa: F811
    # Executed with a private bus, as in a standalone worker: only the ledger knows.
    run_ids = queue_runs(engine, ["metadata"], "web")
    execute_runs(engine, settings, run_ids, EventBus())
    received = _collect(engine, EventBus(), 1.5, until_done=run_ids[0])
    kinds = [kind for kind, event in received if event["run_id"] == run_ids[0]]
    assert kinds == ["started", "done"]
    assert received[-1][1]["items_processed"] == 3


def test_stream_replays_only_what_finished_after_the_last_event(engine, settings, plan):  # noqa: F811
    from datetime import timedelta

    from sqlalchemy import update

    from inboxmine.db.engine import write_tx
    from inboxmine.db.tables.ledger import pipeline_runs

    first = queue_runs(engine, ["metadata"], "web")
    execute_runs(engine, settings, first, EventBus())
    # The first run finished well before the browser's last event.
    finished = ledger.get_run(engine, first[0])["completed_at"] - timedelta(minutes=1)
    with write_tx(engine) as conn:
        conn.execute(
            update(pipeline_runs)
            .where(pipeline_runs.c.id == first[0])
            .values(completed_at=finished)
        )
    mark = f"{time.time():.3f}"
    second = queue_runs(engine, ["content"], "web")
    execute_runs(engine, settings, second, EventBus())
    received = _collect(engine, EventBus(), 1.2, last_event_id=mark, until_done=second[0])
    assert {event["run_id"] for _, event in received} == {second[0]}


# ------------------------------------------------------------------ queue


def test_a_queued_run_survives_a_restart_and_runs_in_a_worker_thread(
    engine,
    settings,
    plan,  # noqa: F811
    tmp_path,
):
    path = tmp_path / "queue.db"
    run_ids = queue_runs(engine, ["metadata", "content"], "web")
    TaskQueue(settings, engine, mode="enqueue", path=path).enqueue(run_ids)  # server stops here
    assert ledger.get_run(engine, run_ids[0])["status"] == "pending"

    restarted = TaskQueue(settings, engine, mode="threads", path=path)
    restarted.start(workers=2)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if ledger.get_run(engine, run_ids[-1])["status"] in ("completed", "failed"):
                break
            time.sleep(0.1)
    finally:
        restarted.stop()
    assert [ledger.get_run(engine, i)["status"] for i in run_ids] == ["completed", "completed"]
    assert plan.ran == ["metadata", "content"]


def test_unknown_queue_mode_is_refused(settings):
    with pytest.raises(ValueError, match="unknown queue mode"):
        TaskQueue(settings, mode="rabbit")


# --------------------------------------------------------------- sanitizer


def test_sanitizer_removes_scripts_handlers_and_remote_loads():
    clean = sanitize_html(HOSTILE_HTML)
    html = clean.html.lower()
    for bad in ("<script", "onclick", "onerror", "javascript:", "<iframe", "<link", "url("):
        assert bad not in html
    assert "tracker.example" not in html and "evil.example" not in html
    assert clean.blocked_images == 1
    assert "hello" in html


def test_sanitizer_keeps_inline_images_and_plain_links():
    clean = sanitize_html(
        '<a href="https://shop.example/sale">Sale</a><img src="data:image/png;base64,iVBORw0KGgo=">'
    )
    assert 'href="https://shop.example/sale"' in clean.html
    assert "data:image/png" in clean.html
    assert clean.blocked_images == 0


def test_sanitizer_is_bounded_on_huge_or_odd_input():
    # Deep nesting is what makes HTML parsing slow: it is cut, not parsed for minutes.
    nested = "<div>" * 150_000
    started = time.perf_counter()
    clean = sanitize_html(nested)
    assert clean.truncated
    assert time.perf_counter() - started < 5
    assert sanitize_html("x" * (MAX_HTML_CHARS + 10)).truncated
    assert sanitize_html(None).html == ""
    assert sanitize_html("\x00<<<>>>&&&").html is not None


def test_a_reconnect_also_replays_a_run_that_finished_just_before_its_last_event(
    engine,
    settings,
    plan,  # noqa: F811
):
    # The page saw some other event right after this run finished, before the
    # ledger poll picked the run up: it must still get its [DONE].
    run_ids = queue_runs(engine, ["metadata"], "web")
    execute_runs(engine, settings, run_ids, EventBus())
    mark = f"{time.time() + 0.5:.3f}"
    received = _collect(engine, EventBus(), 1.2, last_event_id=mark, until_done=run_ids[0])
    assert ("done", run_ids[0]) in {(kind, event["run_id"]) for kind, event in received}

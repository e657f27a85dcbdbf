"""The shared stage runner: unprocessed items only, per-item errors, order, concurrency."""

import os
import threading

import pytest
from sqlalchemy import select
from tests.helpers import insert_message

from inboxmine.db.tables.ingest import messages
from inboxmine.db.tables.ledger import item_errors, stage_items
from inboxmine.runner import ledger, registry
from inboxmine.runner.executor import execute_runs, queue_runs, run_stages
from inboxmine.runner.stage import Item, Outcome, Stage
from inboxmine.runner.tracking import StageError

WRITTEN: list[tuple[int, str]] = []


def _items(ctx):
    return select(messages.c.id.label("item_id"))


def _load(conn, ids, ctx):
    rows = dict(
        conn.execute(select(messages.c.id, messages.c.subject).where(messages.c.id.in_(ids))).all()
    )
    return [rows[i] for i in ids]


def shout(subject, prepared):
    if "boom" in subject:
        raise ValueError(f"cannot shout {subject!r}")
    if "later" in subject:
        return Outcome(rows={"out": [subject.upper()]}, status="partial")
    return {"out": [subject.upper() + prepared]}


def _write(conn, outcomes, ctx):
    for item_id, outcome in outcomes.items():
        WRITTEN.extend((item_id, text) for text in outcome.rows["out"])


def _fail(ctx):
    raise StageError("the model is missing: install it")


def _one_item(ctx):
    return [Item(name="only")]


def _nothing(loaded, prepared):
    return Outcome(rows={})


def named_stage(key: str, order: int, description: str, items) -> Stage:
    """A stage of named items that does nothing with them."""
    return Stage(
        key=key,
        order=order,
        description=description,
        output_tables=("messages",),
        keyed_by="sender",
        items=items,
        load=lambda conn, batch, ctx: [None] * len(batch),
        transform=_nothing,
        write=lambda conn, outcomes, ctx: None,
        parallel=False,
    )


SHOUT = Stage(
    key="metadata",
    order=1,
    description="test stage",
    output_tables=("messages",),
    items=_items,
    load=_load,
    transform=shout,
    prepare=lambda ctx: "!",
    write=_write,
    redo_partial=lambda ctx: ctx.options.get("capability", False),
)
BROKEN = named_stage("content", 2, "always fails", _fail)
AFTER = named_stage("entities", 3, "after", _one_item)
TWIN = Stage(
    key="twin",
    order=4,
    description="a second item stage writing at the same time",
    output_tables=("messages",),
    in_run_all=False,
    items=_items,
    load=_load,
    transform=shout,
    prepare=lambda ctx: "?",
    write=_write,
)


@pytest.fixture(autouse=True)
def test_stages(monkeypatch):
    WRITTEN.clear()
    monkeypatch.setattr(
        registry,
        "stages",
        lambda: {"metadata": SHOUT, "content": BROKEN, "entities": AFTER, "twin": TWIN},
    )


def test_an_item_stage_processes_only_what_is_unprocessed(engine, settings):
    first = insert_message(engine, subject="hello")
    ok, [run_id] = run_stages(engine, settings, ["metadata"])
    assert ok and [(first, "HELLO!")] == WRITTEN
    assert ledger.get_run(engine, run_id)["items_processed"] == 1

    second = insert_message(engine, subject="again")
    WRITTEN.clear()
    ok, [run_id] = run_stages(engine, settings, ["metadata"])
    assert [(second, "AGAIN!")] == WRITTEN
    assert ledger.get_run(engine, run_id)["items_processed"] == 1

    WRITTEN.clear()
    run_stages(engine, settings, ["metadata"], parameters={"reprocess": True})
    assert sorted(WRITTEN) == [(first, "HELLO!"), (second, "AGAIN!")]


def test_a_bad_item_is_recorded_and_the_run_goes_on(engine, settings):
    good = insert_message(engine, subject="fine")
    bad = insert_message(engine, subject="boom")
    ok, [run_id] = run_stages(engine, settings, ["metadata"])
    assert ok
    run = ledger.get_run(engine, run_id)
    assert run["status"] == "completed"
    assert run["items_processed"] == 2 and run["items_failed"] == 1
    assert [(good, "FINE!")] == WRITTEN
    with engine.connect() as conn:
        [error] = conn.execute(select(item_errors)).mappings().all()
        statuses = dict(conn.execute(select(stage_items.c.item_id, stage_items.c.status)).all())
    assert error["item_id"] == str(bad) and error["pipeline_run_id"] == run_id
    assert "cannot shout 'boom'" in error["error"]
    assert statuses == {good: "done", bad: "error"}


def test_partial_items_are_redone_once_the_capability_exists(engine, settings):
    item = insert_message(engine, subject="later")
    run_stages(engine, settings, ["metadata"])
    WRITTEN.clear()
    run_stages(engine, settings, ["metadata"])
    assert WRITTEN == []
    run_stages(engine, settings, ["metadata"], parameters={"capability": True})
    assert [(item, "LATER")] == WRITTEN


def test_run_all_stops_at_the_first_failure_and_says_why(engine, settings):
    insert_message(engine, subject="x")
    ok, run_ids = run_stages(engine, settings, ["all"])
    assert not ok
    runs = [ledger.get_run(engine, r) for r in run_ids]
    assert [r["stage"] for r in runs] == ["metadata", "content", "entities"]
    assert [r["status"] for r in runs] == ["completed", "failed", "failed"]
    assert runs[1]["error_message"] == "the model is missing: install it"
    assert "previous stage content" in runs[2]["error_message"]
    assert runs[0]["completed_at"] <= runs[1]["started_at"]


def test_queued_runs_stay_pending_until_executed(engine, settings):
    run_ids = queue_runs(engine, ["entities", "metadata"], "web")
    assert [ledger.get_run(engine, r)["status"] for r in run_ids] == ["pending", "pending"]
    assert [ledger.get_run(engine, r)["stage"] for r in run_ids] == ["metadata", "entities"]
    assert execute_runs(engine, settings, run_ids)
    assert [ledger.get_run(engine, r)["triggered_by"] for r in run_ids] == ["web", "web"]


def test_many_items_run_in_worker_processes(engine, settings):
    ids = [insert_message(engine, subject=f"s{i}") for i in range(450)]
    fast = settings.model_copy(
        update={"runner": settings.runner.model_copy(update={"workers": 2, "batch_size": 50})}
    )
    ok, [run_id] = run_stages(engine, fast, ["metadata"])
    assert ok
    assert sorted(i for i, _ in WRITTEN) == ids
    assert ledger.get_run(engine, run_id)["items_processed"] == 450


def test_two_runs_writing_at_once_both_complete(engine, settings):
    for i in range(300):
        insert_message(engine, subject=f"s{i}")
    small = settings.model_copy(
        update={"runner": settings.runner.model_copy(update={"batch_size": 5})}
    )
    results = []

    def work(stage, parameters):
        results.append(run_stages(engine, small, [stage], parameters=parameters)[0])

    # Two different stages write side by side; two runs of one stage take turns.
    jobs = [("metadata", {"reprocess": True}), ("metadata", {"reprocess": True}), ("twin", {})]
    threads = [threading.Thread(target=work, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True, True, True]
    _, runs = ledger.list_runs(engine)
    assert [r["status"] for r in runs] == ["completed"] * 3
    assert sorted(r["items_processed"] for r in runs) == [300, 300, 300]


def test_a_cancelled_run_stops_between_batches_and_says_so(engine, settings, monkeypatch):
    import inboxmine.runner.tracking as tracking

    for i in range(30):
        insert_message(engine, subject=f"s{i}")
    small = settings.model_copy(
        update={"runner": settings.runner.model_copy(update={"batch_size": 5})}
    )
    monkeypatch.setattr(tracking, "PROGRESS_EVERY_S", 0)  # report after every batch
    calls = []

    def load_then_cancel(conn, ids, ctx):
        calls.append(ids)
        if len(calls) == 2:  # the user presses Cancel while batch 2 is loading
            ledger.request_cancel(engine, ctx.run.run_id)
        return _load(conn, ids, ctx)

    cancelling = Stage(**{**SHOUT.__dict__, "load": load_then_cancel})
    monkeypatch.setattr(registry, "stages", lambda: {"metadata": cancelling})
    ok, [run_id] = run_stages(engine, small, ["metadata"])
    assert not ok
    run = ledger.get_run(engine, run_id)
    assert run["status"] == "failed"
    assert run["error_message"].startswith("cancelled by the user")
    assert 5 <= run["items_processed"] < 30
    # What was done stays done: the next run continues with the rest.
    monkeypatch.setattr(registry, "stages", lambda: {"metadata": SHOUT})
    WRITTEN.clear()
    ok, [run_id] = run_stages(engine, small, ["metadata"])
    assert (
        ok
        and len(WRITTEN) == 30 - ledger.list_runs(engine, status="failed")[1][0]["items_processed"]
    )


def slow_for_poison(subject, prepared):
    if subject == "poison":
        import time

        time.sleep(30)
    return {"out": [subject]}


def test_the_item_time_limit_holds_off_the_main_thread_too(engine, settings, monkeypatch):
    """A web queue thread cannot use signals, so the item runs in a worker process."""
    insert_message(engine, subject="fine")
    insert_message(engine, subject="poison")
    limited = settings.model_copy(
        update={"runner": settings.runner.model_copy(update={"item_time_limit_s": 1.0})}
    )
    stage = Stage(**{**SHOUT.__dict__, "transform": slow_for_poison})
    monkeypatch.setattr(registry, "stages", lambda: {"metadata": stage})
    results = []
    worker = threading.Thread(
        target=lambda: results.append(run_stages(engine, limited, ["metadata"]))
    )
    worker.start()
    worker.join(timeout=25)
    assert not worker.is_alive(), "the poison item was not stopped by the time limit"
    [(ok, [run_id])] = results
    run = ledger.get_run(engine, run_id)
    assert ok and run["items_processed"] == 2 and run["items_failed"] == 1
    with engine.connect() as conn:
        [error] = conn.execute(select(item_errors.c.error)).scalars().all()
    assert "time limit" in error


def _interrupt(ctx):
    raise KeyboardInterrupt


def test_ctrl_c_leaves_no_run_pending(engine, settings, monkeypatch):
    interrupted = named_stage("content", 2, "Ctrl-C", _interrupt)
    monkeypatch.setattr(
        registry, "stages", lambda: {"metadata": SHOUT, "content": interrupted, "entities": AFTER}
    )
    run_ids = queue_runs(engine, ["all"], "cli")
    with pytest.raises(KeyboardInterrupt):
        execute_runs(engine, settings, run_ids)
    runs = [ledger.get_run(engine, r) for r in run_ids]
    assert [r["status"] for r in runs] == ["completed", "failed", "failed"]
    assert "interrupted" in runs[1]["error_message"]
    assert runs[2]["error_message"] == "not run: the run before it was interrupted"


def test_an_item_that_cannot_be_read_is_its_error_not_the_batchs(engine, settings, monkeypatch):
    def load(conn, batch, ctx):
        if any(item.name == "odd" for item in batch):
            raise ValueError("odd data in its messages")
        return [item.name for item in batch]

    stored: list[str] = []
    stage = Stage(
        key="content",
        order=2,
        description="reads senders",
        output_tables=("messages",),
        keyed_by="sender",
        items=lambda ctx: [Item(name=n) for n in ("a.example", "odd", "b.example")],
        load=load,
        transform=lambda loaded, prepared: Outcome(rows={"name": loaded}),
        write=lambda conn, outcomes, ctx: stored.extend(o.rows["name"] for o in outcomes.values()),
        parallel=False,
    )
    monkeypatch.setattr(registry, "stages", lambda: {"content": stage})
    ok, [run_id] = run_stages(engine, settings, ["content"])
    assert ok
    run = ledger.get_run(engine, run_id)
    assert (run["items_processed"], run["items_failed"]) == (3, 1)
    assert stored == ["a.example", "b.example"]
    with engine.connect() as conn:
        [error] = conn.execute(select(item_errors)).mappings().all()
    assert error["item_id"] == "odd"
    assert "cannot be read" in error["error"] and "odd data in its messages" in error["error"]


def _load_here(conn, ids, ctx):
    """Each subject with the process that read it; an unreadable one fails its batch."""
    subjects = _load(conn, ids, ctx)
    if any("unreadable" in s for s in subjects):
        raise ValueError("unreadable subject")
    return [(os.getpid(), ctx.prepared, s) for s in subjects]


def _where_loaded(loaded, prepared):
    read_by, read_prepared, subject = loaded
    return {"out": [f"{read_by}:{os.getpid()}:{read_prepared}{prepared}:{subject}"]}


def test_a_stage_that_loads_in_its_workers_reads_each_batch_there(engine, settings, monkeypatch):
    """Each worker reads its own batches on its own connection (the main process
    only writes); an item that cannot be read there is still only its own error."""
    ids = [insert_message(engine, subject=f"s{i}") for i in range(449)]
    bad = insert_message(engine, subject="unreadable")
    loads_there = {"load": _load_here, "transform": _where_loaded, "loads_in_workers": True}
    stage = Stage(**{**SHOUT.__dict__, **loads_there})
    monkeypatch.setattr(registry, "stages", lambda: {"metadata": stage})
    fast = settings.model_copy(
        update={"runner": settings.runner.model_copy(update={"workers": 2, "batch_size": 50})}
    )
    ok, [run_id] = run_stages(engine, fast, ["metadata"])
    assert ok
    run = ledger.get_run(engine, run_id)
    assert (run["items_processed"], run["items_failed"]) == (450, 1)
    assert sorted(i for i, _ in WRITTEN) == ids
    for _, text in WRITTEN:
        read_by, transformed_by, prepared, _ = text.split(":")
        assert read_by == transformed_by != str(os.getpid())
        assert prepared == "!!"  # the prepared value reached the worker's load too
    with engine.connect() as conn:
        [error] = conn.execute(select(item_errors)).mappings().all()
    assert error["item_id"] == str(bad) and "unreadable subject" in error["error"]

"""Workers on a real queue: two `inboxmine worker` processes share one run through Redis.

Each batch is stored exactly once, the ledger shows one run with the items
summed, and a worker killed with SIGKILL mid-batch costs only that batch: its
lease runs out and the other worker stores it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.helpers import ingest_demo

from inboxmine.db.engine import make_engine, write_tx
from inboxmine.db.tables.content import parsed_content
from inboxmine.db.tables.ingest import messages
from inboxmine.db.tables.ledger import pipeline_runs, stage_items
from inboxmine.db.tables.queue import run_batches
from inboxmine.db.types import utcnow
from inboxmine.runner import ledger
from inboxmine.runner.distributed import (
    Distributor,
    claim_batch,
    help_with_run,
    plan_batches,
    run_progress,
)
from inboxmine.runner.executor import execute_runs, queue_runs

REDIS_URL = os.environ.get("INBOXMINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SRC = Path(__file__).resolve().parents[1] / "src"

pytestmark = pytest.mark.xdist_group("distributed")


def _redis_or_skip():
    redis = pytest.importorskip("redis", reason="the queue tests need the redis client")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except Exception as exc:  # noqa: BLE001 - any connection failure means "no server"
        pytest.skip(f"no Redis server at {REDIS_URL}: {exc}")
    return client


@pytest.fixture
def queue_name():
    client = _redis_or_skip()
    name = f"inboxmine-test-{uuid.uuid4().hex[:8]}"
    yield name
    keys = client.keys(f"*{name}*")
    if keys:
        client.delete(*keys)


def _start_worker(db_url: str, queue: str, tmp_path: Path, number: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INBOXMINE_")}
    env.update(
        PYTHONPATH=str(SRC) + os.pathsep + env.get("PYTHONPATH", ""),
        INBOXMINE_QUEUE__URL=REDIS_URL,
        INBOXMINE_QUEUE__NAME=queue,
        INBOXMINE_QUEUE__LEASE_S="3",
        INBOXMINE_RUNNER__BATCH_SIZE="100",
        INBOXMINE_ENTITIES__USE_SPACY="false",
    )
    log = open(tmp_path / f"worker{number}.log", "wb")  # noqa: SIM115 - lives as long as the process
    return subprocess.Popen(
        [sys.executable, "-m", "inboxmine", "--db", db_url, "worker", "--workers", "1"],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: kill -9 takes its children too
    )


def _wait(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def _kill_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def _pid(worker: str | None) -> int | None:
    return int(worker.rpartition(":")[2]) if worker else None


def _count(engine, table, *where) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def test_two_workers_share_one_run_and_a_killed_worker_costs_only_its_batch(
    engine, settings, db_url, demo_corpus, queue_name, tmp_path
):
    from inboxmine.web.queue import TaskQueue

    ingest_demo(engine, demo_corpus(messages=1500))
    total = _count(engine, messages)
    shared = settings.model_copy(
        update={"queue": settings.queue.model_copy(update={"url": REDIS_URL, "name": queue_name})}
    )
    workers = [_start_worker(db_url, queue_name, tmp_path, n) for n in (1, 2)]
    try:
        (run_id,) = queue_runs(engine, ["content"], "web")
        TaskQueue(shared, engine, mode="enqueue").enqueue([run_id])

        def held_by_a_helper():
            """The helper has stored a batch and is working on another one."""
            coordinator = _pid(ledger.get_run(engine, run_id)["worker"])
            with engine.connect() as conn:
                rows = conn.execute(
                    select(
                        run_batches.c.id,
                        run_batches.c.status,
                        run_batches.c.claimed_by,
                        run_batches.c.done_by,
                    ).where(run_batches.c.pipeline_run_id == run_id)
                ).all()
            stored = {_pid(r.done_by) for r in rows if r.status == "done"} - {coordinator}
            held = [r for r in rows if r.status == "claimed" and _pid(r.claimed_by) in stored]
            return (coordinator, held[0][0], held[0][2]) if coordinator and held else None

        coordinator, batch_id, claimed_by = _wait(
            held_by_a_helper, 120, "the second worker to store a batch and claim another"
        )
        victim = next(w for w in workers if os.getpgid(_pid(claimed_by)) == w.pid)
        _kill_group(victim)
        with engine.connect() as conn:
            lost = conn.execute(
                select(run_batches.c.status, run_batches.c.done_by).where(
                    run_batches.c.id == batch_id
                )
            ).one()

        _wait(
            lambda: ledger.get_run(engine, run_id)["status"] in ("completed", "failed"),
            240,
            "the run to finish",
        )
    finally:
        for process in workers:
            _kill_group(process)
    run = ledger.get_run(engine, run_id)
    logs = "\n".join((tmp_path / f"worker{n}.log").read_text(errors="replace") for n in (1, 2))
    assert run["status"] == "completed", f"{run['error_message']}\n{logs[-3000:]}"
    # One run in the ledger, every item counted once.
    assert _count(engine, pipeline_runs, pipeline_runs.c.stage == "content") == 1
    assert run["items_processed"] == total
    assert _count(engine, parsed_content) == total
    assert _count(engine, stage_items, stage_items.c.stage == "content") == total
    with engine.connect() as conn:
        batches = conn.execute(
            select(run_batches).where(run_batches.c.pipeline_run_id == run_id)
        ).mappings()
        batches = [dict(b) for b in batches]
    assert all(b["status"] == "done" for b in batches)
    assert sum(b["items_processed"] for b in batches) == total
    # Both workers stored batches: the work was shared.
    assert {_pid(b["done_by"]) for b in batches} >= {coordinator, _pid(claimed_by)}
    killed = next(b for b in batches if b["id"] == batch_id)
    if lost.status == "claimed":  # killed mid-batch (the usual case): taken over
        assert killed["attempts"] >= 2
        assert _pid(killed["done_by"]) == coordinator
    else:  # it stored that batch just before it died: stored once all the same
        assert _pid(lost.done_by) == _pid(claimed_by) == _pid(killed["done_by"])


# ----------------------------------------------------------- the mechanism


def test_a_batch_is_claimed_by_one_worker_and_reclaimed_when_its_lease_runs_out(engine):
    run_id = ledger.create_run(engine, "content", "web")
    with write_tx(engine) as conn:
        assert plan_batches(conn, run_id, [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]) == 3
    first = claim_batch(engine, run_id, "host:1", lease_s=60)
    second = claim_batch(engine, run_id, "host:2", lease_s=60)
    third = claim_batch(engine, run_id, "host:1", lease_s=0.01)
    assert [first.keys, second.keys, third.keys] == [
        [1, 2, 3, 4],
        [5, 6, 7, 8],
        [9, 10],
    ]
    time.sleep(0.05)
    # Only the batch whose lease ran out is claimable again.
    again = claim_batch(engine, run_id, "host:2", lease_s=60)
    assert again.batch_no == third.batch_no
    assert claim_batch(engine, run_id, "host:3", lease_s=60) is None
    with engine.connect() as conn:
        attempts = conn.execute(
            select(run_batches.c.attempts).where(run_batches.c.id == again.id)
        ).scalar_one()
    assert attempts == 2
    assert run_progress(engine, run_id).done == 0


def test_a_coordinator_and_a_helper_store_every_batch_once(engine, settings, demo_corpus):
    """In one process: the coordinator plans and works; a helper answers its call."""
    ingest_demo(engine, demo_corpus(messages=300))
    total = _count(engine, messages)
    settings = settings.model_copy(
        update={"runner": settings.runner.model_copy(update={"batch_size": 40})}
    )
    calls = []

    def ask_for_help(run_id: int, count: int) -> None:
        calls.append(count)
        # A helper stores two batches before the coordinator starts its own.
        help_with_run(engine, settings, run_id, worker="helper:1")

    (run_id,) = queue_runs(engine, ["metadata"], "web")
    distributor = Distributor(ask_for_help, lease_s=60, worker="coordinator:1")
    assert execute_runs(engine, settings, [run_id], distributor=distributor)
    run = ledger.get_run(engine, run_id)
    assert run["status"] == "completed"
    assert run["items_processed"] == total
    assert calls == [-(-total // 40) - 1]
    with engine.connect() as conn:
        done_by = [
            r[0]
            for r in conn.execute(
                select(run_batches.c.done_by).where(run_batches.c.pipeline_run_id == run_id)
            )
        ]
    # The helper took everything it could before returning: the run was shared.
    assert done_by.count("helper:1") == len(done_by)
    assert _count(engine, stage_items, stage_items.c.stage == "metadata") == total
    # A helper asked after the run finished does nothing.
    assert help_with_run(engine, settings, run_id, worker="late:1") == 0


# ------------------------------------------------------------- the commands


def test_run_queue_puts_the_runs_on_the_shared_queue(db_url, settings, queue_name, monkeypatch):
    from typer.testing import CliRunner

    from inboxmine.cli.main import app
    from inboxmine.web.queue import TaskQueue

    monkeypatch.setenv("INBOXMINE_QUEUE__URL", REDIS_URL)
    monkeypatch.setenv("INBOXMINE_QUEUE__NAME", queue_name)
    result = CliRunner().invoke(app, ["--db", db_url, "run", "metadata", "content", "--queue"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "queued runs 1 (metadata), 2 (content)" in said and "`inboxmine worker`" in said
    engine = make_engine(db_url)
    _, runs = ledger.list_runs(engine)
    engine.dispose()
    assert sorted((r["stage"], r["status"], r["triggered_by"]) for r in runs) == [
        ("content", "pending", "cli"),
        ("metadata", "pending", "cli"),
    ]
    shared = settings.model_copy(
        update={"queue": settings.queue.model_copy(update={"url": REDIS_URL, "name": queue_name})}
    )
    assert TaskQueue(shared, mode="enqueue").pending_tasks() == 1  # one task runs both in order


@pytest.mark.parametrize("command", [["run", "metadata", "--queue"], ["worker"]])
def test_an_unreachable_queue_is_one_clear_error(db_url, settings, monkeypatch, command):
    from typer.testing import CliRunner

    from inboxmine.cli.main import app

    monkeypatch.setenv("INBOXMINE_QUEUE__URL", "redis://:secret@127.0.0.1:1/0")
    result = CliRunner().invoke(app, ["--db", db_url, *command])
    assert result.exit_code != 0
    said = " ".join(result.output.split())
    assert "does not answer" in said and "start the Redis server" in said
    assert "secret" not in result.output


def test_named_item_stages_share_their_batches_and_end_as_a_local_run(
    engine, settings, demo_corpus
):
    """classify and profile (per sender) are shared too: a batch holds the
    stage's items, and profile's clean-up reads the run's marks, not the
    memory of the process that happened to store a batch."""
    import dataclasses

    from inboxmine.db.tables.opportunities import gems, sender_profiles
    from inboxmine.runner.executor import run_stages
    from inboxmine.runner.registry import register
    from inboxmine.stages import profile as profile_stage

    demo = demo_corpus(messages=400)
    settings = settings.model_copy(
        update={
            "me": list(demo.me),
            "runner": settings.runner.model_copy(update={"batch_size": 10}),
        }
    )
    ingest_demo(engine, demo)
    assert run_stages(engine, settings, ["metadata", "content", "entities"], "cli")[0]

    def shared_run(key: str) -> int:
        def ask_for_help(run_id: int, count: int) -> None:
            help_with_run(engine, settings, run_id, worker="helper:1")

        (run_id,) = queue_runs(engine, [key], "web")
        distributor = Distributor(ask_for_help, lease_s=60, worker="coordinator:1")
        assert execute_runs(engine, settings, [run_id], distributor=distributor)
        with engine.connect() as conn:
            done_by = conn.execute(
                select(run_batches.c.done_by).where(run_batches.c.pipeline_run_id == run_id)
            ).scalars()
            assert set(done_by) == {"helper:1"}  # more than one batch, all stored by the helper
        return run_id

    run_id = shared_run("classify")
    senders = ledger.get_run(engine, run_id)["items_processed"]
    assert senders > 10
    assert _count(engine, stage_items, stage_items.c.stage == "classify") == senders

    def profiles_and_gems():
        with engine.connect() as conn:
            profiles = {
                tuple(row)
                for row in conn.execute(
                    select(
                        sender_profiles.c.sender_domain,
                        sender_profiles.c.company_name,
                        sender_profiles.c.industry,
                    )
                )
            }
            found = {
                tuple(row)
                for row in conn.execute(
                    select(gems.c.sender_domain, gems.c.gem_type, gems.c.thread_key, gems.c.status)
                )
            }
        return profiles, found

    light = dataclasses.replace(profile_stage.STAGE, batch_weight=60)  # several batches
    register(light)
    try:
        assert run_stages(engine, settings, ["profile"], "cli")[0]
        local = profiles_and_gems()
        assert local[1], "the demo mailbox has gems"
        # A sender that is gone: its profile must go and its gem expire.
        now = utcnow()
        with write_tx(engine) as conn:
            conn.execute(
                sender_profiles.insert().values(sender_domain="gone.example", profiled_at=now)
            )
            conn.execute(
                gems.insert().values(
                    gem_type="dormant_warm_thread",
                    sender_domain="gone.example",
                    thread_key="t",
                    status="new",
                    summary="old",
                    created_at=now,
                )
            )
        shared_run("profile")
    finally:
        register(profile_stage.STAGE)
    profiles, found = profiles_and_gems()
    assert profiles == local[0]
    assert found - local[1] == {("gone.example", "dormant_warm_thread", "t", "expired")}
    assert local[1] <= found

"""Live sources come from the registry: a fake source drives ``sync`` and
``sync --watch`` through the protocol, and watch's stage runs go through the
runner into the ledger."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from tests.test_imap_server import make_message

from inboxmine.config import AccountSettings
from inboxmine.db.tables.ingest import messages
from inboxmine.db.tables.ledger import pipeline_runs
from inboxmine.runner.registry import expand
from inboxmine.sources.base import RawMessage
from inboxmine.sources.live import (
    SOURCES,
    SyncError,
    account_run,
    load_state,
    save_state,
)
from inboxmine.sources.sync import source_for, sync_accounts
from inboxmine.sources.watch import watch


class FakeSource:
    """A source whose server is a dict: account name -> messages waiting."""

    def __init__(self) -> None:
        self.mailboxes: dict[str, list[bytes]] = {}
        self.wake_after_first_sync = False
        self.syncs = 0

    def sync(self, engine, settings, account, *, triggered_by, progress, interactive):
        self.syncs += 1
        key = f"fake:{account.name}"
        state = load_state(engine, key)
        start = state.last_uid if state and state.last_uid else 0
        waiting = self.mailboxes.get(account.name, [])[start:]
        with account_run(
            engine,
            source_kind="fake",
            account=key,
            my_addresses=set(settings.my_addresses),
            triggered_by=triggered_by,
        ) as (_run, store, result):
            for position, raw in enumerate(waiting, start=start + 1):
                store.add(RawMessage(raw, "fake", key, str(position)))
            store.flush()
            save_state(
                engine,
                key,
                last_uid=start + len(waiting),
                last_incremental_sync=datetime.now(UTC),
                added=store.counts.stored,
            )
            result.details.append(f"{len(waiting)} new")
        return result

    def waker(self, account, wake, stop):
        if not self.wake_after_first_sync:
            return None
        source = self

        def run():
            # Announce mail as soon as the first round has synced.
            while not stop.is_set():
                if source.syncs >= 1:
                    wake.set()
                    return
                stop.wait(0.05)

        return threading.Thread(target=run, daemon=True)


@pytest.fixture
def fake():
    source = FakeSource()
    SOURCES.register("fake", source, order=90)
    yield source
    SOURCES._components.pop("fake", None)  # the registry of the other tests


def account(name="box", kind="fake") -> AccountSettings:
    return AccountSettings(name=name, kind=kind)


def ledger(engine, stage=None):
    query = select(pipeline_runs).order_by(pipeline_runs.c.id)
    if stage:
        query = query.where(pipeline_runs.c.stage == stage)
    with engine.connect() as conn:
        return list(conn.execute(query))


def test_the_default_sources_register_themselves():
    assert SOURCES.names()[:2] == ["imap", "gmail"]
    assert type(SOURCES.get("imap")).__name__ == "ImapSource"


def test_an_unknown_kind_names_the_nearest_source(engine, settings):
    with pytest.raises(SyncError) as caught:
        source_for(settings, account("work", kind="imapp"))
    assert str(caught.value).startswith("account 'work': unknown sources component 'imapp'")
    assert "did you mean 'imap'?" in str(caught.value)

    [result] = sync_accounts(engine, settings, [account("work", kind="imapp")])
    assert not result.ok and "did you mean 'imap'?" in result.error


def test_a_source_disabled_in_the_settings_syncs_nothing(engine, settings, fake):
    settings = settings.model_copy(update={"components": {"sources": {"fake": False}}})
    fake.mailboxes["box"] = [make_message("hello")]

    [result] = sync_accounts(engine, settings, [account()])

    assert not result.ok and "components.sources.fake = false" in result.error
    assert fake.syncs == 0 and ledger(engine) == []


def test_a_registered_source_is_synced_through_the_protocol(engine, settings, fake):
    fake.mailboxes["box"] = [make_message("one"), make_message("two")]

    [first] = sync_accounts(engine, settings, [account()])
    fake.mailboxes["box"].append(make_message("three"))
    [second] = sync_accounts(engine, settings, [account()])

    assert (first.ok, first.stored, second.stored) == (True, 2, 1)
    with engine.connect() as conn:
        kinds = conn.execute(select(messages.c.source_kind)).scalars().all()
    assert kinds == ["fake"] * 3
    runs = ledger(engine, "ingest")
    assert [(r.status, r.items_processed) for r in runs] == [("completed", 2), ("completed", 1)]
    assert runs[0].parameters == {"source_kind": "fake", "account": "fake:box"}
    assert load_state(engine, "fake:box").total_messages_synced == 3


def test_watch_runs_stages_1_to_6_through_the_runner(engine, settings, fake):
    fake.mailboxes["box"] = [make_message("Your plan renews", body="It renews on May 1, 2026.")]

    cycles = watch(engine, settings, [account()], iterations=2, interval_s=0.05, idle=False)

    assert [c.new_messages for c in cycles] == [1, 0]
    assert cycles[0].stages_ok and cycles[1].stage_run_ids == []
    stage_runs = [r for r in ledger(engine) if r.stage != "ingest"]
    # One run per stage, in order, queued together, each recorded by the runner.
    assert [r.stage for r in stage_runs] == expand(["all"])
    assert [r.id for r in stage_runs] == cycles[0].stage_run_ids
    assert {r.triggered_by for r in stage_runs} == {"cli"}
    assert len({r.batch_id for r in stage_runs}) == 1 and stage_runs[0].batch_id
    assert all(r.status == "completed" and r.completed_at for r in stage_runs)
    assert stage_runs[0].items_processed == 1


def test_watch_records_who_triggered_it(engine, settings, fake):
    fake.mailboxes["box"] = [make_message("hello")]

    [cycle] = watch(engine, settings, [account()], iterations=1, idle=False, triggered_by="web")

    runs = ledger(engine)
    assert {r.triggered_by for r in runs} == {"web"}
    assert [r.id for r in runs if r.stage != "ingest"] == cycle.stage_run_ids


def test_watch_wakes_when_a_source_announces_mail(engine, settings, fake):
    fake.wake_after_first_sync = True
    calls = []

    started = time.monotonic()
    cycles = watch(
        engine,
        settings,
        [account()],
        iterations=2,
        interval_s=30,
        run_stages=lambda *args: calls.append(args) or (True, []),
    )

    assert time.monotonic() - started < 10  # woken, not polled after 30 s
    assert len(cycles) == 2 and fake.syncs == 2 and calls == []


def test_the_sync_command_refuses_an_account_of_an_unknown_kind(db_url, engine, settings, tmp_path):
    from typer.testing import CliRunner

    from inboxmine.cli.main import app

    config = tmp_path / "inboxmine.toml"
    config.write_text('[[accounts]]\nname = "work"\nkind = "gmial"\n')

    result = CliRunner().invoke(app, ["--db", db_url, "--config", str(config), "sync"])

    assert result.exit_code == 1
    assert "account 'work': unknown sources component 'gmial'" in result.stderr
    assert "did you mean 'gmail'?" in result.stderr
    assert ledger(engine) == []


def test_a_sync_waits_for_an_import_that_holds_the_ingest_lock(engine):
    """A live sync and a file import take turns (the ``ingest`` lock)."""
    from inboxmine.runner.locks import stage_lock

    order: list[str] = []
    held = threading.Event()

    def file_import():
        with stage_lock(engine, "ingest"):
            held.set()
            time.sleep(0.5)
            order.append("import done")

    other = threading.Thread(target=file_import)
    other.start()
    assert held.wait(5)
    with account_run(
        engine, source_kind="fake", account="fake:a", my_addresses=set(), triggered_by="cli"
    ):
        order.append("sync ran")
    other.join()
    assert order == ["import done", "sync ran"]

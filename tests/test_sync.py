"""``inboxmine sync`` and ``sync --watch`` with configured accounts (Dovecot)."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select
from tests.test_imap_server import (  # noqa: F401 (dovecot_fixture is the `dovecot` fixture)
    PASSWORD,
    dovecot_fixture,
    make_message,
)

from inboxmine.config import AccountSettings
from inboxmine.db.tables.ingest import messages
from inboxmine.db.tables.ledger import pipeline_runs
from inboxmine.sources.sync import sync_accounts
from inboxmine.sources.watch import watch


@pytest.fixture
def mailbox(dovecot, settings, monkeypatch):
    monkeypatch.setenv("INBOXMINE_IMAP_PASSWORD", PASSWORD)
    return dovecot.new_user()


def imap_account(dovecot, user, name="work", **kw) -> AccountSettings:
    return AccountSettings(
        name=name, kind="imap", host=dovecot.host, port=dovecot.port, user=user, tls="none", **kw
    )


def runs(engine, stage=None):
    query = select(pipeline_runs).order_by(pipeline_runs.c.id)
    if stage:
        query = query.where(pipeline_runs.c.stage == stage)
    with engine.connect() as conn:
        return list(conn.execute(query))


def message_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(messages)).scalar()


def test_every_account_is_its_own_ingest_run_and_one_failure_does_not_stop_the_others(
    dovecot, mailbox, engine, settings, monkeypatch
):
    dovecot.append(mailbox, "INBOX", make_message("hello"), make_message("again"))
    broken = imap_account(dovecot, "other@example.net", name="broken", password_env="NO_SUCH_VAR")
    monkeypatch.setattr("inboxmine.sources.imap.keyring_password", lambda host, user: None)
    accounts = [broken, imap_account(dovecot, mailbox)]

    results = sync_accounts(engine, settings, accounts)

    assert [r.ok for r in results] == [False, True]
    assert "NO_SUCH_VAR" in results[0].error and "other@example.net" in results[0].error
    assert results[1].stored == 2
    failed, done = runs(engine, "ingest")
    assert (failed.status, failed.error_message) == ("failed", results[0].error)
    assert (done.status, done.items_processed) == ("completed", 2)


def test_a_gmail_account_without_a_token_asks_for_an_interactive_authorization(
    engine, settings, tmp_path
):
    pytest.importorskip("googleapiclient")
    account = AccountSettings(
        name="gmail", kind="gmail", token_file=str(tmp_path / "missing-token.json")
    )

    [result] = sync_accounts(engine, settings, [account], interactive=False)

    assert not result.ok and "run `inboxmine ingest gmail` once in a terminal" in result.error
    [run] = runs(engine, "ingest")
    assert run.status == "failed" and run.parameters["account"] == "gmail:gmail"


def test_watch_round_syncs_new_mail_and_runs_stages_1_to_6(dovecot, mailbox, engine, settings):
    dovecot.append(
        mailbox,
        "INBOX",
        make_message("Your plan renews on May 1", body="Your plan renews on May 1, 2026."),
    )
    account = imap_account(dovecot, mailbox)

    [cycle] = watch(engine, settings, [account], iterations=1, idle=False)

    assert cycle.new_messages == 1 and cycle.stages_ok
    stage_runs = [r for r in runs(engine) if r.id in cycle.stage_run_ids]
    assert [r.stage for r in stage_runs][:1] == ["metadata"]
    assert all(r.status == "completed" and r.triggered_by == "cli" for r in stage_runs)
    assert stage_runs[0].items_processed == 1


def test_watch_without_new_mail_runs_no_stage(dovecot, mailbox, engine, settings):
    account = imap_account(dovecot, mailbox)
    calls = []

    cycles = watch(
        engine,
        settings,
        [account],
        iterations=2,
        interval_s=0.1,
        idle=False,
        run_stages=lambda *a, **kw: calls.append(a) or (True, []),
    )

    assert [c.new_messages for c in cycles] == [0, 0] and calls == []
    assert [r.stage for r in runs(engine)] == ["ingest", "ingest"]


def test_watch_wakes_on_imap_idle_when_mail_arrives(dovecot, mailbox, engine, settings):
    account = imap_account(dovecot, mailbox)
    stage_calls = []

    def on_cycle(cycle):
        if cycle.number == 1:
            time.sleep(1.0)  # let the IDLE connection settle, then deliver
            dovecot.append(mailbox, "INBOX", make_message("arrives during watch"))

    started = time.monotonic()
    cycles = watch(
        engine,
        settings,
        [account],
        iterations=2,
        interval_s=60,
        on_cycle=on_cycle,
        run_stages=lambda engine, settings, keys, by: stage_calls.append(keys) or (True, [7]),
    )

    assert time.monotonic() - started < 30  # woken by IDLE, not by the 60 s poll
    assert [c.new_messages for c in cycles] == [0, 1]
    assert stage_calls == [["all"]] and cycles[1].stage_run_ids == [7]
    assert message_count(engine) == 1


def test_sync_command_uses_the_accounts_of_the_config_file(
    dovecot, mailbox, db_url, settings, tmp_path
):
    from typer.testing import CliRunner

    from inboxmine.cli.main import app

    dovecot.append(mailbox, "INBOX", make_message("configured"))
    config = tmp_path / "inboxmine.toml"
    config.write_text(
        f"""
[[accounts]]
name = "work"
kind = "imap"
host = "{dovecot.host}"
port = {dovecot.port}
user = "{mailbox}"
tls = "none"
"""
    )
    args = ["--db", db_url, "--config", str(config), "sync", "--json"]

    first = CliRunner().invoke(app, args)
    second = CliRunner().invoke(app, [*args[:-1], "--watch", "--once", "--no-idle", "--json"])

    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout.strip().splitlines()[-1])["stored"] == 1
    assert second.exit_code == 0, second.output
    assert json.loads(second.stdout.strip().splitlines()[-1])["read"] == 0

    unknown = CliRunner().invoke(app, [*args[:-1], "--account", "nope"])
    assert unknown.exit_code == 1 and "no configured account named nope" in unknown.stderr


def test_sync_command_without_accounts_says_how_to_add_one(db_url, settings):
    from typer.testing import CliRunner

    from inboxmine.cli.main import app

    result = CliRunner().invoke(app, ["--db", db_url, "sync"])

    assert result.exit_code == 1 and "no accounts configured" in result.stderr

"""IMAP sync against a real Dovecot server: full, incremental, UIDVALIDITY,
dropped connections, TLS, wrong passwords, the command line."""

from __future__ import annotations

import imaplib
import json

import pytest
from sqlalchemy import func, select
from tests.helpers import ingest_demo
from tests.test_imap_server import (  # noqa: F401 (dovecot_fixture is the `dovecot` fixture)
    PASSWORD,
    SENT_FOLDER,
    dovecot_fixture,
    make_message,
)

from inboxmine.db.tables.ingest import messages, sync_state
from inboxmine.db.tables.ledger import item_errors, pipeline_runs
from inboxmine.sources.imap import ImapAccount, ImapError, sync_imap


@pytest.fixture
def mailbox(dovecot, settings, monkeypatch):
    """A fresh user on the server, its password in INBOXMINE_IMAP_PASSWORD (set
    after `settings` has cleared the INBOXMINE_ variables)."""
    monkeypatch.setenv("INBOXMINE_IMAP_PASSWORD", PASSWORD)
    return dovecot.new_user()


def account(dovecot, user, **kw) -> ImapAccount:
    return ImapAccount(host=dovecot.host, port=dovecot.port, user=user, tls="none", **kw)


def count(engine, *where) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(messages).where(*where)).scalar()


def run_row(engine, run_id):
    with engine.connect() as conn:
        return conn.execute(select(pipeline_runs).where(pipeline_runs.c.id == run_id)).one()


def test_full_sync_reads_every_folder_marks_sent_mail_and_records_one_run(
    dovecot, mailbox, engine, settings
):
    dovecot.append(mailbox, "INBOX", make_message("Price list"), make_message("Renewal notice"))
    dovecot.append(mailbox, "Archive", make_message("Old partner program"))
    # In the SPECIAL-USE Sent folder, from an address not in `me`: still sent.
    dovecot.append(mailbox, SENT_FOLDER, make_message("My reply", sender="alias@elsewhere.example"))
    # From the login address, in the inbox: the login counts as one of mine.
    dovecot.append(mailbox, "INBOX", make_message("Note to self", sender=mailbox))
    dovecot.append(mailbox, "Trash", make_message("Thrown away"))
    dovecot.append(mailbox, "Junk", make_message("Spam"))

    result = sync_imap(engine, settings, account(dovecot, mailbox))

    assert result.stored == 5 and result.full
    assert count(engine) == 5
    assert count(engine, messages.c.subject == "Thrown away") == 0  # Trash and Junk skipped
    sent = {
        row.subject
        for row in select_rows(engine, messages.c.subject, messages.c.is_sent)
        if row.is_sent
    }
    assert sent == {"My reply", "Note to self"}
    assert count(engine, messages.c.source_kind == "imap", messages.c.thread_id.is_not(None)) == 5
    run = run_row(engine, result.run_id)
    assert (run.stage, run.status, run.items_processed) == ("ingest", "completed", 5)
    assert run.parameters["account"] == f"imap:{mailbox}@{dovecot.host}"
    with engine.connect() as conn:
        states = {r.folder: r for r in conn.execute(select(sync_state))}
    assert set(states) == {"INBOX", "Archive", SENT_FOLDER}
    assert states["INBOX"].last_uid == 3 and states["INBOX"].uidvalidity
    assert states["INBOX"].total_messages_synced == 3


def select_rows(engine, *columns):
    with engine.connect() as conn:
        return list(conn.execute(select(*columns)))


def test_incremental_sync_fetches_only_the_mail_that_arrived_since(
    dovecot, mailbox, engine, settings
):
    dovecot.append(mailbox, "INBOX", *(make_message(f"first {i}") for i in range(3)))
    sync_imap(engine, settings, account(dovecot, mailbox))

    dovecot.append(mailbox, "INBOX", make_message("new one"), make_message("new two"))
    second = sync_imap(engine, settings, account(dovecot, mailbox))
    third = sync_imap(engine, settings, account(dovecot, mailbox))

    assert second.stored == 2 and not second.full
    assert run_row(engine, second.run_id).items_processed == 2  # nothing read twice
    assert third.stored == 0 and run_row(engine, third.run_id).items_processed == 0
    assert run_row(engine, third.run_id).status == "completed"
    assert count(engine) == 5


def test_changed_uidvalidity_reads_the_folder_again_without_duplicates(
    dovecot, mailbox, engine, settings
):
    old = [make_message(f"kept {i}", message_id=f"<kept{i}@test.example>") for i in range(3)]
    dovecot.append(mailbox, "Projects", *old)
    sync_imap(engine, settings, account(dovecot, mailbox, folders=["Projects"]))
    before = load_uidvalidity(engine, "Projects")

    dovecot.recreate_folder(mailbox, "Projects")  # new UIDVALIDITY, UIDs from 1 again
    dovecot.append(mailbox, "Projects", *old, make_message("really new"))
    result = sync_imap(engine, settings, account(dovecot, mailbox, folders=["Projects"]))

    assert load_uidvalidity(engine, "Projects") != before
    assert any("UIDVALIDITY changed" in line for line in result.details)
    assert result.counts.read == 4 and result.counts.duplicates == 3 and result.stored == 1
    assert count(engine) == 4


def load_uidvalidity(engine, folder):
    with engine.connect() as conn:
        return conn.execute(
            select(sync_state.c.uidvalidity).where(sync_state.c.folder == folder)
        ).scalar()


class DropAfter:
    """Wraps IMAPClient.fetch: the connection "drops" after ``n`` body fetches."""

    def __init__(self, monkeypatch, n: int, times: int = 1) -> None:
        from imapclient import IMAPClient

        self.original = IMAPClient.fetch
        self.n, self.times, self.body_fetches, self.drops = n, times, 0, 0
        monkeypatch.setattr(
            IMAPClient, "fetch", lambda client, *a, **kw: self.fetch(client, *a, **kw)
        )

    def fetch(self, client, uids, items, *args, **kwargs):
        if any("BODY" in str(item) for item in items):
            if self.drops < self.times and self.body_fetches >= self.n:
                self.drops += 1
                self.body_fetches = 0
                client.shutdown()  # a real drop: the socket is gone
                raise imaplib.IMAP4.abort("socket error: EOF")
            self.body_fetches += 1
        return self.original(client, uids, items, *args, **kwargs)


def test_a_dropped_connection_fails_the_run_and_the_next_sync_resumes(
    dovecot, mailbox, engine, settings, monkeypatch
):
    dovecot.append(mailbox, "INBOX", *(make_message(f"message {i}") for i in range(10)))
    drop = DropAfter(monkeypatch, n=2)

    with pytest.raises(ImapError) as failure:
        sync_imap(engine, settings, account(dovecot, mailbox), batch_size=3, reconnects=0)

    assert "run the sync again" in str(failure.value) and "6 messages stored" in str(failure.value)
    assert count(engine) == 6  # two stored batches kept
    with engine.connect() as conn:
        last_uid = select(sync_state.c.last_uid).where(sync_state.c.folder == "INBOX")
        assert conn.execute(last_uid).scalar() == 6
        failed = conn.execute(select(pipeline_runs).where(pipeline_runs.c.status == "failed")).one()
    assert "kept dropping" in failed.error_message

    resumed = sync_imap(engine, settings, account(dovecot, mailbox), batch_size=3)

    assert drop.drops == 1
    assert resumed.counts.read == 4 and resumed.counts.duplicates == 0
    assert count(engine) == 10
    assert count(engine, messages.c.thread_id.is_(None)) == 0


def test_a_dropped_connection_is_reopened_within_the_same_sync(
    dovecot, mailbox, engine, settings, monkeypatch
):
    dovecot.append(mailbox, "INBOX", *(make_message(f"message {i}") for i in range(7)))
    drop = DropAfter(monkeypatch, n=1)
    waits = []

    result = sync_imap(
        engine, settings, account(dovecot, mailbox), batch_size=2, sleep=waits.append
    )

    assert drop.drops == 1 and waits == [2]
    assert result.stored == 7 and result.counts.duplicates == 0
    assert any("reconnected" in line for line in result.details)
    assert run_row(engine, result.run_id).status == "completed"


def test_a_wrong_password_says_which_server_and_user_and_what_to_do(
    dovecot, mailbox, engine, settings, monkeypatch
):
    monkeypatch.setenv("INBOXMINE_IMAP_PASSWORD", "not-the-password")

    with pytest.raises(ImapError) as failure:
        sync_imap(engine, settings, account(dovecot, mailbox))

    message = str(failure.value)
    assert dovecot.host in message and mailbox in message
    assert "INBOXMINE_IMAP_PASSWORD" in message and "app password" in message
    assert "not-the-password" not in message
    with engine.connect() as conn:
        run = conn.execute(select(pipeline_runs)).one()
    assert run.status == "failed" and run.error_message == message


def test_a_self_signed_certificate_is_refused_unless_insecure(dovecot, mailbox, engine, settings):
    if not dovecot.has_ssl:
        pytest.skip("openssl is missing: no certificate for the TLS test server")
    dovecot.append(mailbox, "INBOX", make_message("over TLS"))
    secure = ImapAccount(host=dovecot.host, port=dovecot.ssl_port, user=mailbox, tls="ssl")

    with pytest.raises(ImapError, match="cannot be trusted.*--insecure"):
        sync_imap(engine, settings, secure)

    secure.insecure = True
    assert sync_imap(engine, settings, secure).stored == 1
    starttls = ImapAccount(
        host=dovecot.host, port=dovecot.port, user=mailbox, tls="starttls", insecure=True
    )
    assert sync_imap(engine, settings, starttls).counts.read == 0  # already synced


def test_an_unknown_folder_is_named_with_the_existing_ones(dovecot, mailbox, engine, settings):
    dovecot.append(mailbox, "INBOX", make_message("hello"))

    with pytest.raises(ImapError, match=r"not found on the server: Nope; the folders are: .*INBOX"):
        sync_imap(engine, settings, account(dovecot, mailbox, folders=["Nope"]))


def test_odd_messages_are_stored_with_their_reason_and_counted(dovecot, mailbox, engine, settings):
    dovecot.append(
        mailbox,
        "INBOX",
        b"\x00\xff not an email at all \x80\x81" * 20,
        make_message("fine"),
    )

    result = sync_imap(engine, settings, account(dovecot, mailbox))

    assert result.counts.read == 2 and count(engine) == 2
    with engine.connect() as conn:
        errors = conn.execute(select(item_errors.c.item_id)).scalars().all()
    assert all(e.startswith(f"imap://{mailbox}@{dovecot.host}/INBOX#") for e in errors)


def test_ingest_imap_command(dovecot, mailbox, db_url, settings):
    from typer.testing import CliRunner

    from inboxmine.cli.main import app

    dovecot.append(mailbox, "INBOX", make_message("one"), make_message("two"))
    args = [
        "--db", db_url, "ingest", "imap", "--host", dovecot.host, "--port", str(dovecot.port),
        "--user", mailbox, "--tls", "none", "--folder", "INBOX", "--json",
    ]  # fmt: skip

    result = CliRunner().invoke(app, args)

    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["stored"] == 2 and summary["account"] == f"imap:{mailbox}@{dovecot.host}"

    bad = CliRunner().invoke(app, args, env={"INBOXMINE_IMAP_PASSWORD": "wrong"})
    assert bad.exit_code == 1
    assert f"IMAP login to {dovecot.host} as {mailbox} failed" in bad.stderr


def test_the_demo_mailbox_over_imap_is_stored_and_threaded_like_its_mbox_import(
    dovecot, monkeypatch, tmp_path, sqlite_template, demo_corpus
):
    """The same mail, from an mbox file or from an IMAP server, gives the same
    messages, sent flags and threads (malformed entries included)."""
    import shutil

    from inboxmine.config import load_settings
    from inboxmine.db.engine import make_engine
    from inboxmine.db.tables.ingest import threads
    from inboxmine.sources.mbox import read_mbox

    demo = demo_corpus(messages=150)
    raws = [m.raw for m in read_mbox(demo.mbox_path) if m.raw]
    user = demo.me[0]  # log in as the demo's owner: the login is one of "me"
    dovecot.append(user, "INBOX", *raws)
    engines = {}
    for name in ("mbox", "imap"):
        path = tmp_path / f"{name}.db"
        shutil.copy(sqlite_template, path)
        engines[name] = make_engine(f"sqlite:///{path}")
    monkeypatch.setenv("INBOXMINE_IMAP_PASSWORD", PASSWORD)
    settings = load_settings(database_url="sqlite://", me=demo.me[1:])

    ingest_demo(engines["mbox"], demo)
    result = sync_imap(
        engines["imap"],
        settings,
        ImapAccount(host=dovecot.host, port=dovecot.port, user=user, tls="none"),
    )

    def picture(engine):
        with engine.connect() as conn:
            rows = conn.execute(
                select(messages.c.content_hash, messages.c.is_sent, messages.c.parse_error)
            ).all()
            thread_count = conn.execute(select(func.count()).select_from(threads)).scalar()
        return {(r.content_hash, r.is_sent, r.parse_error) for r in rows}, thread_count

    mbox_rows, mbox_threads = picture(engines["mbox"])
    imap_rows, imap_threads = picture(engines["imap"])
    assert result.counts.read == len(raws) and result.stored == len(mbox_rows)
    assert imap_rows == mbox_rows
    assert imap_threads == mbox_threads
    assert sum(1 for _, sent, _ in imap_rows if sent) > 0
    for engine in engines.values():
        engine.dispose()

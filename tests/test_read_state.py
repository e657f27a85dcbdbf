"""Read state: what each source says about whether the user read a message,
stored on ``messages.is_read`` at import and kept current by IMAP sync."""

from __future__ import annotations

import mailbox as stdlib_mailbox

import pytest
from sqlalchemy import select
from tests.test_imap_server import (  # noqa: F401 (dovecot_fixture is the `dovecot` fixture)
    PASSWORD,
    dovecot_fixture,
    make_message,
)

from inboxmine.db.tables.ingest import messages
from inboxmine.sources.imap import ImapAccount, sync_imap
from inboxmine.sources.imap_flags import read_state_changes
from inboxmine.sources.importer import import_messages
from inboxmine.sources.maildir import read_maildir
from inboxmine.sources.mbox import read_mbox
from inboxmine.sources.read_state import (
    imap_seen,
    label_read_state,
    maildir_seen,
    read_state,
    status_read_state,
)

# ------------------------------------------------------------------ pure rules


def test_imap_seen_flag_means_read_and_missing_flags_mean_unknown():
    assert imap_seen((b"\\Seen", b"\\Answered")) is True
    assert imap_seen((b"\\Flagged",)) is False
    assert imap_seen(()) is False
    assert imap_seen(None) is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("cur/1700000000.M1P2.host:2,S", True),
        ("cur/1700000000.M1P2.host:2,RS", True),
        ("cur/1700000000.M1P2.host:2,F", False),
        ("new/1700000000.M1P2.host", False),
        (".Archive/cur/1700000000.host!2,FS", True),
        ("cur/1700000000.host", None),
    ],
)
def test_maildir_file_names_say_seen_with_their_s_flag(name, expected):
    assert maildir_seen(name) is expected


def test_gmail_labels_unread_and_takeout_labels():
    assert label_read_state(["INBOX", "UNREAD"], "gmail") is False
    assert label_read_state(["INBOX"], "gmail") is True
    assert label_read_state(["Inbox", "Unread"], "mbox") is False
    assert label_read_state(["Inbox", "Opened"], "mbox") is True
    assert label_read_state(["Inbox"], "mbox") is None
    assert label_read_state(None, "gmail") is None


def test_status_headers_r_means_read():
    assert status_read_state({"status": ["RO"]}) is True
    assert status_read_state({"status": ["O"]}) is False
    assert status_read_state({"x-status": ["R"]}) is True
    # X-Status alone with other flags says nothing about reading.
    assert status_read_state({"x-status": ["A"]}) is None
    assert status_read_state({"subject": ["hi"]}) is None


def test_the_source_wins_over_labels_and_headers():
    headers = {"status": ["RO"]}
    assert read_state("imap", given=False, headers=headers) is False
    assert read_state("mbox", labels=["Unread"], headers=headers) is False
    assert read_state("mbox", headers=headers) is True
    assert read_state("eml") is None


def test_imap_flag_changes_only_for_messages_whose_seen_flag_moved():
    stored = {1: (10, False), 2: (11, True), 3: (12, None), 4: (13, True)}
    fetched = {
        1: {b"FLAGS": (b"\\Seen",)},
        2: {b"FLAGS": (b"\\Seen",)},
        3: {b"FLAGS": ()},
    }  # UID 4 expunged on the server: left alone
    assert read_state_changes(stored, fetched) == [
        {"row_id": 10, "is_read": True},
        {"row_id": 12, "is_read": False},
    ]


# ------------------------------------------------------------- file sources


def _read_states(engine) -> dict[str, bool | None]:
    with engine.connect() as conn:
        return {
            r.subject: r.is_read
            for r in conn.execute(select(messages.c.subject, messages.c.is_read))
        }


def test_mbox_status_headers_are_stored_as_read_state(engine, tmp_path):
    path = tmp_path / "inbox.mbox"
    box = stdlib_mailbox.mbox(str(path))
    for subject, status in (("read one", "RO"), ("unread one", "O"), ("no status", None)):
        raw = make_message(subject)
        if status:
            raw = f"Status: {status}\n".encode() + raw
        box.add(raw)
    box.flush()
    import_messages(engine, read_mbox(path), source_kind="mbox", path=str(path), my_addresses=set())
    assert _read_states(engine) == {"read one": True, "unread one": False, "no status": None}


def test_maildir_flags_are_stored_as_read_state(engine, tmp_path):
    root = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True)
    (root / "cur" / "1.host:2,S").write_bytes(make_message("seen"))
    (root / "cur" / "2.host:2,").write_bytes(make_message("not seen"))
    (root / "new" / "3.host").write_bytes(make_message("just arrived"))
    import_messages(
        engine, read_maildir(root), source_kind="maildir", path=str(root), my_addresses=set()
    )
    assert _read_states(engine) == {"seen": True, "not seen": False, "just arrived": False}


# ------------------------------------------------------------- IMAP (dovecot)


@pytest.fixture
def mailbox(dovecot, settings, monkeypatch):
    monkeypatch.setenv("INBOXMINE_IMAP_PASSWORD", PASSWORD)
    return dovecot.new_user()


def _set_seen(dovecot, user: str, subject: str) -> None:
    client = dovecot.client(user)
    try:
        client.select_folder("INBOX")
        uids = client.search(["SUBJECT", subject])
        client.add_flags(uids, [b"\\Seen"])
    finally:
        client.logout()


def test_imap_sync_stores_seen_and_picks_up_messages_read_later(dovecot, mailbox, engine, settings):
    account = ImapAccount(host=dovecot.host, port=dovecot.port, user=mailbox, tls="none")
    dovecot.append(mailbox, "INBOX", make_message("opened"), make_message("ignored"))
    _set_seen(dovecot, mailbox, "opened")

    sync_imap(engine, settings, account)
    assert _read_states(engine) == {"opened": True, "ignored": False}
    # Fetching used BODY.PEEK: importing did not mark the other one read.
    client = dovecot.client(mailbox)
    try:
        client.select_folder("INBOX", readonly=True)
        flags = client.get_flags(client.search(["SUBJECT", "ignored"]))
    finally:
        client.logout()
    assert all(b"\\Seen" not in f for f in flags.values())

    _set_seen(dovecot, mailbox, "ignored")  # the user reads it in their mail client
    result = sync_imap(engine, settings, account)
    assert result.stored == 0
    assert _read_states(engine) == {"opened": True, "ignored": True}
    assert any("read state of 1 stored messages" in d for d in result.details)


# ------------------------------------------------------------- Gmail API


def test_gmail_sync_stores_unread_and_follows_the_user_reading_it(engine, settings):
    pytest.importorskip("googleapiclient")
    from tests.test_gmail import IDS, Recorded, batch, full_sync_calls, message, ok, rows, sync

    sync(engine, settings, Recorded(full_sync_calls()))
    stored = rows(engine)
    assert stored[IDS[2]].is_read is False  # labelled UNREAD
    assert stored[IDS[0]].is_read is True  # no UNREAD label
    # The history says the user opened it (UNREAD removed); the new one is unread.
    recorded = Recorded(
        [
            ok("profile.json"),
            ok("labels.json"),
            ok("history-changes.json"),
            batch(message(IDS[3])),
        ]
    )
    sync(engine, settings, recorded)
    stored = rows(engine)
    assert stored[IDS[2]].is_read is True
    assert stored[IDS[3]].is_read is False


# ------------------------------------------------------------- migration


def test_upgrading_reads_the_read_state_of_stored_gmail_and_takeout_labels(engine):
    from alembic import command
    from alembic.script import ScriptDirectory
    from tests.helpers import insert_message

    from inboxmine.db.migrate import alembic_config, upgrade

    before = ScriptDirectory.from_config(alembic_config()).get_revision("0015_habits").down_revision
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), before)
    try:
        cases = [
            ("gmail", ["INBOX", "UNREAD"], False),
            ("gmail", ["INBOX"], True),
            ("mbox", ["Inbox", "Unread"], False),
            ("mbox", ["Archived", "Opened"], True),
            ("eml", None, None),
        ]
        # Downgraded below the search index too: no index rows for these.
        ids = [
            insert_message(engine, source_kind=kind, labels=labels, search_index=False)
            for kind, labels, _ in cases
        ]
    finally:
        upgrade(engine)
    with engine.connect() as conn:
        found = {r.id: r.is_read for r in conn.execute(select(messages.c.id, messages.c.is_read))}
    assert [found[i] for i in ids] == [expected for *_, expected in cases]

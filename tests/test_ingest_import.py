"""Imports end to end: stored rows, dedupe, hostile files, the ledger, the CLI."""

import json
import os
import zlib
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from inboxmine.cli.main import app
from inboxmine.db.tables.ingest import attachments, messages, threads
from inboxmine.db.tables.ledger import item_errors, pipeline_runs
from inboxmine.sources.eml import read_eml
from inboxmine.sources.importer import import_messages
from inboxmine.sources.maildir import read_maildir
from inboxmine.sources.mbox import read_mbox

ME = {"me@example.com"}


def message(
    mid,
    sender="ann@vendor.com",
    to="me@example.com",
    subject="Hello",
    date="Tue, 3 Mar 2026 10:00:00 +0000",
    body="Hi there",
    extra="",
):
    mid_line = f"Message-ID: <{mid}>\n" if mid else ""
    return f"{mid_line}From: {sender}\nTo: {to}\nSubject: {subject}\nDate: {date}\n{extra}\n{body}\n".encode()


def mbox_of(*raws: bytes) -> bytes:
    out = b""
    for raw in raws:
        quoted = b"".join(
            b">" + line if line.lstrip(b">").startswith(b"From ") else line
            for line in raw.splitlines(keepends=True)
        )
        out += b"From sender@x Tue Mar 03 18:22:14 +0000 2026\n" + quoted + b"\n"
    return out


def rows(engine, table, *order):
    with engine.connect() as conn:
        return [
            dict(r)
            for r in conn.execute(select(table).order_by(*(order or [table.c.id]))).mappings()
        ]


def ingest(engine, source, kind="mbox", path="test", me=ME, limit=None):
    return import_messages(
        engine, source, source_kind=kind, path=path, my_addresses=me, limit=limit
    )


def test_takeout_mbox_import_stores_messages_threads_and_one_ledger_run(engine, tmp_path):
    first = message(
        "1@v",
        subject="Offer",
        body="Could you review it?\nFrom now on we ship weekly.",
        extra="X-GM-THRID: 1790\nX-Gmail-Labels: Inbox,Important\n",
    )
    second = message(
        "2@m",
        sender="Me <me@example.com>",
        to="ann@vendor.com",
        subject="Re: Offer",
        date="Tue, 3 Mar 2026 12:00:00 +0000",
        body="Looks good.",
        extra="X-GM-THRID: 1790\nX-Gmail-Labels: Sent\nIn-Reply-To: <1@v>\n",
    )
    path = tmp_path / "takeout.mbox"
    path.write_bytes(mbox_of(first, second))
    summary = ingest(engine, read_mbox(path), path=str(path))
    assert (summary.read, summary.stored, summary.duplicates, summary.unparseable) == (2, 2, 0, 0)

    stored = rows(engine, messages)
    assert [m["message_id"] for m in stored] == ["1@v", "2@m"]
    assert stored[0]["body_text"] == "Could you review it?\nFrom now on we ship weekly.\n"
    assert zlib.decompress(stored[0]["raw_compressed"]) == first
    assert stored[0]["labels"] == ["Inbox", "Important"] and stored[0]["gmail_thread_id"] == format(
        1790, "x"
    )
    assert stored[0]["source_kind"] == "mbox" and stored[0]["source_ref"] == str(path)
    assert stored[0]["source_position"] == "0"
    assert [m["is_sent"] for m in stored] == [False, True]
    assert stored[0]["sent_at"] == datetime(2026, 3, 3, 10, 0, tzinfo=UTC)

    (thread,) = rows(engine, threads)
    assert thread["thread_key"] == format(1790, "x") and thread["message_count"] == 2
    assert {m["thread_id"] for m in stored} == {thread["id"]}

    (run,) = rows(engine, pipeline_runs)
    assert run["stage"] == "ingest" and run["status"] == "completed"
    assert run["triggered_by"] == "cli" and run["items_processed"] == 2 and run["items_failed"] == 0
    assert run["parameters"] == {"source_kind": "mbox", "path": str(path)}


def test_reimporting_stores_nothing_new_and_crlf_copies_are_duplicates(engine, tmp_path):
    raw = message("1@v")
    no_id = message(None, subject="no id")
    path = tmp_path / "a.mbox"
    path.write_bytes(mbox_of(raw, no_id))
    assert ingest(engine, read_mbox(path)).stored == 2
    again = ingest(engine, read_mbox(path))
    assert (again.read, again.stored, again.duplicates) == (2, 0, 2)
    crlf = tmp_path / "crlf"
    crlf.mkdir()
    (crlf / "a.eml").write_bytes(no_id.replace(b"\n", b"\r\n"))  # dedupes by content hash
    (crlf / "b.eml").write_bytes(message("1@v", body="different bytes, same Message-ID"))
    (crlf / "c.eml").write_bytes(message("1@v", body="twice in one batch"))
    third = ingest(engine, read_eml(crlf), kind="eml")
    assert (third.stored, third.duplicates) == (0, 3)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(messages)).scalar() == 2
    assert [r["status"] for r in rows(engine, pipeline_runs)] == ["completed"] * 3


def deep_nesting(depth):
    parts = [b'From: a@b.com\nContent-Type: multipart/mixed; boundary="b0"\n\n']
    parts += [
        b'--b%d\nContent-Type: multipart/mixed; boundary="b%d"\n\n' % (i - 1, i)
        for i in range(1, depth)
    ]
    return b"".join(parts)


def test_hostile_files_are_stored_with_a_reason_and_never_abort_the_import(engine, tmp_path):
    root = tmp_path / "eml"
    root.mkdir()
    files = {
        "bad_charset.eml": b"From: a@b.com\nContent-Type: text/plain; charset=x-klingon\n\nQ\xe9\xc3\n",
        "broken_mime.eml": b"From: a@b.com\nContent-Type: multipart/mixed; boundary=zz\n\n--zz\nContent-Type: text/plain\n\npart one\n--yy\n",
        "missing_date.eml": b"From: a@b.com\nSubject: when?\n\nbody\n",
        "garbage.eml": bytes(range(256)) * 100,
        "photo.eml": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00\xff" * 500,
        "truncated.eml": message(
            "t@v",
            extra='Content-Type: multipart/mixed; boundary="q"\n',
            body="--q\nContent-Type: text/plain\n\nhal",
        ),
        "huge_header.eml": b"From: a@b.com\nX-Junk: " + b"y" * 1_000_000 + b"\n\nbody\n",
        "deep.eml": deep_nesting(100_000),
        "empty.eml": b"",
        "fine.eml": message("ok@v"),
    }
    for name, data in files.items():
        (root / name).write_bytes(data)
    os.mkfifo(root / "pipe.eml")  # not a file: reported, not stored
    summary = ingest(engine, read_eml(root), kind="eml", path=str(root))
    assert summary.read == 11
    assert summary.stored == 10 and summary.unreadable == 1
    stored = {m["source_position"]: m for m in rows(engine, messages)}
    assert "no headers found" in stored["garbage.eml"]["parse_error"]
    assert "no headers found" in stored["photo.eml"]["parse_error"]
    assert "no headers found" in stored["empty.eml"]["parse_error"]
    assert "nested too deep" in stored["deep.eml"]["parse_error"]
    assert "was cut" in stored["huge_header.eml"]["parse_error"]
    assert len(json.dumps(stored["huge_header.eml"]["headers"])) < 300_000
    assert "no Date header" in stored["missing_date.eml"]["parse_error"]
    assert stored["missing_date.eml"]["sent_at_source"] == "import"
    assert "boundary" in stored["truncated.eml"]["parse_error"]
    assert stored["bad_charset.eml"]["body_text"]
    assert stored["fine.eml"]["parse_error"] is None
    (run,) = rows(engine, pipeline_runs)
    assert run["status"] == "completed" and run["items_processed"] == 11
    assert run["items_failed"] == summary.unparseable + 1 == 4  # garbage, photo, empty + pipe
    # Unparseable messages are not lumped into one thread.
    garbage_threads = {stored[n]["thread_id"] for n in ("garbage.eml", "photo.eml", "empty.eml")}
    assert len(garbage_threads) == 3
    reasons = {e["item_id"].rsplit("#", 1)[1]: e["error"] for e in rows(engine, item_errors)}
    assert "not a regular file" in reasons["pipe.eml"]
    assert "no headers found" in reasons["photo.eml"]


def test_maildir_sent_folder_marks_messages_sent_and_keeps_attachments(engine, tmp_path):
    root = tmp_path / "Maildir"
    for folder, sub, name, data in [
        (
            "",
            "cur",
            "1:2,S",
            message(
                "in@v",
                extra='Content-Type: multipart/mixed; boundary="b"\n',
                body='--b\nContent-Type: text/plain\n\nsee attached\n--b\nContent-Type: application/pdf\nContent-Disposition: attachment; filename="q.pdf"\n\n%PDF\n--b--',
            ),
        ),
        ("", "new", "2", message("new@v")),
        (
            ".Sent",
            "cur",
            "3:2,S",
            message("out@m", sender="alias@old-job.com", to="ann@vendor.com"),
        ),
    ]:
        (root / folder / sub).mkdir(parents=True, exist_ok=True)
        (root / folder / sub / name).write_bytes(data)
    (root / "tmp").mkdir()
    (root / "tmp" / "partial").write_bytes(message("partial@v"))
    summary = ingest(engine, read_maildir(root), kind="maildir", path=str(root))
    assert summary.stored == 3
    stored = {m["message_id"]: m for m in rows(engine, messages)}
    assert stored["out@m"]["is_sent"] is True and stored["in@v"]["is_sent"] is False
    (pdf,) = rows(engine, attachments)
    assert (pdf["message_id"], pdf["filename"], pdf["mime_type"]) == (
        stored["in@v"]["id"],
        "q.pdf",
        "application/pdf",
    )


def test_limit_stops_reading(engine, tmp_path):
    path = tmp_path / "many.mbox"
    path.write_bytes(mbox_of(*(message(f"{i}@v") for i in range(10))))
    summary = ingest(engine, read_mbox(path), limit=4)
    assert summary.read == 4 and summary.stored == 4


def test_messages_sort_by_real_time_across_time_zones(engine):
    # 10:30 in California is 18:30 UTC: earlier than 19:00 in London,
    # though "later" by the wall-clock figures.
    pacific = message("p@v", date="Tue, 3 Mar 2026 10:30:00 -0800 (PST)")
    london = message("l@v", date="Tue, 3 Mar 2026 19:00:00 +0000")
    tokyo = message("t@v", date="Wed, 4 Mar 2026 03:45:00 +0900")  # 18:45 UTC on the 3rd
    from inboxmine.sources.base import RawMessage

    ingest(
        engine,
        [RawMessage(r, "eml", "t", str(i)) for i, r in enumerate([london, pacific, tokyo])],
        kind="eml",
    )
    with engine.connect() as conn:
        ordered = conn.execute(
            select(messages.c.message_id, messages.c.date_raw).order_by(messages.c.sent_at)
        ).all()
    assert [m for m, _ in ordered] == ["p@v", "t@v", "l@v"]
    assert ordered[0][1] == "Tue, 3 Mar 2026 10:30:00 -0800 (PST)"


def test_cli_ingest_mbox_end_to_end(settings, tmp_path):
    path = tmp_path / "box.mbox"
    path.write_bytes(
        mbox_of(message("1@v"), message("2@m", sender="alias@me.org", to="ann@vendor.com"))
    )
    runner = CliRunner()
    args = [
        "--db",
        settings.database_url,
        "ingest",
        "mbox",
        str(path),
        "--me",
        "alias@me.org",
        "--json",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert (summary["read"], summary["stored"], summary["duplicates"]) == (2, 2, 0)
    again = runner.invoke(app, args[:-1])
    assert again.exit_code == 0, again.output
    assert "read 2, stored 0, duplicates skipped 2, unparseable 0" in " ".join(again.stdout.split())
    from inboxmine.db.engine import make_engine

    engine = make_engine(settings.database_url)
    try:
        sent = {m["message_id"]: m["is_sent"] for m in rows(engine, messages)}
        assert sent == {"1@v": False, "2@m": True}
        runs = rows(engine, pipeline_runs)
        assert [
            (r["stage"], r["status"], r["triggered_by"], r["items_processed"]) for r in runs
        ] == [("ingest", "completed", "cli", 2)] * 2
    finally:
        engine.dispose()


def test_cli_reports_a_missing_path_in_one_line(settings, tmp_path):
    result = CliRunner().invoke(
        app, ["--db", settings.database_url, "ingest", "maildir", str(tmp_path / "nope")]
    )
    assert result.exit_code == 1
    assert "does not exist" in result.output


def test_nul_bytes_in_attachment_names_and_types_do_not_fail_the_import(engine, tmp_path):
    # PostgreSQL refuses NUL in text: one "winmail\0.dat" used to abort the whole import.
    raw = (
        b'From: a@b.com\nSubject: po\nContent-Type: multipart/mixed; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain\n\nsee attached\n"
        b'--b\nContent-Type: application/ms-tnef; name="winmail\x00.dat"\n'
        b'Content-Disposition: attachment; filename="winmail\x00.dat"\nContent-ID: <c\x00id>\n\nTNEF\n'
        b"--b\nContent-Type: me\x00ssage/rfc822\n\nFrom: x@y.com\n\nhi\n--b--\n"
    )
    (tmp_path / "nul.eml").write_bytes(raw)
    summary = ingest(engine, read_eml(tmp_path / "nul.eml"), kind="eml", path=str(tmp_path))
    assert (summary.read, summary.stored) == (1, 1)
    stored = {(a["filename"], a["mime_type"], a["content_id"]) for a in rows(engine, attachments)}
    assert ("winmail.dat", "application/ms-tnef", "cid") in stored
    assert any(mime == "message/rfc822" for _, mime, _ in stored)


@pytest.mark.parametrize("refused_at", ["message row", "search index"])
def test_a_message_the_database_refuses_costs_only_itself(
    engine, tmp_path, monkeypatch, refused_at
):
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError

    from inboxmine.db.tables.ledger import item_errors
    from inboxmine.sources import store as store_module
    from inboxmine.sources.eml import read_eml
    from inboxmine.sources.importer import import_messages

    for i in range(5):
        subject = "poison" if i == 2 else f"fine {i}"
        (tmp_path / f"{i}.eml").write_bytes(
            f"From: a{i}@example.com\nSubject: {subject}\nMessage-ID: <{i}@x>\n\nbody {i}\n".encode()
        )
    real_row, real_index = store_module._message_row, store_module.index_documents

    def refusing_row(item, ingested_at):
        row = real_row(item, ingested_at)
        if row["subject"] == "poison":
            row["source_kind"] = None  # NOT NULL: every database refuses it
        return row

    def refusing_index(conn, documents):
        # Refused after the batch's rows went in: their ids must not count as new.
        if any(document.subject == "poison" for document in documents):
            raise IntegrityError("INSERT INTO search", {}, Exception("refused by the index"))
        real_index(conn, documents)

    if refused_at == "message row":
        monkeypatch.setattr(store_module, "_message_row", refusing_row)
    else:
        monkeypatch.setattr(store_module, "index_documents", refusing_index)
    summary = import_messages(
        engine, read_eml(tmp_path), source_kind="eml", path=str(tmp_path), my_addresses=set()
    )
    assert summary.counts.stored == 4 and summary.counts.refused == 1
    with engine.connect() as conn:
        subjects = sorted(conn.execute(select(messages.c.subject)).scalars())
        stored_ids = sorted(conn.execute(select(messages.c.id)).scalars())
        [error] = conn.execute(select(item_errors.c.item_id, item_errors.c.error)).all()
    assert subjects == ["fine 0", "fine 1", "fine 3", "fine 4"]
    assert "2.eml" in error.item_id and "the database refused this message" in error.error
    # Only what was committed is new: the rolled-back batch's ids are not kept.
    assert sorted(summary.counts.new_ids) == stored_ids


def test_a_reused_message_id_from_another_sender_is_not_a_duplicate(engine, tmp_path):
    from sqlalchemy import select

    from inboxmine.sources.eml import read_eml
    from inboxmine.sources.importer import import_messages

    def write(name, sender, body):
        (tmp_path / name).write_bytes(
            f"From: {sender}\nSubject: offer\nMessage-ID: <kit-0001@mailer>\n\n{body}\n".encode()
        )

    write("a.eml", "win@spam-one.example", "first campaign")
    write("b.eml", "prize@spam-two.example", "second campaign")  # same kit, same ID
    write("c.eml", "win@spam-one.example", "first campaign, resent")  # same sender: a copy
    summary = import_messages(
        engine, read_eml(tmp_path), source_kind="eml", path=str(tmp_path), my_addresses=set()
    )
    assert (summary.counts.stored, summary.counts.duplicates) == (2, 1)
    with engine.connect() as conn:
        senders = sorted(conn.execute(select(messages.c.from_address)).scalars())
    assert senders == ["prize@spam-two.example", "win@spam-one.example"]

"""Folders of message files without the .eml name: MH trees and sniffed files.

The trees are built at test time from real mail (the SpamAssassin ham
corpus, read where it lies) and a few files that are not mail.
"""

import json
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from inboxmine.cli.main import app
from inboxmine.db.tables.ingest import messages
from inboxmine.db.tables.ledger import pipeline_runs
from inboxmine.sources.files import SkipLog
from inboxmine.sources.importer import import_messages
from inboxmine.sources.mh import is_mh_tree, mh_files, read_mh
from inboxmine.sources.sniff import sniff_message

CORPUS = (
    Path(__file__).resolve().parents[2] / "shared" / "corpora" / "spamassassin_ham" / "easy_ham"
)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"


def ham(count: int) -> list[bytes]:
    """The first ``count`` real ham messages, each with a distinct Message-ID."""
    if not CORPUS.is_dir():
        pytest.skip(f"the SpamAssassin ham corpus is not at {CORPUS}")
    found, seen = [], set()
    for path in sorted(CORPUS.iterdir()):
        raw = path.read_bytes()
        mid = message_from_bytes(raw, policy=default).get("Message-ID")
        if mid and mid not in seen:
            seen.add(mid)
            found.append(raw)
        if len(found) == count:
            return found
    pytest.skip("the ham corpus holds too few messages")


def not_mail(folder: Path) -> None:
    (folder / "picture.png").write_bytes(PNG)
    (folder / "note.txt").write_text("shopping list\n- eggs\n- coffee\n")
    (folder / "empty").write_bytes(b"")
    (folder / "blob.bin").write_bytes(bytes(range(256)) * 40)


def mh_tree(root: Path, mail: list[bytes]) -> Path:
    """A user's MH tree as the business-mail corpora lay it out: numbered files
    (some with a trailing dot), a sent_items folder, a nested folder."""
    user = root / "ada"
    for folder in ("inbox", "sent_items", "archive/2002"):
        (user / folder).mkdir(parents=True)
    for number, raw in enumerate(mail[:5], start=1):
        (user / "inbox" / f"{number}.").write_bytes(raw)
    (user / "inbox" / ".mh_sequences").write_text("cur: 3\nunseen: 4-5\n")
    (user / "sent_items" / "1").write_bytes(mail[5])
    (user / "sent_items" / "2").write_bytes(mail[6])
    (user / "archive" / "2002" / "10").write_bytes(mail[7])
    (user / "inbox" / "6").write_bytes(PNG)  # numbered, but not mail
    (user / "inbox" / "7").write_bytes(b"")
    (user / "inbox" / ",4").write_bytes(mail[3])  # removed in MH
    not_mail(user)
    return user


def stored(engine):
    with engine.connect() as conn:
        return {
            row.source_position: row
            for row in conn.execute(
                select(
                    messages.c.source_position,
                    messages.c.source_kind,
                    messages.c.labels,
                    messages.c.is_sent,
                    messages.c.subject,
                    messages.c.thread_id,
                )
            )
        }


def test_sniffer_knows_mail_from_other_files():
    (real,) = ham(1)
    # The corpus files start with an mbox "From " line; the bare message too is mail.
    assert real.startswith(b"From ") and sniff_message(real).is_message
    bare = real.split(b"\n", 1)[1]
    assert sniff_message(bare).is_message
    assert sniff_message(b"\xef\xbb\xbf\r\n\r\n" + bare).is_message  # BOM, blank lines
    assert sniff_message(b"Received: from a by b; Tue, 3 Mar 2026\nX-A: b\n\nhi").is_message
    assert sniff_message(b"X-Spam: yes\n" + b"X-Pad: y\n" * 10 + b"Subject: hi\n\nb").is_message
    png = sniff_message(PNG)
    assert (png.is_message, png.kind, png.reason) == (
        False,
        "not mail",
        "a PNG image, not an email",
    )
    assert sniff_message(b"").kind == "empty" and sniff_message(b"\n \n").kind == "empty"
    assert not sniff_message(b"shopping list\n- eggs\n").is_message
    assert not sniff_message(b"Note: a header-shaped line\nTodo: more\n\nbody").is_message
    assert not sniff_message(bytes(range(256)) * 40).is_message
    assert "NUL" in sniff_message(b"X-Id: a\x00b\nFrom: a@b.com\n\nhi").reason


def test_an_mbox_file_is_not_taken_for_one_message():
    first, second = ham(2)
    both = first + b"\n" + second
    verdict = sniff_message(both)
    assert (verdict.is_message, verdict.kind) == (False, "mbox")
    assert "inboxmine ingest mbox" in verdict.reason


def test_sniffer_reads_only_the_first_kb():
    (real,) = ham(1)
    # A header block pushed past the sniffed bytes is not looked for.
    assert not sniff_message(b"X-Pad: y\n" * 2000 + real).is_message
    assert sniff_message(real + b"\x00" * 1_000_000).is_message


def test_mh_tree_is_recognised_and_listed_in_number_order(tmp_path):
    user = mh_tree(tmp_path / "mail", ham(8))
    assert is_mh_tree(user) and is_mh_tree(tmp_path / "mail")
    maildir = tmp_path / "maildir"
    (maildir / "cur").mkdir(parents=True)
    (maildir / "cur" / "1").write_bytes(b"From: a@b\n\nx")
    assert not is_mh_tree(maildir)
    skipped = SkipLog()
    files = mh_files(user, skipped)
    positions = [path.relative_to(user).as_posix() for path, _ in files]
    assert positions[:3] == ["archive/2002/10", "inbox/1.", "inbox/2."]
    assert "inbox/6" in positions and ".mh_sequences" not in " ".join(positions)
    reasons = {item.position: item.kind for item in skipped.files}
    assert reasons["inbox/,4"] == "removed"
    assert reasons["note.txt"] == "not a message file"


def test_mh_import_keeps_folders_as_labels_marks_sent_and_names_skips(engine, tmp_path):
    mail = ham(8)
    user = mh_tree(tmp_path / "mail", mail)
    skipped = SkipLog()
    summary = import_messages(
        engine,
        read_mh(user, skipped=skipped),
        source_kind="mh",
        path=str(user),
        my_addresses=set(),
        skipped=skipped,
    )
    assert (summary.read, summary.stored, summary.duplicates) == (8, 8, 0)
    rows = stored(engine)
    assert {r.source_kind for r in rows.values()} == {"mh"}
    assert rows["inbox/1."].labels == ["inbox"]
    assert rows["archive/2002/10"].labels == ["archive.2002"]
    # sent_items holds the user's own mail, whoever its From names.
    assert {p for p, r in rows.items() if r.is_sent} == {"sent_items/1", "sent_items/2"}
    assert all(r.thread_id for r in rows.values())
    kinds = {item.position: (item.kind, item.reason) for item in summary.skipped.files}
    assert kinds["inbox/6"] == ("not mail", "a PNG image, not an email")
    assert kinds["inbox/7"][0] == "empty"
    assert kinds["picture.png"][0] == "not a message file"
    with engine.connect() as conn:
        params = conn.execute(
            select(pipeline_runs.c.parameters).where(pipeline_runs.c.id == summary.run_id)
        ).scalar_one()
    assert params["skipped"] == summary.skipped.by_kind()
    assert params["skipped"]["not mail"] == 1 and params["skipped"]["removed"] == 1

    again = import_messages(
        engine, read_mh(user), source_kind="mh", path=str(user), my_addresses=set()
    )
    assert (again.stored, again.duplicates) == (0, 8)
    assert len(stored(engine)) == 8


def cli(settings, *args):
    result = CliRunner().invoke(app, ["--db", settings.database_url, *args])
    return result


def test_ingest_eml_reads_extensionless_files_and_says_what_it_skipped(settings, tmp_path):
    mail = ham(6)
    root = tmp_path / "export"
    (root / "2002" / "q3").mkdir(parents=True)
    (root / "a.eml").write_bytes(mail[0])
    (root / "1").write_bytes(mail[1])
    (root / "message.txt").write_bytes(mail[2])
    (root / "2002" / "q3" / "17.").write_bytes(mail[3])
    (root / "2002" / "q3" / "no_name").write_bytes(mail[4])
    not_mail(root / "2002")
    (root / "archive.mbox").write_bytes(mail[5])
    result = cli(settings, "ingest", "eml", str(root), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert (summary["read"], summary["stored"]) == (5, 5)
    assert summary["skipped"] == {"not mail": 3, "empty": 1, "mbox": 1}
    reasons = {item["path"]: item["reason"] for item in summary["skipped_files"]}
    assert set(reasons) == {
        "archive.mbox",
        "2002/picture.png",
        "2002/note.txt",
        "2002/empty",
        "2002/blob.bin",
    }
    assert "PNG" in reasons["2002/picture.png"]

    text = cli(settings, "ingest", "eml", str(root))
    assert text.exit_code == 0, text.output
    flat = " ".join(text.stdout.split())
    assert "stored 0, duplicates skipped 5" in flat
    assert "files skipped 5 (1 mbox, 3 not mail, 1 empty)" in flat
    assert "skipped 2002/note.txt: not mail" in flat


def test_ingest_eml_on_a_folder_without_mail_fails_with_what_it_found(settings, tmp_path):
    root = tmp_path / "pictures"
    root.mkdir()
    not_mail(root)
    result = cli(settings, "ingest", "eml", str(root))
    assert result.exit_code == 1
    assert "holds no email: 4 files looked at (3 not mail, 1 empty)" in " ".join(
        result.stderr.split()
    )


def test_ingest_maildir_on_an_mh_tree_says_so_and_reads_it(settings, tmp_path):
    user = mh_tree(tmp_path / "mail", ham(8))
    result = cli(settings, "ingest", "maildir", str(user), "--json")
    assert result.exit_code == 0, result.output
    # Rich may wrap a long path anywhere: compare without the whitespace.
    assert f"inboxmineingestmh{user}" in "".join(result.stderr.split())
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert (summary["stored"], summary["skipped"]["empty"]) == (8, 1)
    again = cli(settings, "ingest", "mh", str(tmp_path / "mail"), "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout.strip().splitlines()[-1])["duplicates"] == 8
    from inboxmine.db.engine import make_engine

    engine = make_engine(settings.database_url)
    try:
        rows = stored(engine)
    finally:
        engine.dispose()
    assert sum(r.is_sent for r in rows.values()) == 2
    with make_engine(settings.database_url).connect() as conn:
        runs = conn.execute(select(pipeline_runs.c.stage, pipeline_runs.c.status)).all()
    assert runs == [("ingest", "completed"), ("ingest", "completed")]


def test_ingest_mh_refuses_a_folder_without_numbered_files(settings, tmp_path):
    root = tmp_path / "flat"
    root.mkdir()
    (root / "a.eml").write_bytes(b"From: a@b.com\n\nhi\n")
    result = cli(settings, "ingest", "mh", str(root))
    assert result.exit_code == 1
    assert f"inboxmine ingest eml {root}" in " ".join(result.stderr.split())

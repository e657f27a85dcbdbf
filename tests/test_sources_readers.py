"""mbox, Maildir and .eml readers: every message found, every file accounted for."""

import io
import os
import random
import re

import pytest

from inboxmine.sources.base import is_sent_folder
from inboxmine.sources.eml import read_eml
from inboxmine.sources.maildir import read_maildir
from inboxmine.sources.mbox import read_mbox

TAKEOUT = (
    b"From 1790000000000000001@xxx Tue Mar 03 18:22:14 +0000 2026\n"
    b"X-GM-THRID: 1790000000000000001\n"
    b"X-Gmail-Labels: Inbox,Important\n"
    b"From: a@x.com\nSubject: one\n\n"
    b"first body\n"
    b">From the archive: quoted by the writer\n"
    b">>From deeper quoting\n"
    b"From what I heard, unquoted body line without a time\n"
    b"\n"
    b"From 1790000000000000002@xxx Tue Mar 03 19:00:00 +0000 2026\n"
    b"X-Gmail-Labels: Sent\n"
    b"From: me@example.com\nSubject: two\n\n"
    b"second body"  # no final newline
)


def test_takeout_mbox_splits_messages_and_unquotes_from_lines(tmp_path):
    path = tmp_path / "takeout.mbox"
    path.write_bytes(TAKEOUT)
    first, second = list(read_mbox(path))
    assert first.raw.endswith(
        b"first body\nFrom the archive: quoted by the writer\n>From deeper quoting\n"
        b"From what I heard, unquoted body line without a time\n"
    )
    assert first.raw.startswith(b"X-GM-THRID")
    assert second.raw.endswith(b"second body")
    assert first.position == "0"
    assert int(second.position) == TAKEOUT.index(b"From 1790000000000000002")
    assert second.progress == len(TAKEOUT)
    assert {first.source_kind, second.source_kind} == {"mbox"}


def test_crlf_mbox_gives_the_same_messages(tmp_path):
    path = tmp_path / "crlf.mbox"
    path.write_bytes(TAKEOUT.replace(b"\n", b"\r\n"))
    first, second = list(read_mbox(path))
    assert first.raw.endswith(b"without a time\r\n")
    assert b"\r\nFrom the archive" in first.raw
    assert second.raw.endswith(b"second body")


def test_mbox_reader_is_a_stream(tmp_path):
    path = tmp_path / "big.mbox"
    with path.open("wb") as handle:
        for i in range(2000):
            handle.write(
                b"From x@y Tue Mar 03 18:22:14 2026\nFrom: a@b.com\nSubject: %d\n\nbody\n\n" % i
            )
    messages = read_mbox(path)
    first = next(messages)  # a generator: nothing read ahead of need
    assert first.raw == b"From: a@b.com\nSubject: 0\n\nbody\n"
    assert sum(1 for _ in messages) == 1999


def test_unreadable_mbox_is_reported_not_raised(tmp_path):
    (missing,) = list(read_mbox(tmp_path / "nope.mbox"))
    assert missing.read_error and "nope.mbox" in missing.read_error


def write_maildir_message(folder, sub, name, body):
    (folder / sub).mkdir(parents=True, exist_ok=True)
    (folder / sub / name).write_bytes(body)


def test_maildir_reads_cur_and_new_of_every_folder_and_skips_tmp(tmp_path):
    root = tmp_path / "Mail"
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True)
    write_maildir_message(root, "cur", "1.host:2,S", b"From: a@x.com\n\nseen\n")
    write_maildir_message(root, "new", "2.host", b"From: a@x.com\n\nnew\n")
    write_maildir_message(root, "tmp", "3.host", b"From: a@x.com\n\nhalf delivered\n")
    write_maildir_message(root / ".Sent", "cur", "4.host:2,S", b"From: alias@x.com\n\nsent\n")
    write_maildir_message(root / "Archive" / "2020", "new", "5.host", b"From: b@x.com\n\nold\n")
    write_maildir_message(root, "cur", ".DS_Store", b"junk")
    found = {m.position: m for m in read_maildir(root)}
    assert set(found) == {
        "cur/1.host:2,S",
        "new/2.host",
        ".Sent/cur/4.host:2,S",
        "Archive/2020/new/5.host",
    }
    assert found[".Sent/cur/4.host:2,S"].folder == ".Sent"
    assert found[".Sent/cur/4.host:2,S"].labels == ["Sent"]
    assert found["cur/1.host:2,S"].folder is None
    assert found["Archive/2020/new/5.host"].folder == "Archive/2020"


@pytest.mark.parametrize(
    ("folder", "sent"),
    [
        (".Sent", True),
        ("INBOX.Sent Items", True),
        ("[Gmail]/Sent Mail", True),
        ("Gesendete Objekte", True),
        (".Sent.2020", True),
        ("Consent", False),
        ("Sent-Stuff", False),
        ("", False),
        (None, False),
    ],
)
def test_sent_folders_are_recognised_by_name(folder, sent):
    assert is_sent_folder(folder) is sent


def test_unreadable_files_are_accounted_for(tmp_path, monkeypatch):
    import inboxmine.sources.files as files

    root = tmp_path / "mail"
    root.mkdir()
    (root / "ok.eml").write_bytes(b"From: a@x.com\n\nhi\n")
    (root / "locked.eml").write_bytes(b"From: a@x.com\n\nsecret\n")

    def guarded_open(path, *args, **kwargs):  # chmod 0 does not stop root: simulate it
        if str(path).endswith("locked.eml"):
            raise PermissionError(13, "Permission denied", str(path))
        return open(path, *args, **kwargs)

    monkeypatch.setattr(files, "open", guarded_open, raising=False)
    found = {m.position: m for m in read_eml(root)}
    assert found["ok.eml"].read_error is None
    assert "permission denied" in found["locked.eml"].read_error
    assert found["locked.eml"].raw == b""


def test_eml_tree_is_read_recursively_and_non_files_are_reported(tmp_path):
    root = tmp_path / "export"
    (root / "2024" / "q1").mkdir(parents=True)
    (root / "a.eml").write_bytes(b"From: a@x.com\n\nhi\n")
    (root / "2024" / "q1" / "b.EML").write_bytes(b"From: b@x.com\n\nhi\n")
    (root / "notes.txt").write_bytes(b"not mail")
    os.mkfifo(root / "pipe.eml")
    (root / "dangling.eml").symlink_to(root / "gone.eml")
    found = {m.position: m for m in read_eml(root)}
    assert set(found) == {"a.eml", "2024/q1/b.EML", "pipe.eml", "dangling.eml"}
    assert "not a regular file" in found["pipe.eml"].read_error
    assert found["dangling.eml"].read_error
    assert found["2024/q1/b.EML"].raw == b"From: b@x.com\n\nhi\n"
    (single,) = list(read_eml(root / "a.eml"))
    assert single.position == "a.eml" and single.raw.startswith(b"From: a@x.com")


def _line_by_line(data: bytes) -> list[tuple[bytes, str, int]]:
    """The mbox rules, one line at a time: the oracle for the block splitter."""
    envelope = re.compile(rb"^From \S*.*\d:\d\d")
    found, lines, start, offset = [], [], 0, 0
    for index, line in enumerate(io.BytesIO(data)):  # lines end at \n only
        if line.startswith(b"From ") and (index == 0 or envelope.match(line)):
            if any(chunk.strip() for chunk in lines):
                found.append((lines, start, offset))
            lines, start = [], offset
        else:
            lines.append(line[1:] if re.match(rb">+From ", line) else line)
        offset += len(line)
    if any(chunk.strip() for chunk in lines):
        found.append((lines, start, offset))
    messages = []
    for lines, start, progress in found:
        if lines and lines[-1] in (b"\n", b"\r\n"):
            lines = lines[:-1]
        messages.append((b"".join(lines), str(start), progress))
    return messages


@pytest.mark.parametrize("seed", range(40))
def test_block_splitter_cuts_as_the_mbox_rules_say_whatever_the_block_size(tmp_path, seed):
    """Separators, unquoted "From" lines, >From quoting, CRLF, empty messages
    and a missing final newline, cut across every block boundary."""
    rng = random.Random(seed)
    pieces = [
        b"From a@b.example Mon Jan  1 10:00:00 2024\n",
        b"From - Tue Feb  2 11:22:33 2021\r\n",
        b"From nobody\n",  # not an envelope: no time of day
        b">From the start\n",
        b">>From deeper\r\n",
        b"Subject: x\n",
        b"\n",
        b"\r\n",
        b"body From here\n",
        b"From",
    ]
    data = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
    if rng.random() < 0.3:
        data = data.rstrip(b"\r\n")
    path = tmp_path / "mail.mbox"
    path.write_bytes(data)
    expected = _line_by_line(data)
    for block in (1, 2, 5, 7, 64, 1 << 22):
        got = [(m.raw, m.position, m.progress) for m in read_mbox(path, block=block)]
        assert got == expected, f"block {block}"

"""MH folder trees: every folder a directory of numbered message files.

``inbox/1``, ``inbox/2``, ``sent/17``, nested folders (``archive/2020/3``)
and ``.mh_sequences`` bookkeeping: the layout of MH/nmh and of the public
business-mail corpora (Enron's ``allen-p/sent_items/17.``, numbered with a
trailing dot). The folder path is the message's folder and label, and a
Sent folder (``sent``, ``sent_items``, ``Sent Items``, see
``sent_folders.yaml``) marks its mail as sent.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from inboxmine.sources.base import RawMessage
from inboxmine.sources.files import SkipLog, SkippedFile, read_if_message

#: A message file: a number, with the trailing dot some corpora add.
_NUMBERED = re.compile(r"\d+\.?")
#: MH marks a removed message by renaming it ``,17`` or ``#17``.
_REMOVED = re.compile(r"[,#]\d+\.?")
#: Folders that hold a Maildir's files, never MH messages.
_MAILDIR_BOXES = ("cur", "new", "tmp")


def is_message_name(name: str) -> bool:
    """True for an MH message file name (``17``, or ``17.`` as Enron's corpus)."""
    return _NUMBERED.fullmatch(name) is not None


def is_mh_tree(root: str | os.PathLike) -> bool:
    """True when ``root`` is laid out as MH: numbered files (or ``.mh_sequences``)
    in some folder, and no Maildir ``cur``/``new`` folder anywhere."""
    root = Path(root)
    numbered = False
    for _dirpath, dirnames, filenames in os.walk(root):
        if any(box in dirnames for box in ("cur", "new")):
            return False
        if ".mh_sequences" in filenames or any(is_message_name(n) for n in filenames):
            numbered = True
    return numbered


def _number(name: str) -> int:
    return int(name.rstrip("."))


def mh_files(root: str | os.PathLike, skipped: SkipLog | None = None) -> list[tuple[Path, str]]:
    """Every message file of the tree as (path, folder), folders in name order
    and messages in number order; ``folder`` is ``""`` for the top.

    Files that are not numbered go to ``skipped`` with the reason (dot files
    such as ``.mh_sequences`` are MH's own bookkeeping and are not listed).
    """
    root = Path(root)
    found: list[tuple[Path, str]] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _MAILDIR_BOXES)
        here = Path(dirpath)
        relative = here.relative_to(root).as_posix()
        folder = "" if relative == "." else relative
        numbered = sorted((n for n in filenames if is_message_name(n)), key=_number)
        found.extend((here / name, folder) for name in numbered)
        if skipped is None:
            continue
        for name in sorted(filenames):
            if is_message_name(name) or name.startswith("."):
                continue
            position = (here / name).relative_to(root).as_posix()
            if _REMOVED.fullmatch(name):
                skipped.add(position, "removed", "removed in MH (its name starts with , or #)")
            else:
                skipped.add(
                    position,
                    "not a message file",
                    "not numbered, so not an MH message "
                    "(`inboxmine ingest eml` reads every file that is mail)",
                )
    return found


def folder_label(folder: str) -> str | None:
    """The label a folder gives its messages, written as Maildir folders are
    (``Archive/2020`` -> ``Archive.2020``); None for the top folder."""
    folder = folder.strip("./")
    return folder.replace("/", ".") if folder else None


def read_mh(
    root: str | os.PathLike,
    files: list[tuple[Path, str]] | None = None,
    skipped: SkipLog | None = None,
) -> Iterator[RawMessage]:
    """Yield every message of an MH tree; ``position`` is the path below the root,
    ``folder`` the folder path and ``labels`` its label.

    Numbered files are sniffed too: one that is empty or not mail goes to
    ``skipped`` with the reason instead of being stored.
    """
    root = Path(root)
    if not root.is_dir():
        yield RawMessage(b"", "mh", str(root), read_error=f"{root} is not a directory")
        return
    entries = files if files is not None else mh_files(root, skipped)
    for count, (path, folder) in enumerate(entries, start=1):
        position = path.relative_to(root).as_posix()
        found = read_if_message(path, "mh", str(root), position)
        if isinstance(found, SkippedFile):
            if skipped is not None:
                skipped.files.append(found)
            continue
        label = folder_label(folder)
        found.folder = folder or None
        found.labels = [label] if label else None
        found.progress = count
        yield found

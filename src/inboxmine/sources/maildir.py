"""Maildir trees (Maildir++ ``.Sent`` folders, or nested ``Sent/cur``).

A folder is any directory holding ``cur`` or ``new``; ``tmp`` holds
deliveries in progress and is ignored. Messages in a Sent folder are marked
sent even when their From is not one of the user's addresses (see
:func:`inboxmine.sources.base.is_sent_folder`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from inboxmine.sources.base import RawMessage
from inboxmine.sources.files import read_file
from inboxmine.sources.read_state import maildir_seen

_BOXES = ("cur", "new")


def maildir_files(root: str | os.PathLike) -> list[tuple[Path, str, str | None]]:
    """Every message file of the tree as (path, folder, error), in a stable order.

    ``folder`` is ``""`` for the top (the inbox); ``error`` is set for a
    ``cur``/``new`` directory that cannot be listed.
    """
    root = Path(root)
    found: list[tuple[Path, str, str | None]] = []
    for dirpath, dirnames, _files in os.walk(root):
        here = Path(dirpath)
        is_folder = any((here / box).is_dir() for box in _BOXES)
        # Never descend into cur/new/tmp of a folder: they hold files only.
        dirnames[:] = sorted(d for d in dirnames if not (is_folder and d in ("cur", "new", "tmp")))
        if not is_folder:
            continue
        relative = here.relative_to(root).as_posix()
        folder = "" if relative == "." else relative
        for box in _BOXES:
            directory = here / box
            if not directory.is_dir():
                continue
            try:
                names = sorted(os.listdir(directory))
            except OSError as exc:
                found.append((directory, folder, f"cannot list {directory}: {exc.strerror or exc}"))
                continue
            found.extend(
                (directory / name, folder, None) for name in names if not name.startswith(".")
            )
    return found


def read_maildir(root: str | os.PathLike, files=None) -> Iterator[RawMessage]:
    """Yield every message of a Maildir tree; ``position`` is the path below the
    root, ``folder`` the folder (None for the inbox, ``.Sent``, ``Archive/2020``)."""
    root = Path(root)
    if not root.is_dir():
        yield RawMessage(b"", "maildir", str(root), read_error=f"{root} is not a directory")
        return
    entries = files if files is not None else maildir_files(root)
    for count, (path, folder, error) in enumerate(entries, start=1):
        position = path.relative_to(root).as_posix()
        if error:
            message = RawMessage(b"", "maildir", str(root), position, read_error=error)
        else:
            message = read_file(path, "maildir", str(root), position=position)
        message.folder = folder or None
        message.is_read = maildir_seen(position)
        message.labels = [folder.strip("./").replace("/", ".")] if folder else None
        message.progress = count
        yield message

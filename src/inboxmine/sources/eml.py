"""Single message files, or every message file of a directory tree.

``.eml`` files are messages by their name; any other file is read when its
first KB look like a message (:mod:`inboxmine.sources.sniff`), so a tree of
extension-less message files imports too. What is left out is named, with
why, in a :class:`~inboxmine.sources.files.SkipLog`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from inboxmine.sources.base import RawMessage
from inboxmine.sources.files import SkipLog, SkippedFile, read_file, read_if_message
from inboxmine.sources.sniff import MBOX_REASON


def _walk(path: Path, keep) -> list[Path]:
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames.sort()
        found.extend(Path(dirpath) / name for name in sorted(filenames) if keep(name))
    return found


def is_eml_name(name: str) -> bool:
    """True for a file named as an email (``.eml``, any case)."""
    return name.lower().endswith(".eml")


def eml_files(path: str | os.PathLike) -> list[Path]:
    """The .eml files below ``path`` (or ``path`` itself), sorted."""
    path = Path(path)
    return _walk(path, is_eml_name) if path.is_dir() else [path]


def tree_files(path: str | os.PathLike) -> list[Path]:
    """Every file below ``path`` (or ``path`` itself), sorted: the candidates
    :func:`read_eml` looks at."""
    path = Path(path)
    return _walk(path, lambda name: True) if path.is_dir() else [path]


def read_eml(
    path: str | os.PathLike,
    files: list[Path] | None = None,
    skipped: SkipLog | None = None,
) -> Iterator[RawMessage]:
    """Yield each message file as a message; ``position`` is its path below ``path``.

    ``.eml`` files (and a single file named on purpose) are always read;
    other files only when they look like mail, else they go to ``skipped``
    with the reason (empty, not mail).
    """
    root = Path(path)
    if not root.exists() and not root.is_symlink():
        yield RawMessage(b"", "eml", str(root), read_error=f"{root} does not exist")
        return
    base = root if root.is_dir() else root.parent
    for count, file in enumerate(files if files is not None else tree_files(root), start=1):
        position = file.relative_to(base).as_posix()
        if file.name.lower().endswith(".mbox") and file != root:
            # Read as one message it would be a wrong one: say which command reads it.
            if skipped is not None:
                skipped.add(position, "mbox", MBOX_REASON)
            continue
        if is_eml_name(file.name) or file == root:
            message = read_file(file, "eml", str(root), position=position)
        else:
            found = read_if_message(file, "eml", str(root), position)
            if isinstance(found, SkippedFile):
                if skipped is not None:
                    skipped.files.append(found)
                continue
            message = found
        message.progress = count
        yield message

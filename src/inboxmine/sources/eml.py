"""Single .eml files, or every .eml file of a directory tree."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from inboxmine.sources.base import RawMessage
from inboxmine.sources.files import read_file


def eml_files(path: str | os.PathLike) -> list[Path]:
    """The .eml files to import: ``path`` itself, or those below it, sorted."""
    path = Path(path)
    if not path.is_dir():
        return [path]
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames.sort()
        found.extend(
            Path(dirpath) / name for name in sorted(filenames) if name.lower().endswith(".eml")
        )
    return found


def read_eml(path: str | os.PathLike, files: list[Path] | None = None) -> Iterator[RawMessage]:
    """Yield each .eml file as a message; ``position`` is its path below ``path``."""
    root = Path(path)
    if not root.exists() and not root.is_symlink():
        yield RawMessage(b"", "eml", str(root), read_error=f"{root} does not exist")
        return
    base = root if root.is_dir() else root.parent
    for count, file in enumerate(files if files is not None else eml_files(root), start=1):
        message = read_file(file, "eml", str(root), position=file.relative_to(base).as_posix())
        message.progress = count
        yield message

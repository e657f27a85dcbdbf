"""Reading one message file safely: every file is accounted for."""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from pathlib import Path

from inboxmine.sources.base import RawMessage
from inboxmine.sources.sniff import SNIFF_BYTES, sniff_message


def read_file(
    path: Path, source_kind: str, source_ref: str, position: str | None = None
) -> RawMessage:
    """The bytes of one message file, or a RawMessage saying why it cannot be read.

    Only regular files are opened: a FIFO or device would block or never end.
    """

    def unreadable(reason: str) -> RawMessage:
        return RawMessage(b"", source_kind, source_ref, position, read_error=reason)

    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return unreadable(f"{path} is not a regular file")
        with open(path, "rb") as handle:
            raw = handle.read()
    except PermissionError:
        return unreadable(f"permission denied reading {path}")
    except OSError as exc:
        return unreadable(f"cannot read {path}: {exc.strerror or exc}")
    return RawMessage(raw, source_kind, source_ref, position)


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file of a folder tree that was looked at and is not a message."""

    position: str  # its path below the imported folder
    kind: str  # empty | not mail | not a message file
    reason: str


@dataclass
class SkipLog:
    """The files an import looked at and left out, with why: never silent."""

    files: list[SkippedFile] = field(default_factory=list)

    def add(self, position: str, kind: str, reason: str) -> None:
        self.files.append(SkippedFile(position, kind, reason))

    def by_kind(self) -> dict[str, int]:
        """How many files were skipped for each kind of reason."""
        counts: dict[str, int] = {}
        for skipped in self.files:
            counts[skipped.kind] = counts.get(skipped.kind, 0) + 1
        return counts

    def __len__(self) -> int:
        return len(self.files)


def read_if_message(
    path: Path, source_kind: str, source_ref: str, position: str
) -> RawMessage | SkippedFile:
    """The message in ``path``, or why it is not one (its first KB sniffed).

    A file that cannot be read is a RawMessage with ``read_error`` (an item
    error of the run, as for any file); a readable file that is empty or not
    mail is a :class:`SkippedFile`. Only :data:`~inboxmine.sources.sniff.SNIFF_BYTES`
    are read from a file that is not mail, however large it is.
    """

    def unreadable(reason: str) -> RawMessage:
        return RawMessage(b"", source_kind, source_ref, position, read_error=reason)

    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return unreadable(f"{path} is not a regular file")
        with open(path, "rb") as handle:
            head = handle.read(SNIFF_BYTES)
            verdict = sniff_message(head)
            if not verdict.is_message:
                return SkippedFile(position, verdict.kind, verdict.reason)
            raw = head + handle.read()
    except PermissionError:
        return unreadable(f"permission denied reading {path}")
    except OSError as exc:
        return unreadable(f"cannot read {path}: {exc.strerror or exc}")
    return RawMessage(raw, source_kind, source_ref, position)

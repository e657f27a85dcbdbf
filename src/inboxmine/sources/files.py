"""Reading one message file safely: every file is accounted for."""

from __future__ import annotations

import stat
from pathlib import Path

from inboxmine.sources.base import RawMessage


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

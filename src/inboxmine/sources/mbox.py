"""mbox files (mboxo, mboxrd, Google Takeout), read as a stream.

The file is read line by line and only the current message is held in
memory, so a 50 GB Takeout export costs as much memory as its largest
message. Separators are ``From `` lines at a line start that look like an
envelope line (they carry a time of day), so a body line beginning with
"From" that a sloppy writer forgot to quote does not split a message.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from inboxmine.sources.base import RawMessage

_ENVELOPE = re.compile(rb"^From \S*.*\d:\d\d")
_QUOTED_FROM = re.compile(rb"^>+From ")


def _finish(lines: list[bytes]) -> bytes:
    # The writer adds one empty line before the next separator; drop it.
    if lines and lines[-1] in (b"\n", b"\r\n"):
        lines = lines[:-1]
    return b"".join(lines)


def read_mbox(path: str | os.PathLike) -> Iterator[RawMessage]:
    """Yield every message of an mbox file; ``position`` is the byte offset of
    its ``From `` line and ``progress`` the bytes read so far.

    ``>From `` quoting (mboxo and mboxrd alike) is undone, CRLF files and a
    missing final newline are fine. A file that cannot be opened yields one
    RawMessage with ``read_error`` set.
    """
    path = Path(path)
    ref = str(path)
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield RawMessage(b"", "mbox", ref, read_error=f"cannot read {path}: {exc.strerror or exc}")
        return
    with handle:
        lines: list[bytes] = []
        start = 0
        offset = 0
        first = True
        for line in handle:
            if line.startswith(b"From ") and (first or _ENVELOPE.match(line)):
                if lines and any(chunk.strip() for chunk in lines):
                    yield RawMessage(
                        _finish(lines), "mbox", ref, position=str(start), progress=offset
                    )
                lines = []
                start = offset
            elif line[:1] == b">" and _QUOTED_FROM.match(line):
                lines.append(line[1:])
            else:
                lines.append(line)
            first = False
            offset += len(line)
        if lines and any(chunk.strip() for chunk in lines):
            yield RawMessage(_finish(lines), "mbox", ref, position=str(start), progress=offset)


def mbox_size(path: str | os.PathLike) -> int | None:
    """Bytes in the file, for a progress bar (None when unknown)."""
    try:
        return os.path.getsize(path)
    except OSError:
        return None

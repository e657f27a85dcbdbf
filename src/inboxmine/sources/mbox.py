"""mbox files (mboxo, mboxrd, Google Takeout), read as a stream.

The file is read in blocks and only the current message (and one block) is
held in memory, so a 50 GB Takeout export costs as much memory as its
largest message. Separators are ``From `` lines at a line start that look like an
envelope line (they carry a time of day), so a body line beginning with
"From" that a sloppy writer forgot to quote does not split a message.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from inboxmine.sources.base import RawMessage

#: An envelope line after its ``From `` (the line must carry a time of day).
_ENVELOPE_REST = re.compile(rb"\S*.*\d:\d\d")
_QUOTED_FROM = re.compile(rb"(?m)^>(>*From )")
_SEPARATOR = b"\nFrom "
#: Bytes read at a time; a message is cut out of the block with ``bytes.find``.
BLOCK = 1 << 22


def _finish(content: bytes) -> bytes:
    # The writer adds one empty line before the next separator; drop it.
    if content == b"\n" or content.endswith(b"\n\n"):
        content = content[:-1]
    elif content == b"\r\n" or content.endswith(b"\n\r\n"):
        content = content[:-2]
    if b">From " in content:  # >From quoting (mboxo and mboxrd alike) undone
        content = _QUOTED_FROM.sub(rb"\1", content)
    return content


def _is_envelope(buffer: bytes, start: int, end: int) -> bool:
    """The line ``buffer[start:end]`` (from its ``From ``) is a separator."""
    return _ENVELOPE_REST.match(buffer, start + 5, end) is not None


def read_mbox(path: str | os.PathLike, block: int = BLOCK) -> Iterator[RawMessage]:
    """Yield every message of an mbox file; ``position`` is the byte offset of
    its ``From `` line and ``progress`` the bytes read so far.

    ``>From `` quoting (mboxo and mboxrd alike) is undone, CRLF files and a
    missing final newline are fine. A file that cannot be opened yields one
    RawMessage with ``read_error`` set. The file is read ``block`` bytes at a
    time and cut at separator lines with ``bytes.find``.
    """
    path = Path(path)
    ref = str(path)
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield RawMessage(b"", "mbox", ref, read_error=f"cannot read {path}: {exc.strerror or exc}")
        return
    with handle:
        # A newline before the file, so that its first line is found like any
        # other; that line is a separator whether it looks like an envelope or not.
        buffer = b"\n" + handle.read(block)
        base = -1  # the file offset of buffer[0]
        start = 0  # the file offset of the current message's From line
        body = 1  # where its content starts in buffer
        scan = 0
        eof = False
        while True:
            found = buffer.find(_SEPARATOR, scan)
            line_end = buffer.find(b"\n", found + 1) if found >= 0 else -1
            if found < 0 or (line_end < 0 and not eof):
                if eof:
                    break
                more = handle.read(block)
                if not more:
                    eof = True
                    continue
                # Keep the current message (and the newline before it) only.
                cut = body - 1
                rescan = found if found >= 0 else max(len(buffer) - len(_SEPARATOR) + 1, 0)
                buffer = buffer[cut:] + more
                base += cut
                body -= cut
                scan = max(rescan - cut, 0)
                continue
            line_start = found + 1
            line_end = len(buffer) if line_end < 0 else line_end
            if base + line_start > 0 and not _is_envelope(buffer, line_start, line_end):
                scan = line_start
                continue
            content = buffer[body:line_start]
            if content.strip():
                yield RawMessage(
                    _finish(content), "mbox", ref, position=str(start), progress=base + line_start
                )
            start = base + line_start
            body = min(line_end + 1, len(buffer))
            scan = line_end
        content = buffer[body:]
        if content.strip():
            yield RawMessage(
                _finish(content), "mbox", ref, position=str(start), progress=base + len(buffer)
            )


def mbox_size(path: str | os.PathLike) -> int | None:
    """Bytes in the file, for a progress bar (None when unknown)."""
    try:
        return os.path.getsize(path)
    except OSError:
        return None

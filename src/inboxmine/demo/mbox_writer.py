"""Streaming mboxrd writer: one message at a time, "From " lines quoted."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

_FROM_LINE = re.compile(rb"^(>*From )", re.MULTILINE)


def quote_from_lines(raw: bytes) -> bytes:
    """mboxrd quoting: every line matching ``>*From `` gets one more ``>``."""
    return _FROM_LINE.sub(rb">\1", raw)


class MboxWriter:
    """Append messages to an mbox file as they are produced (memory stays flat)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh = open(path, "wb")  # noqa: SIM115 - closed in close()
        self.count = 0

    def write(self, raw: bytes, *, envelope: str, when: datetime) -> None:
        stamp = when.astimezone(UTC).strftime("%a %b %d %H:%M:%S +0000 %Y")
        body = quote_from_lines(raw.replace(b"\r\n", b"\n"))
        if not body.endswith(b"\n"):
            body += b"\n"
        self._fh.write(b"From " + envelope.encode("ascii") + b" " + stamp.encode("ascii") + b"\n")
        self._fh.write(body)
        self._fh.write(b"\n")
        self.count += 1

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> MboxWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

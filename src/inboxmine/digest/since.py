"""Where a digest starts: ``last`` (the previous digest), a date, or ``7d``/``24h``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

RELATIVE = re.compile(r"^(\d{1,4})([dhw])$")
UNITS = {"d": "days", "h": "hours", "w": "weeks"}


class SinceError(ValueError):
    """A ``--since`` value that is neither ``last``, a date nor a span like ``7d``."""


@dataclass(frozen=True)
class Since:
    """The start of the window and, in words, why it starts there."""

    at: datetime
    note: str
    #: The previous digest's time when ``--since last`` found one.
    previous_digest_at: datetime | None = None


def resolve_since(
    value: str | None, now: datetime, previous: datetime | None, default_days: int
) -> Since:
    """The window start for ``value``: ``last``/None, ``YYYY-MM-DD[THH:MM]`` (UTC unless
    a zone is given) or a span back from ``now`` (``7d``, ``24h``, ``2w``)."""
    text = (value or "last").strip().lower()
    if text == "last":
        if previous is not None:
            return Since(previous, f"since the previous digest ({_stamp(previous)})", previous)
        start = now - timedelta(days=default_days)
        return Since(
            start,
            f"first digest: no previous digest to start from, showing the last {default_days} days",
        )
    match = RELATIVE.match(text)
    if match:
        start = now - timedelta(**{UNITS[match.group(2)]: int(match.group(1))})
        return Since(start, f"since {_stamp(start)} ({text} ago)")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise SinceError(
            f"--since {value!r} is not understood: use last, a date like 2026-03-01 "
            "(or 2026-03-01T09:00), or a span like 7d, 24h, 2w"
        ) from None
    if isinstance(parsed, date) and not isinstance(parsed, datetime):  # pragma: no cover
        parsed = datetime(parsed.year, parsed.month, parsed.day)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    parsed = parsed.astimezone(UTC)
    if parsed > now:
        raise SinceError(f"--since {value!r} lies in the future: choose a time before now")
    return Since(parsed, f"since {_stamp(parsed)}")


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")

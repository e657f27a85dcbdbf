"""When senders write: send-time fields per message and patterns per sender.

Times are the messages' real UTC timestamps (``messages.sent_at``). The
sender's own clock comes from the offset in its Date header, so "sends at
9 in the morning" means the sender's morning, while the UTC hour stays
comparable across senders.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_tz

#: Longest Date header read.
MAX_DATE = 256
#: Offsets beyond +-14:00 do not exist; such a Date header is lying.
MAX_OFFSET_MINUTES = 14 * 60


def utc_offset_minutes(date_raw: str | None) -> int | None:
    """The sender's UTC offset in minutes from a Date header, or None when it gives none.

    ``-0000`` means "local time unknown" (RFC 5322) and gives None, as do
    dates without a zone.
    """
    if not date_raw:
        return None
    text = date_raw[:MAX_DATE]
    try:
        parsed = parsedate_tz(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if not parsed or parsed[9] is None:
        return None
    if parsed[9] == 0 and "-0000" in text:
        return None
    minutes = parsed[9] // 60
    return minutes if abs(minutes) <= MAX_OFFSET_MINUTES else None


@dataclass(frozen=True, slots=True)
class SendTime:
    hour_utc: int
    hour_local: int | None
    weekday: int  # 0 = Monday, in the sender's own time when known, else UTC


def send_time(sent_at: datetime, offset_minutes: int | None) -> SendTime:
    """Hour (UTC and the sender's own) and weekday of one message."""
    if offset_minutes is None:
        return SendTime(sent_at.hour, None, sent_at.weekday())
    local = sent_at + timedelta(minutes=offset_minutes)
    return SendTime(sent_at.hour, local.hour, local.weekday())


def _mode(counts: Counter) -> int | None:
    if not counts:
        return None
    # Ties go to the smallest value, so the result does not depend on row order.
    return min(counts, key=lambda v: (-counts[v], v))


def summarize(rows: Iterable[tuple[datetime | None, int | None, int | None, int | None]]) -> dict:
    """The temporal pattern of one sender from its messages, oldest first.

    Each row is ``(sent_at or None, hour_utc, hour_local, weekday)``; a row
    without a real send time counts towards ``total_messages`` only. Gaps are
    in (fractional) days between consecutive timed messages.
    """
    total = 0
    times: list[datetime] = []
    hours_utc: Counter = Counter()
    hours_local: Counter = Counter()
    weekdays: Counter = Counter()
    for sent_at, hour_utc, hour_local, weekday in rows:
        total += 1
        if sent_at is None:
            continue
        times.append(sent_at)
        for counter, value in (
            (hours_utc, hour_utc),
            (hours_local, hour_local),
            (weekdays, weekday),
        ):
            if value is not None:
                counter[value] += 1
    times.sort()
    gaps = [(b - a).total_seconds() / 86_400 for a, b in zip(times, times[1:], strict=False)]
    return {
        "first_seen": times[0] if times else None,
        "last_seen": times[-1] if times else None,
        "total_messages": total,
        "timed_messages": len(times),
        "avg_gap_days": round(sum(gaps) / len(gaps), 4) if gaps else None,
        "median_gap_days": round(statistics.median(gaps), 4) if gaps else None,
        "most_common_hour_utc": _mode(hours_utc),
        "most_common_hour_local": _mode(hours_local),
        "most_common_weekday": _mode(weekdays),
    }

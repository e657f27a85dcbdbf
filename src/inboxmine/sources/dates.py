"""Real, timezone-aware UTC send times from the dates mail actually carries."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_tz

# Dates outside this range are forgeries or broken clients, not send times.
_EARLIEST = datetime(1971, 1, 1, tzinfo=UTC)
_LATEST = datetime(2100, 1, 1, tzinfo=UTC)

_COMMENT = re.compile(r"\([^()]*\)")
# "GMT+2", "UTC-05:30", "GMT +0100"
_GMT_OFFSET = re.compile(r"\b(?:GMT|UTC|UT)\s*([+-])(\d{1,2})(?::?(\d{2}))?\b", re.IGNORECASE)
_BARE_OFFSET = re.compile(r"([+-])(\d{1,2}):(\d{2})\s*$")
_TIME_NO_SECONDS = re.compile(r"(?<![:\d])(\d{1,2}):(\d{2})(?![:\d])")
_AM_PM = re.compile(r"\b(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp])\.?[Mm]\b\.?")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
# Names parsedate does not know; common in the wild.
_ZONES = {
    "CEST": "+0200",
    "CET": "+0100",
    "BST": "+0100",
    "IST": "+0530",
    "JST": "+0900",
    "AEST": "+1000",
    "AEDT": "+1100",
    "EET": "+0200",
    "EEST": "+0300",
    "MSK": "+0300",
    "HKT": "+0800",
    "SGT": "+0800",
    "KST": "+0900",
    "NZST": "+1200",
    "NZDT": "+1300",
    "WET": "+0000",
    "WEST": "+0100",
    "AKST": "-0900",
    "AKDT": "-0800",
    "HST": "-1000",
}
_ZONE_WORD = re.compile(r"\b(" + "|".join(_ZONES) + r")\b")


def _to_24h(match: re.Match) -> str:
    hour = int(match.group(1)) % 12 + (12 if match.group(4) in "Pp" else 0)
    return f"{hour:02d}:{match.group(2)}:{match.group(3) or '00'}"


def _normalise(text: str) -> str:
    text = _COMMENT.sub(" ", text)
    text = _AM_PM.sub(_to_24h, text)
    text = _GMT_OFFSET.sub(lambda m: f"{m.group(1)}{int(m.group(2)):02d}{m.group(3) or '00'}", text)
    text = _BARE_OFFSET.sub(lambda m: f"{m.group(1)}{int(m.group(2)):02d}{m.group(3)}", text)
    text = _ZONE_WORD.sub(lambda m: _ZONES[m.group(1)], text)
    text = _TIME_NO_SECONDS.sub(r"\1:\2:00", text)
    text = text.replace(",", ", ").replace(".", " ")
    return re.sub(r"\s+", " ", text).strip()


def _from_tuple(parts) -> datetime | None:
    if parts is None:
        return None
    year, month, day, hour, minute, second = parts[:6]
    offset = parts[9] or 0
    try:
        if 0 <= year < 100:  # two-digit years: RFC 5322 section 4.3
            year += 2000 if year < 50 else 1900
        moment = datetime(
            year,
            month,
            day,
            hour,
            minute,
            min(second, 59),
            tzinfo=timezone(timedelta(seconds=offset)),
        )
    except (ValueError, OverflowError, TypeError):
        return None
    return moment.astimezone(UTC)


def _plausible(moment: datetime | None) -> datetime | None:
    if moment is None or not (_EARLIEST <= moment < _LATEST):
        return None
    return moment


def parse_date(value: str | None) -> datetime | None:
    """A Date (or Received) header value as aware UTC, or None if it is no date.

    Handles what real mail contains beyond RFC 5322: zone comments
    ``(PST)``, ``GMT+2``, zone names, two-digit years, missing seconds,
    ISO 8601; a date without a zone is taken as UTC.
    """
    if not value:
        return None
    value = value.strip()[:256]
    if _ISO.match(value):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00").split(" (")[0])
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return _plausible(moment.astimezone(UTC))
        except ValueError:
            pass
    for candidate in (_normalise(value), value):
        try:
            moment = _from_tuple(parsedate_tz(candidate))
        except (ValueError, IndexError, TypeError, OverflowError):
            moment = None
        if _plausible(moment):
            return moment
    return None


def received_date(received: str | None) -> datetime | None:
    """The time stamp of a Received header: the date after its last ';'."""
    if not received or ";" not in received:
        return None
    return parse_date(received.rsplit(";", 1)[1])

"""Custom segments: user rules (segments.yaml) evaluated against each profile.

Every operator really checks what it says; an unknown field or a missing
value makes the rule fail (a segment never matches by accident).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

SPECIAL = ("segment_includes", "has_gem", "renewal_date_within_days")


class SegmentRuleError(ValueError):
    """A custom segment rule cannot be evaluated; the message names it and the fix."""


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except (TypeError, ValueError):
        return None


def _equal(actual: Any, expected: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return bool(actual) is expected if isinstance(expected, bool) else False
    if isinstance(expected, int | float) and _number(actual) is not None:
        return _number(actual) == float(expected)
    # ESP keys and labels: "Mailchimp" matches the stored "mailchimp".
    return str(actual).strip().lower() == str(expected).strip().lower()


def _check(actual: Any, expected: Any, segment: str, field: str) -> bool:
    if actual is None or actual == "":
        return False
    if isinstance(expected, list):
        return any(_equal(actual, e) for e in expected)
    if isinstance(expected, dict):
        for op, operand in expected.items():
            if op in ("lt", "lte", "gt", "gte"):
                a, b = _number(actual), _number(operand)
                if a is None or b is None:
                    return False
                ok = {"lt": a < b, "lte": a <= b, "gt": a > b, "gte": a >= b}[op]
            elif op == "contains":
                if isinstance(actual, list | dict):
                    ok = any(_equal(v, operand) for v in actual)
                else:
                    ok = str(operand).lower() in str(actual).lower()
            elif op == "not":
                ok = not _check(actual, operand, segment, field)
            else:
                raise SegmentRuleError(
                    f"custom segment {segment!r}, field {field!r}: unknown operator {op!r} "
                    "- use lt, lte, gt, gte, contains or not (see rules/segments.yaml)"
                )
            if not ok:
                return False
        return True
    return _equal(actual, expected)


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except (TypeError, ValueError):
        return None


def renewal_within(profile: dict[str, Any], days: Any, now: datetime) -> bool:
    """True when an upcoming renewal/expiration date falls within ``days`` of now."""
    limit = _number(days)
    if limit is None:
        return False
    today = now.date()
    for item in profile.get("renewal_dates") or []:
        when = _as_date(item.get("date") if isinstance(item, dict) else item)
        if when is not None and 0 <= (when - today).days <= limit:
            return True
    return False


def matches(
    segment: dict[str, Any],
    profile: dict[str, Any],
    economic: list[str],
    gem_types: set[str],
    now: datetime,
) -> bool:
    """Whether every rule of ``segment`` holds for the profile."""
    name = segment.get("name", "?")
    rules = segment.get("rules") or {}
    if not isinstance(rules, dict) or not rules:
        raise SegmentRuleError(
            f"custom segment {name!r} has no rules: add a 'rules:' mapping in segments.yaml"
        )
    for field, expected in rules.items():
        if field == "segment_includes":
            wanted = expected if isinstance(expected, list) else [expected]
            if not all(w in economic for w in wanted):
                return False
        elif field == "has_gem":
            wanted = expected if isinstance(expected, list) else [expected]
            if not any(w in gem_types for w in wanted):
                return False
        elif field == "renewal_date_within_days":
            if not renewal_within(profile, expected, now):
                return False
        elif field not in profile or not _check(profile.get(field), expected, name, field):
            return False
    return True


def evaluate(
    segments: list[dict[str, Any]],
    profile: dict[str, Any],
    economic: list[str],
    gem_types: set[str],
    now: datetime,
) -> list[dict[str, Any]]:
    """The custom segments the profile is in: ``[{segment, sub_segment, confidence, reason}]``."""
    found = []
    for segment in segments or []:
        if matches(segment, profile, economic, gem_types, now):
            found.append(
                {
                    "segment": f"custom:{segment.get('name')}",
                    "sub_segment": str(segment.get("priority") or ""),
                    "confidence": float(segment.get("confidence", 0.8)),
                    "reason": "; ".join(
                        f"{k}: {v}" for k, v in (segment.get("rules") or {}).items()
                    )[:500],
                }
            )
    return found

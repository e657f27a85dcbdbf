"""Overrides: the user's corrections to classifications, validated and applied.

A sender-scoped override applies to every message of that sender; a
message-scoped one to that message only, and it wins. Applying is pure:
(the model's values, the overrides) -> (the values in force, the originals).
:mod:`inboxmine.services.overrides` stores them and re-applies them.
"""

from __future__ import annotations

from typing import Any

DIMENSION_FIELDS = (
    "industry",
    "company_size_estimate",
    "marketing_sophistication",
    "sender_intent",
    "product_type",
    "product_description",
    "pain_points",
    "target_audience",
    "partner_program_detected",
    "renewal_signal_detected",
)
_TRUE = {"true", "yes", "1", "y", "on"}
_FALSE = {"false", "no", "0", "n", "off"}


class OverrideError(ValueError):
    """An override cannot be accepted; the message says which values are allowed."""


def overridable_fields(dimensions: dict[str, dict[str, Any]]) -> list[str]:
    return [name for name, spec in dimensions.items() if spec.get("overridable")]


def validate_override(field: str, value: str, dimensions: dict[str, dict[str, Any]]) -> Any:
    """The typed value of ``--field F --value V``, or :class:`OverrideError` saying what is allowed."""
    allowed_fields = overridable_fields(dimensions)
    if field not in allowed_fields:
        raise OverrideError(
            f"cannot override field {field!r}: choose one of {', '.join(allowed_fields)}"
        )
    spec = dimensions[field]
    kind = spec["kind"]
    text = (value or "").strip()
    if kind == "choice":  # a choice has its values (rules/models/classify.py)
        canonical = {str(v).lower(): str(v) for v in spec["values"]}
        if text.lower() in canonical:
            return canonical[text.lower()]
        raise OverrideError(
            f"{text!r} is not an allowed value of {field}: choose one of "
            f"{', '.join(str(v) for v in spec['values'])}"
        )
    if kind == "int":
        low, high = spec.get("min"), spec.get("max")
        try:
            number = int(text)
        except ValueError:
            raise OverrideError(
                f"{field} takes a whole number from {low} to {high}, not {text!r}"
            ) from None
        if (low is not None and number < low) or (high is not None and number > high):
            raise OverrideError(f"{field} takes a whole number from {low} to {high}, not {number}")
        return number
    if kind == "bool":
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise OverrideError(f"{field} takes true or false, not {text!r}")
    limit = spec.get("max_length")
    if not text:
        raise OverrideError(f"{field} needs a non-empty value")
    if limit and len(text) > limit:
        raise OverrideError(f"{field} takes at most {limit} characters ({len(text)} given)")
    return text


def model_values(row: dict[str, Any]) -> dict[str, Any]:
    """The model's own values of a stored classification (overridden fields restored)."""
    values = {field: row.get(field) for field in DIMENSION_FIELDS if field in row}
    for field, original in (row.get("original_values") or {}).items():
        values[field] = original
    return values


def applicable(
    overrides: list[dict[str, Any]], sender_domain: str, message_id: int | None
) -> dict[str, Any]:
    """``{field: corrected value}`` in force for one message (or for the sender when
    ``message_id`` is None): newest sender override per field, then newest
    message override per field on top."""
    ordered = sorted(
        overrides,
        key=lambda o: (o.get("created_at") is None, o.get("created_at"), o.get("id") or 0),
    )
    result: dict[str, Any] = {}
    for scope in ("sender", "message"):
        for o in ordered:  # oldest first, so the newest wins
            if o.get("override_scope") != scope or o.get("sender_domain") != sender_domain:
                continue
            if scope == "message" and (message_id is None or o.get("message_id") != message_id):
                continue
            result[o["field_name"]] = o.get("corrected_value")
    return result


def apply_overrides(
    values: dict[str, Any], in_force: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], bool]:
    """(values with the overrides applied, {field: the model's value}, has_override)."""
    applied = dict(values)
    originals: dict[str, Any] = {}
    for field, corrected in in_force.items():
        originals[field] = values.get(field)
        applied[field] = corrected
    return applied, originals, bool(in_force)


def corrections(overrides: list[dict[str, Any]], limit: int = 10) -> list[dict[str, Any]]:
    """The ``limit`` newest overrides as few-shot corrections for the prompt."""
    ordered = sorted(
        overrides,
        key=lambda o: (o.get("created_at") is not None, o.get("created_at"), o.get("id") or 0),
        reverse=True,
    )
    return [
        {
            "sender_domain": o.get("sender_domain"),
            "field_name": o.get("field_name"),
            "model_value": o.get("original_value"),
            "corrected_value": o.get("corrected_value"),
            "scope": o.get("override_scope"),
        }
        for o in ordered[:limit]
    ]


def override_rates(
    override_counts: dict[str, int],
    total_classifications: int,
    fields: list[str],
    threshold: float = 20.0,
) -> list[dict[str, Any]]:
    """Per field: overrides, rate in % of classified messages, and whether it needs tuning."""
    rows = []
    for field in fields:
        count = override_counts.get(field, 0)
        rate = round(100.0 * count / total_classifications, 1) if total_classifications else 0.0
        rows.append(
            {
                "field_name": field,
                "overrides": count,
                "classifications": total_classifications,
                "override_rate": rate,
                "needs_tuning": rate > threshold,
            }
        )
    return rows

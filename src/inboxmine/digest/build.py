"""Build the digest from plain rows: what counts as new, changed, due and waiting.

* **new gem**: created at or after ``since`` and not expired (asks go to
  their own section);
* **changed gem**: created before ``since`` whose score or status differs
  from the previous digest's snapshot; without a snapshot to compare with,
  only status changes stamped after ``since`` (acted, dismissed, expired)
  can be told, and the digest says so;
* **new unanswered ask**: an open ``unanswered_ask`` gem created since;
* **renewal coming due**: a vendor renewal/expiration date from today up to
  ``renewal_days`` ahead (the dates profiles keep, past dates never count);
* **draft waiting**: the latest version of an engage draft still ``draft``
  or ``approved`` whose gem is still open.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from inboxmine.digest.since import Since

GEM_FIELDS = (
    "id",
    "gem_type",
    "sender_domain",
    "company_name",
    "score",
    "status",
    "urgency",
    "estimated_value",
    "summary",
    "created_at",
)
STATUS_STAMPS = {"acted": "acted_at", "dismissed": "dismissed_at", "expired": "expired_at"}


@dataclass
class Digest:
    """What changed between ``since`` and ``generated_at``; JSON-ready via :meth:`to_dict`."""

    generated_at: datetime
    since: datetime
    since_note: str
    renewal_days: int
    compared_with_snapshot: bool
    new_gems: list[dict[str, Any]] = field(default_factory=list)
    changed_gems: list[dict[str, Any]] = field(default_factory=list)
    new_asks: list[dict[str, Any]] = field(default_factory=list)
    renewals_due: list[dict[str, Any]] = field(default_factory=list)
    drafts_waiting: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    #: ``{gem_id: [score, status]}`` of every gem now: the next digest compares with it.
    gem_snapshot: dict[str, list] = field(default_factory=dict)

    @property
    def nothing_new(self) -> bool:
        """No new or changed gem, no new ask, no new draft since ``since``."""
        return not (
            self.counts.get("new_gems")
            or self.counts.get("changed_gems")
            or self.counts.get("new_asks")
            or self.counts.get("new_drafts")
        )

    def to_dict(self, with_snapshot: bool = False) -> dict[str, Any]:
        data = asdict(self)
        if not with_snapshot:
            data.pop("gem_snapshot")
        data["nothing_new"] = self.nothing_new
        return data


def snapshot(gems: list[dict[str, Any]]) -> dict[str, list]:
    """``{str(gem_id): [score, status]}``, the form stored with each digest run."""
    return {str(g["id"]): [g["score"], g["status"]] for g in gems}


def _gem(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in GEM_FIELDS}


def _after(value: datetime | None, since: datetime) -> bool:
    return value is not None and value >= since


def gem_change(
    row: dict[str, Any], since: datetime, baseline: dict[str, list] | None
) -> dict[str, Any] | None:
    """How a gem older than ``since`` changed, or None; ``before_*`` is None when unknown."""
    before = (baseline or {}).get(str(row["id"]))
    if before is not None:
        score, status = before
        if score == row["score"] and status == row["status"]:
            return None
        return {
            **_gem(row),
            "before_score": score,
            "before_status": status,
            "score_change": row["score"] - score,
        }
    stamp = STATUS_STAMPS.get(row["status"])
    if stamp and _after(row.get(stamp), since):
        return {**_gem(row), "before_score": None, "before_status": None, "score_change": None}
    return None


def renewals_due(
    profiles: list[dict[str, Any]],
    today: date,
    days: int,
    renewal_gems: dict[str, int] | None = None,
) -> list[dict[str, Any]]:
    """Renewal and expiration dates in ``[today, today + days]``, nearest first.

    ``profiles`` carry ``sender_domain``, ``company_name`` and ``renewal_dates``
    (``[{date, kind, message_id, quote}]``); ``renewal_gems`` maps a sender to its
    open renewal gem."""
    until = today + timedelta(days=days)
    due = []
    for profile in profiles:
        for entry in profile.get("renewal_dates") or []:
            try:
                when = date.fromisoformat(str(entry.get("date")))
            except ValueError:
                continue
            if today <= when <= until:
                due.append(
                    {
                        "sender_domain": profile["sender_domain"],
                        "company_name": profile.get("company_name"),
                        "date": when.isoformat(),
                        "days_until": (when - today).days,
                        "kind": entry.get("kind") or "renewal",
                        "message_id": entry.get("message_id"),
                        "quote": entry.get("quote"),
                        "gem_id": (renewal_gems or {}).get(profile["sender_domain"]),
                    }
                )
    return sorted(due, key=lambda r: (r["date"], r["sender_domain"]))


def drafts_waiting(
    drafts: list[dict[str, Any]], since: datetime, rules: dict[str, Any]
) -> list[dict[str, Any]]:
    """The latest draft per gem and strategy that still waits for the user."""
    waiting = set(rules["waiting_draft_statuses"])
    closed = set(rules["closed_gem_statuses"])
    latest: dict[tuple, dict[str, Any]] = {}
    for draft in drafts:
        key = (draft["gem_id"], draft["strategy"])
        if key not in latest or draft["version"] > latest[key]["version"]:
            latest[key] = draft
    out = [
        {**d, "is_new": _after(d.get("generated_at"), since)}
        for d in latest.values()
        if d["status"] in waiting and d.get("gem_status") not in closed
    ]
    return sorted(out, key=lambda d: (not d["is_new"], d["generated_at"]))


def build_digest(
    *,
    gems: list[dict[str, Any]],
    profiles: list[dict[str, Any]],
    drafts: list[dict[str, Any]],
    since: Since,
    now: datetime,
    baseline: dict[str, list] | None,
    rules: dict[str, Any],
    renewal_days: int | None = None,
) -> Digest:
    """The digest of ``gems`` (with ``created_at`` and status stamps), ``profiles``
    (renewal dates) and ``drafts`` (with their gem's status) since ``since.at``."""
    days = int(renewal_days if renewal_days is not None else rules["renewal_days"])
    asks = set(rules["ask_gem_types"])
    cap = int(rules["max_items_per_section"])
    start = since.at
    new, changed, new_asks = [], [], []
    for row in gems:
        if _after(row.get("created_at"), start):
            if row["status"] == "expired":
                continue
            if row["gem_type"] in asks:
                if row["status"] == "new":
                    new_asks.append(_gem(row))
            else:
                new.append(_gem(row))
            continue
        change = gem_change(row, start, baseline)
        if change:
            changed.append(change)
    new.sort(key=lambda g: (-g["score"], g["id"]))
    new_asks.sort(key=lambda g: (-g["score"], g["id"]))
    changed.sort(key=lambda g: (-abs(g["score_change"] or 0), -g["score"], g["id"]))
    renewal_gems = {
        g["sender_domain"]: g["id"]
        for g in gems
        if g["gem_type"] in rules["renewal_gem_types"] and g["status"] != "expired"
    }
    due = renewals_due(profiles, now.date(), days, renewal_gems)
    waiting = drafts_waiting(drafts, start, rules)
    counts = {
        "new_gems": len(new),
        "changed_gems": len(changed),
        "new_asks": len(new_asks),
        "renewals_due": len(due),
        "drafts_waiting": len(waiting),
        "new_drafts": sum(1 for d in waiting if d["is_new"]),
    }
    return Digest(
        generated_at=now,
        since=start,
        since_note=since.note,
        renewal_days=days,
        compared_with_snapshot=baseline is not None,
        new_gems=new[:cap],
        changed_gems=changed[:cap],
        new_asks=new_asks[:cap],
        renewals_due=due[:cap],
        drafts_waiting=waiting[:cap],
        counts=counts,
        gem_snapshot=snapshot(gems),
    )

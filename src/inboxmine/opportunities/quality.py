"""How good the gems are, by the user's own ratings: precision overall, per gem
type and for the top 10/20 (by the gem's rank when it was rated).

Precision is good / rated. With nothing rated it is ``None``, never 0 or
100%: the report says how to start rating instead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, func, select

from inboxmine.db.tables.trust import gem_ratings, gem_suppressions
from inboxmine.opportunities.feedback import BAD_REASONS

TOPS = (10, 20)
NOTHING_RATED = (
    "no gem is rated yet: `inboxmine gems rate ID good|bad [--reason R]` "
    "(or the good/bad buttons in the Gem Explorer)"
)


def _figures(ratings: list[dict[str, Any]]) -> dict[str, Any]:
    good = sum(1 for r in ratings if r["rating"] == "good")
    bad = len(ratings) - good
    return {
        "rated": len(ratings),
        "good": good,
        "bad": bad,
        "precision": round(good / len(ratings), 4) if ratings else None,
    }


def precision_report(ratings: Iterable[dict[str, Any]], tops=TOPS) -> dict[str, Any]:
    """The quality report of these ratings (``rating``, ``reason``, ``gem_type``,
    ``rank_at_rating``): a pure function of them."""
    ratings = list(ratings)
    report = _figures(ratings)
    by_type: dict[str, list[dict[str, Any]]] = {}
    for r in ratings:
        by_type.setdefault(r["gem_type"], []).append(r)
    report["by_type"] = [{"gem_type": t, **_figures(rows)} for t, rows in sorted(by_type.items())]
    report["top"] = [
        {
            "top": n,
            **_figures(
                [r for r in ratings if r.get("rank_at_rating") and r["rank_at_rating"] <= n]
            ),
        }
        for n in tops
    ]
    reasons = Counter(r.get("reason") or "none" for r in ratings if r["rating"] == "bad")
    report["bad_reasons"] = {
        reason: reasons.get(reason, 0) for reason in (*BAD_REASONS, "none") if reasons.get(reason)
    }
    report["note"] = None if ratings else NOTHING_RATED
    return report


def quality(conn: Connection) -> dict[str, Any]:
    """The quality report of every stored rating, with the number of suppressions."""
    rows = conn.execute(
        select(
            gem_ratings.c.rating,
            gem_ratings.c.reason,
            gem_ratings.c.gem_type,
            gem_ratings.c.rank_at_rating,
        )
    ).mappings()
    report = precision_report(dict(r) for r in rows)
    report["suppressions"] = int(
        conn.execute(select(func.count()).select_from(gem_suppressions)).scalar_one()
    )
    return report


def percent(value: float | None) -> str:
    """``0.75`` -> ``75%``; no figure -> an em dash (nothing rated)."""
    return "—" if value is None else f"{round(value * 100)}%"


__all__ = ["NOTHING_RATED", "TOPS", "percent", "precision_report", "quality"]

"""Which gems stage 7 drafts for, and with which strategy.

* ``--gem ID``: those gems, any status, with ``--strategy`` or their default
  strategy; preferred_strategies and max_outreach_per_day are not applied.
* otherwise the best ``new`` gems (``--top N``, ``--all-gems``): with
  ``--strategy S`` the gems S fits (even when S is not preferred), else each
  gem's first fitting strategy among ``preferred_strategies``; then the
  daily cap.
* a gem that already has a draft for that strategy is left alone unless
  ``--regenerate`` (the runner leaves such items out: they are done).

:func:`candidates` gives the (gem, strategy) pairs in order; :func:`limit`
applies the top N and the daily cap to the pending ones. Both add what they
decided with ``note`` and in ``facts`` (kept with the run).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from typing import Any

from sqlalchemy import func, select

from inboxmine.db.tables.engage import engagement_drafts
from inboxmine.db.tables.opportunities import gems
from inboxmine.opportunities import strategies as strat
from inboxmine.runner.tracking import StageError


def drafts_today(conn, now: datetime) -> int:
    """Drafts generated since midnight UTC (what ``max_outreach_per_day`` counts)."""
    start = datetime.combine(now.date(), time.min, tzinfo=now.tzinfo)
    return conn.execute(
        select(func.count())
        .select_from(engagement_drafts)
        .where(engagement_drafts.c.generated_at >= start)
    ).scalar_one()


def pick_strategy(gem_type: str, rules: dict, preferred: set[str]) -> str | None:
    """The first strategy fitting ``gem_type`` that the user prefers (all when none
    are preferred); ``None`` when every fitting strategy is outside the preferences."""
    fitting = strat.strategies_for(gem_type, rules) or [rules["fallback_strategy"]]
    if not preferred:
        return fitting[0]
    return next((s for s in fitting if s in preferred), None)


def candidates(
    conn, options: dict[str, Any], engagement, rules: dict, note: Callable[[str], None], facts: dict
) -> list[tuple[int, str]]:
    """(gem id, strategy) pairs that may be drafted, best first."""
    wanted = options.get("strategy")
    if wanted:
        try:
            strat.check_strategy(wanted, rules)
        except strat.StrategyError as exc:
            raise StageError(str(exc)) from exc
    unknown = [s for s in engagement.preferred_strategies or [] if s not in rules["strategies"]]
    if unknown:
        note(
            f"preferred_strategies names unknown strategies ({', '.join(unknown)}): "
            f"known ones are {', '.join(rules['strategies'])}"
        )
    gem_ids = [int(i) for i in options.get("gem_ids") or []]
    if gem_ids:
        rows = conn.execute(
            select(gems.c.id, gems.c.gem_type).where(gems.c.id.in_(gem_ids)).order_by(gems.c.id)
        ).all()
        missing = sorted(set(gem_ids) - {r[0] for r in rows})
        if missing:
            raise StageError(
                f"gem(s) {', '.join(map(str, missing))} do not exist: `inboxmine gems` lists them"
            )
        facts["bypassed"] = ["preferred_strategies", "max_outreach_per_day"]
        note(
            f"explicit gem(s) {', '.join(map(str, gem_ids))}: preferred_strategies and "
            "max_outreach_per_day were not applied"
        )
        return [(r[0], wanted or strat.default_strategy(r[1], rules)) for r in rows]

    query = (
        select(gems.c.id, gems.c.gem_type)
        .where(gems.c.status == "new")
        .order_by(gems.c.score.desc(), gems.c.id)
    )
    if wanted:
        query = query.where(
            gems.c.gem_type.in_((rules["strategies"].get(wanted) or {}).get("gem_types") or [])
        )
    preferred = set(engagement.preferred_strategies or [])
    pairs: list[tuple[int, str]] = []
    skipped_preferred = 0
    for gem_id, gem_type in conn.execute(query):
        strategy = wanted or pick_strategy(gem_type, rules, preferred)
        if strategy is None:
            skipped_preferred += 1
            continue
        pairs.append((gem_id, strategy))
    if wanted and preferred and wanted not in preferred:
        note(f"--strategy {wanted} is not in preferred_strategies; used because you asked for it")
    if skipped_preferred:
        note(
            f"{skipped_preferred} gem(s) skipped: no strategy fitting them is in "
            "preferred_strategies"
        )
    return pairs


def limit(
    pending: list,
    already_done: int,
    options: dict[str, Any],
    engagement,
    rules: dict,
    drafted_today: int,
    note: Callable[[str], None],
    facts: dict,
) -> list:
    """The pending pairs this run drafts: all named gems, else the top N within
    the daily cap."""
    if already_done:
        note(
            f"{already_done} gem(s) already have a draft for that strategy "
            "(use --regenerate for a new version)"
        )
    if options.get("gem_ids"):
        return pending
    top = None if options.get("all") else options.get("top") or rules["default_top"]
    chosen = pending if top is None else pending[: int(top)]
    cap = int(engagement.max_outreach_per_day)
    remaining = max(0, cap - drafted_today)
    if len(chosen) > remaining:
        facts["capped"] = len(chosen) - remaining
        note(
            f"daily cap reached: max_outreach_per_day is {cap} and {drafted_today} draft(s) "
            f"were written earlier today, so {remaining} now; {facts['capped']} gem(s) left "
            "for tomorrow (raise engagement.max_outreach_per_day, or name gems with --gem)"
        )
        chosen = chosen[:remaining]
    return chosen

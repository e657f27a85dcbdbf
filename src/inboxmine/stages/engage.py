"""Stage 7 - engage: strategy-specific outreach drafts for chosen gems.

Which gems: ``--gem ID`` (any status; bypasses preferred_strategies and the
daily cap, and the run says so), else the best ``new`` gems (``--top N``,
default from rules/strategies.yaml) fitting ``--strategy`` if given. One
draft per gem and strategy unless ``--regenerate``; a drafted gem becomes
``acted``. Drafts go through the AI layer (audited); they are never sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from sqlalchemy import func, insert, select, update

from inboxmine.db.engine import read_tx, write_tx
from inboxmine.db.tables.engage import engagement_drafts
from inboxmine.db.tables.ingest import messages
from inboxmine.db.tables.ledger import pipeline_runs
from inboxmine.db.tables.opportunities import gems, sender_profiles
from inboxmine.db.types import utcnow
from inboxmine.opportunities import strategies as strat
from inboxmine.rules.loader import load_rules
from inboxmine.runner.stage import Stage, StageContext
from inboxmine.runner.tracking import StageError


def drafts_today(conn, now: datetime) -> int:
    """Drafts generated since midnight UTC (what ``max_outreach_per_day`` counts)."""
    start = datetime.combine(now.date(), time.min, tzinfo=now.tzinfo)
    return conn.execute(
        select(func.count())
        .select_from(engagement_drafts)
        .where(engagement_drafts.c.generated_at >= start)
    ).scalar_one()


def drafted(conn) -> dict[tuple[int, str], int]:
    """``{(gem_id, strategy): newest version}`` of every draft written so far."""
    return {
        (r[0], r[1]): r[2]
        for r in conn.execute(
            select(
                engagement_drafts.c.gem_id,
                engagement_drafts.c.strategy,
                func.max(engagement_drafts.c.version),
            ).group_by(engagement_drafts.c.gem_id, engagement_drafts.c.strategy)
        )
    }


@dataclass
class Plan:
    """What a run drafts and what it tells the user about its choices."""

    chosen: list[tuple[dict, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Settings not applied to this run (an explicit --gem bypasses them).
    bypassed: list[str] = field(default_factory=list)
    #: Gems the daily cap left for another day.
    capped: int = 0


def pick_strategy(gem_type: str, rules: dict, preferred: set[str]) -> str | None:
    """The first strategy fitting ``gem_type`` that the user prefers (all when none
    are preferred); ``None`` when every fitting strategy is outside the preferences."""
    fitting = strat.strategies_for(gem_type, rules) or ["audit"]
    if not preferred:
        return fitting[0]
    return next((s for s in fitting if s in preferred), None)


def plan(
    ctx: StageContext,
    rules: dict,
    conn,
    now: datetime,
    existing: dict[tuple[int, str], int] | None = None,
) -> Plan:
    """Choose ``(gem, strategy)`` pairs to draft, and say why others were left out.

    * ``--gem ID``: those gems, any status, with ``--strategy`` or their default
      strategy; preferred_strategies and max_outreach_per_day are not applied.
    * otherwise the best ``new`` gems (``--top N``, ``--all-gems``): with
      ``--strategy S`` the gems S fits (even when S is not preferred), else
      each gem's first fitting strategy among ``preferred_strategies``; then
      the daily cap.
    * a gem that already has a draft for that strategy is left alone unless
      ``--regenerate``.
    """
    options = ctx.options
    engagement = ctx.settings.engagement
    existing = drafted(conn) if existing is None else existing
    regenerate = bool(options.get("regenerate"))
    result = Plan()
    wanted = options.get("strategy")
    if wanted:
        try:
            strat.check_strategy(wanted, rules)
        except strat.StrategyError as exc:
            raise StageError(str(exc)) from exc
    unknown = [s for s in engagement.preferred_strategies or [] if s not in rules["strategies"]]
    if unknown:
        result.notes.append(
            f"preferred_strategies names unknown strategies ({', '.join(unknown)}): "
            f"known ones are {', '.join(rules['strategies'])}"
        )

    def fresh(pairs: list[tuple[dict, str]]) -> list[tuple[dict, str]]:
        if regenerate:
            return pairs
        kept = [(g, s) for g, s in pairs if (g["id"], s) not in existing]
        if len(kept) < len(pairs):
            result.notes.append(
                f"{len(pairs) - len(kept)} gem(s) already have a draft for that strategy "
                "(use --regenerate for a new version)"
            )
        return kept

    gem_ids = [int(i) for i in options.get("gem_ids") or []]
    if gem_ids:
        rows = [
            dict(r)
            for r in conn.execute(
                select(gems).where(gems.c.id.in_(gem_ids)).order_by(gems.c.id)
            ).mappings()
        ]
        missing = sorted(set(gem_ids) - {r["id"] for r in rows})
        if missing:
            raise StageError(
                f"gem(s) {', '.join(map(str, missing))} do not exist: `inboxmine gems` lists them"
            )
        result.bypassed = ["preferred_strategies", "max_outreach_per_day"]
        result.notes.append(
            f"explicit gem(s) {', '.join(map(str, gem_ids))}: preferred_strategies and "
            "max_outreach_per_day were not applied"
        )
        result.chosen = fresh(
            [(r, wanted or strat.default_strategy(r["gem_type"], rules)) for r in rows]
        )
        return result

    query = select(gems).where(gems.c.status == "new").order_by(gems.c.score.desc(), gems.c.id)
    if wanted:
        query = query.where(
            gems.c.gem_type.in_((rules["strategies"].get(wanted) or {}).get("gem_types") or [])
        )
    preferred = set(engagement.preferred_strategies or [])
    candidates: list[tuple[dict, str]] = []
    skipped_preferred = 0
    for row in conn.execute(query).mappings():
        gem = dict(row)
        strategy = wanted or pick_strategy(gem["gem_type"], rules, preferred)
        if strategy is None:
            skipped_preferred += 1
            continue
        candidates.append((gem, strategy))
    if wanted and preferred and wanted not in preferred:
        result.notes.append(
            f"--strategy {wanted} is not in preferred_strategies; used because you asked for it"
        )
    if skipped_preferred:
        result.notes.append(
            f"{skipped_preferred} gem(s) skipped: no strategy fitting them is in "
            "preferred_strategies"
        )
    chosen = fresh(candidates)
    top = None if options.get("all") else options.get("top") or rules["default_top"]
    if top is not None:
        chosen = chosen[: int(top)]
    cap = int(engagement.max_outreach_per_day)
    today = drafts_today(conn, now)
    remaining = max(0, cap - today)
    if len(chosen) > remaining:
        result.capped = len(chosen) - remaining
        result.notes.append(
            f"daily cap reached: max_outreach_per_day is {cap} and {today} draft(s) were "
            f"written earlier today, so {remaining} now; {result.capped} gem(s) left for "
            "tomorrow (raise engagement.max_outreach_per_day, or name gems with --gem)"
        )
        chosen = chosen[:remaining]
    result.chosen = chosen
    return result


def record_plan(ctx: StageContext, decided: Plan) -> None:
    """Say what the run decided (bypasses, caps, skips): in the run's parameters
    (``inboxmine runs show ID``: ``notes``, ``bypassed``, ``capped``) and on the
    event stream."""
    extra: dict[str, Any] = {}
    if decided.notes:
        extra["notes"] = decided.notes
    if decided.bypassed:
        extra["bypassed"] = decided.bypassed
    if decided.capped:
        extra["capped"] = decided.capped
    if not extra:
        return
    with write_tx(ctx.engine) as conn:
        current = conn.execute(
            select(pipeline_runs.c.parameters).where(pipeline_runs.c.id == ctx.run.run_id)
        ).scalar()
        conn.execute(
            update(pipeline_runs)
            .where(pipeline_runs.c.id == ctx.run.run_id)
            .values(parameters={**(current or {}), **extra})
        )
    for note in decided.notes:
        ctx.run.events.publish(
            {"type": "note", "run_id": ctx.run.run_id, "stage": "engage", "message": note}
        )


def _thread(conn, thread_id: int | None, limit: int) -> list[dict[str, Any]]:
    if thread_id is None:
        return []
    rows = conn.execute(
        select(
            messages.c.sent_at,
            messages.c.is_sent,
            messages.c.from_name,
            messages.c.from_address,
            func.substr(messages.c.body_text, 1, 1200).label("body"),
        )
        .where(messages.c.thread_id == thread_id)
        .order_by(messages.c.sent_at.desc())
        .limit(limit)
    ).mappings()
    return list(reversed([dict(r) for r in rows]))


def execute(ctx: StageContext) -> None:
    from inboxmine.ai import AIError, ProviderUnavailable, client_for
    from inboxmine.ai.schemas import Draft

    now = utcnow()
    rules = load_rules("strategies.yaml", ctx.settings.rules_dir)
    with read_tx(ctx.engine) as conn:
        existing = drafted(conn)
        decided = plan(ctx, rules, conn, now, existing)
    record_plan(ctx, decided)
    todo, notes = decided.chosen, decided.notes
    ctx.run.set_total(len(todo))
    if not todo:
        return
    try:
        client = client_for(ctx.settings, ctx.engine, ctx.run.run_id, "engage")
    except AIError as exc:
        raise StageError(f"engage cannot draft: {exc}") from exc
    for gem, strategy in todo:
        with read_tx(ctx.engine) as conn:
            profile = (
                conn.execute(
                    select(sender_profiles).where(
                        sender_profiles.c.sender_domain == gem["sender_domain"]
                    )
                )
                .mappings()
                .first()
            )
            thread = _thread(conn, gem.get("thread_id"), int(rules["thread_history_messages"]))
        context = strat.draft_context(
            gem, dict(profile) if profile else None, strategy, ctx.settings.engagement, thread
        )
        try:
            result = client.ask(
                f"engage_{strategy}", context, Draft, sender_domain=gem["sender_domain"]
            )
        except ProviderUnavailable as exc:
            raise StageError(f"engage cannot draft: {exc}") from exc
        except AIError as exc:
            ctx.run.item_error(gem["id"], f"gem {gem['id']} ({strategy}): {exc}")
            ctx.run.advance(processed=1, failed=1)
            continue
        draft = result.answer
        stored_context = {k: v for k, v in context.items() if k not in ("thread_history",)}
        stored_context["notes"] = notes
        # The audit row of this call: "which prompt and answer made this draft?"
        stored_context["ai_audit_id"] = result.audit_id
        with write_tx(ctx.engine) as conn:
            conn.execute(
                insert(engagement_drafts).values(
                    gem_id=gem["id"],
                    sender_domain=gem["sender_domain"],
                    strategy=strategy,
                    channel=strat.channel(strategy, rules),
                    version=existing.get((gem["id"], strategy), 0) + 1,
                    subject_line=draft.subject_line,
                    body_text=draft.body,
                    status="draft",
                    model_used=result.model_used,
                    prompt_template=f"engage_{strategy}",
                    context=stored_context,
                    pipeline_run_id=ctx.run.run_id,
                    generated_at=utcnow(),
                )
            )
            if gem["status"] != "acted":
                conn.execute(
                    update(gems)
                    .where(gems.c.id == gem["id"])
                    .values(status="acted", acted_at=now, updated_at=now)
                )
        ctx.run.advance(processed=1)


STAGE = Stage(
    key="engage",
    order=7,
    description="outreach drafts for chosen gems (never sent)",
    output_tables=("engagement_drafts",),
    uses_ai=True,
    execute=execute,
)

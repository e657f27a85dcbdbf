"""Stage 7 - engage: strategy-specific outreach drafts for chosen gems.

Which gems: ``--gem ID`` (any status; bypasses preferred_strategies and the
daily cap, and the run says so), else the best ``new`` gems (``--top N``,
default from rules/strategies.yaml) fitting ``--strategy`` if given. One
draft per gem and strategy unless ``--regenerate``; a drafted gem becomes
``acted``. Drafts go through the AI layer (audited); they are never sent.
"""

from __future__ import annotations

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
    start = datetime.combine(now.date(), time.min, tzinfo=now.tzinfo)
    return conn.execute(
        select(func.count())
        .select_from(engagement_drafts)
        .where(engagement_drafts.c.generated_at >= start)
    ).scalar_one()


def plan(
    ctx: StageContext, rules: dict, conn, now: datetime
) -> tuple[list[tuple[dict, str]], list[str]]:
    """``([(gem, strategy)], notes)``: what to draft, and what the run should say."""
    options = ctx.options
    engagement = ctx.settings.engagement
    notes: list[str] = []
    wanted = options.get("strategy")
    if wanted:
        try:
            strat.check_strategy(wanted, rules)
        except strat.StrategyError as exc:
            raise StageError(str(exc)) from exc
    gem_ids = [int(i) for i in options.get("gem_ids") or []]
    if gem_ids:
        rows = [
            dict(r) for r in conn.execute(select(gems).where(gems.c.id.in_(gem_ids))).mappings()
        ]
        missing = sorted(set(gem_ids) - {r["id"] for r in rows})
        if missing:
            raise StageError(
                f"gem(s) {', '.join(map(str, missing))} do not exist: `inboxmine gems` lists them"
            )
        notes.append(
            "explicit gem(s): preferred_strategies and max_outreach_per_day were not applied"
        )
        return [(r, wanted or strat.default_strategy(r["gem_type"], rules)) for r in rows], notes
    query = select(gems).where(gems.c.status == "new").order_by(gems.c.score.desc(), gems.c.id)
    if wanted:
        query = query.where(
            gems.c.gem_type.in_((rules["strategies"].get(wanted) or {}).get("gem_types") or [])
        )
    chosen = []
    preferred = set(engagement.preferred_strategies or [])
    skipped_preferred = 0
    for row in conn.execute(query).mappings():
        gem = dict(row)
        strategy = wanted or strat.default_strategy(gem["gem_type"], rules)
        if not wanted and preferred and strategy not in preferred:
            skipped_preferred += 1
            continue
        chosen.append((gem, strategy))
    if wanted and preferred and wanted not in preferred:
        notes.append(
            f"--strategy {wanted} is not in preferred_strategies; used because you asked for it"
        )
    if skipped_preferred:
        notes.append(
            f"{skipped_preferred} gem(s) skipped: their strategy is not in preferred_strategies"
        )
    top = options.get("top") or rules.get("default_top", 10)
    if options.get("all"):
        top = None
    remaining = max(0, engagement.max_outreach_per_day - drafts_today(conn, now))
    if top is not None:
        chosen = chosen[: int(top)]
    if len(chosen) > remaining:
        notes.append(
            f"daily cap reached: {engagement.max_outreach_per_day} drafts a day "
            f"(max_outreach_per_day); {len(chosen) - remaining} gem(s) left for tomorrow"
        )
        chosen = chosen[:remaining]
    return chosen, notes


def record_notes(ctx: StageContext, notes: list[str]) -> None:
    """Say what the run decided (bypasses, caps, skips): in the run's parameters
    (``inboxmine runs show ID``) and on the event stream."""
    if not notes:
        return
    with write_tx(ctx.engine) as conn:
        current = conn.execute(
            select(pipeline_runs.c.parameters).where(pipeline_runs.c.id == ctx.run.run_id)
        ).scalar()
        conn.execute(
            update(pipeline_runs)
            .where(pipeline_runs.c.id == ctx.run.run_id)
            .values(parameters={**(current or {}), "notes": notes})
        )
    for note in notes:
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
        chosen, notes = plan(ctx, rules, conn, now)
        existing = {
            (r[0], r[1]): r[2]
            for r in conn.execute(
                select(
                    engagement_drafts.c.gem_id,
                    engagement_drafts.c.strategy,
                    func.max(engagement_drafts.c.version),
                ).group_by(engagement_drafts.c.gem_id, engagement_drafts.c.strategy)
            )
        }
    regenerate = bool(ctx.options.get("regenerate"))
    todo = [(g, s) for g, s in chosen if regenerate or (g["id"], s) not in existing]
    if len(todo) < len(chosen):
        notes.append(
            f"{len(chosen) - len(todo)} gem(s) already have a draft for that strategy (use --regenerate)"
        )
    record_notes(ctx, notes)
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
            thread = _thread(
                conn, gem.get("thread_id"), int(rules.get("thread_history_messages", 6))
            )
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

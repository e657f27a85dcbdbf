"""Stage 7 - engage: strategy-specific outreach drafts for chosen gems.

One item per gem and strategy (:mod:`inboxmine.opportunities.outreach` says
which: ``--gem ID``, else the best ``new`` gems within ``--top`` and the
daily cap); an item is done once it has a draft, so a gem is drafted once
per strategy unless ``--regenerate``. Drafts go through the AI layer
(audited); they are never sent. A drafted gem becomes ``acted``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from inboxmine.db.engine import read_tx
from inboxmine.db.tables.engage import engagement_drafts
from inboxmine.db.tables.ingest import messages
from inboxmine.db.tables.opportunities import gems, sender_profiles
from inboxmine.db.types import utcnow
from inboxmine.opportunities import outreach
from inboxmine.opportunities import strategies as strat
from inboxmine.rules.loader import load_rules
from inboxmine.runner.registry import register
from inboxmine.runner.stage import Item, ItemError, Outcome, Stage, StageContext
from inboxmine.runner.tracking import StageError
from inboxmine.services import drafts
from inboxmine.services import gems as gem_service


@dataclass(frozen=True)
class Drafting:
    client: Any
    rules: dict
    engagement: Any
    #: What the run decided, kept with each draft.
    notes: tuple[str, ...]


def _rules(ctx: StageContext) -> dict:
    return load_rules("strategies.yaml", ctx.settings.rules_dir)


def items(ctx: StageContext) -> list[Item]:
    with read_tx(ctx.engine) as conn:
        pairs = outreach.candidates(
            conn, ctx.options, ctx.settings.engagement, _rules(ctx), ctx.note, ctx.facts
        )
    return [Item(id=gem_id, name=strategy) for gem_id, strategy in pairs]


def choose(ctx: StageContext, pending: list[Item], already_done: int) -> list[Item]:
    with read_tx(ctx.engine) as conn:
        today = outreach.drafts_today(conn, utcnow())
    return outreach.limit(
        pending,
        already_done,
        ctx.options,
        ctx.settings.engagement,
        _rules(ctx),
        today,
        ctx.note,
        ctx.facts,
    )


def prepare(ctx: StageContext) -> Drafting:
    from inboxmine.ai import AIError, client_for

    try:
        client = client_for(ctx.settings, ctx.engine, ctx.run.run_id, "engage")
    except AIError as exc:
        raise StageError(f"engage cannot draft: {exc}") from exc
    return Drafting(client, _rules(ctx), ctx.settings.engagement, tuple(ctx.notes))


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


def load(conn, batch: list[Item], ctx: StageContext) -> list:
    """Each gem with its sender's profile, its thread and its next draft version."""
    history = int(ctx.prepared.rules["thread_history_messages"])
    loaded = []
    for item in batch:
        gem = conn.execute(select(gems).where(gems.c.id == item.id)).mappings().first()
        if gem is None:
            loaded.append(None)
            continue
        profile = (
            conn.execute(
                select(sender_profiles).where(
                    sender_profiles.c.sender_domain == gem["sender_domain"]
                )
            )
            .mappings()
            .first()
        )
        version = conn.execute(
            select(func.max(engagement_drafts.c.version)).where(
                engagement_drafts.c.gem_id == item.id, engagement_drafts.c.strategy == item.name
            )
        ).scalar()
        loaded.append(
            {
                "gem": dict(gem),
                "strategy": item.name,
                "profile": dict(profile) if profile else None,
                "thread": _thread(conn, gem["thread_id"], history),
                "version": (version or 0) + 1,
            }
        )
    return loaded


def transform(loaded, drafting: Drafting) -> Outcome:
    from inboxmine.ai import AIError, ProviderUnavailable
    from inboxmine.ai.schemas import Draft

    if loaded is None:
        raise ItemError("the gem was deleted since the run began")
    gem, strategy = loaded["gem"], loaded["strategy"]
    context = strat.draft_context(
        gem, loaded["profile"], strategy, drafting.engagement, loaded["thread"]
    )
    try:
        result = drafting.client.ask(
            f"engage_{strategy}", context, Draft, sender_domain=gem["sender_domain"]
        )
    except ProviderUnavailable as exc:
        raise StageError(f"engage cannot draft: {exc}") from exc
    except AIError as exc:
        raise ItemError(f"gem {gem['id']} ({strategy}): {exc}") from exc
    try:
        drafts.check_draft(gem["id"], strategy, result.answer.subject_line, result.answer.body)
    except drafts.InvalidValue as exc:
        raise ItemError(str(exc)) from exc
    stored_context = {k: v for k, v in context.items() if k != "thread_history"}
    stored_context["notes"] = list(drafting.notes)
    # The audit row of this call: "which prompt and answer made this draft?"
    stored_context["ai_audit_id"] = result.audit_id
    return Outcome(
        rows={
            "gem": gem,
            "draft": {
                "gem_id": gem["id"],
                "sender_domain": gem["sender_domain"],
                "strategy": strategy,
                "channel": strat.channel(strategy, drafting.rules),
                "version": loaded["version"],
                "subject_line": result.answer.subject_line,
                "body_text": result.answer.body,
                "model_used": result.model_used,
                "prompt_template": f"engage_{strategy}",
                "context": stored_context,
            },
        }
    )


def write(conn, outcomes: dict[Item, Outcome], ctx: StageContext) -> None:
    now = utcnow()
    for outcome in outcomes.values():
        drafts.record_draft(
            conn, **outcome.rows["draft"], pipeline_run_id=ctx.run.run_id, generated_at=now
        )
        gem_service.mark_acted(conn, outcome.rows["gem"]["id"], now)


STAGE = register(
    Stage(
        key="engage",
        order=7,
        description="outreach drafts for chosen gems (never sent)",
        output_tables=("engagement_drafts",),
        uses_ai=True,
        in_run_all=False,
        keyed_by="gem",
        items=items,
        choose=choose,
        redo_done=lambda ctx: bool(ctx.options.get("regenerate")),
        prepare=prepare,
        load=load,
        transform=transform,
        write=write,
        parallel=False,
    )
)

"""Stage 4 - classify: industry, size, sophistication, intent, product, audience per sender.

One item per sender (its domain, or its address for free-mail senders; never
the user's own mail), pending again whenever it has new mail. Each gets one
AI call on a sample of its most recent messages and their stage 1-3 signals
(:mod:`inboxmine.classify.asking`). The answer, validated against the
dimensions, is written to every pending message of the sender
(``ai_classification``, overrides applied) and rolled up per sender
(``sender_classification``). A bad answer is an item error (nothing stored,
retried next run); a provider that cannot work stops the run, keeping what
was answered before.

With the offline (in-process) model the calls are pure CPU: they run in
worker processes, and each call's audit row comes back with its answer to be
written in the batch's transaction. A model that costs money is asked from
this process, each call logged as it happens.
"""

from __future__ import annotations

from inboxmine.ai import client_for
from inboxmine.ai.audit import write_held
from inboxmine.ai.errors import ModelSpecError
from inboxmine.ai.schemas import classification_model, load_dimensions
from inboxmine.ai.templates import load_template
from inboxmine.classify import store
from inboxmine.classify.asking import TEMPLATE, Asker, allowed_values_text
from inboxmine.classify.overrides import corrections
from inboxmine.runner.registry import register
from inboxmine.runner.stage import Item, ItemError, Outcome, Stage, StageContext
from inboxmine.runner.tracking import StageError

RETRAIN_CORRECTIONS = 10


def items(ctx: StageContext) -> list[Item]:
    """Every sender; its version changes with its mail (newest message, count)."""
    return [
        Item(name=sender, version=version)
        for sender, version in store.sender_versions(ctx.engine, ctx.settings.my_addresses)
    ]


def prepare(ctx: StageContext) -> Asker:
    settings = ctx.settings
    try:
        client = client_for(settings, ctx.engine, ctx.run.run_id, "classify")
    except ModelSpecError as exc:
        raise StageError(f"classify cannot start: {exc}") from exc
    if client.provider.spec.in_process:
        client = client.for_workers()
    overrides = store.load_overrides(ctx.engine)
    few_shot = corrections(overrides, RETRAIN_CORRECTIONS) if ctx.options.get("retrain") else []
    return Asker(
        client,
        classification_model(settings.rules_dir),
        {
            "corrections": few_shot or "none",
            "allowed_values": allowed_values_text(load_dimensions(settings.rules_dir)),
        },
        provenance={
            "prompt_template": TEMPLATE,
            "prompt_version": load_template(TEMPLATE, rules_dir=settings.rules_dir).version,
            "pipeline_run_id": ctx.run.run_id,
        },
        reprocess=ctx.reprocess,
        max_body_chars=settings.ai.max_body_chars,
        overrides=overrides,
        rules_dir=settings.rules_dir,
    )


def in_workers(ctx: StageContext) -> bool:
    """Worker processes only for an in-process model (prepared with held audit rows)."""
    return ctx.prepared.in_workers


def load(conn, batch: list[Item], ctx: StageContext) -> list:
    """Each sender's messages and its sample with details."""
    return store.read_senders(conn, [item.name for item in batch], ctx.settings)


def transform(loaded, asker: Asker) -> Outcome:
    """The sender's answer with the audit rows its client held (none when they
    were written at once); a failed answer is an ``error`` outcome, so that its
    call's row is still written."""
    sender, candidates, sample = loaded
    try:
        answer = asker.ask(sender, candidates, sample)
    except ItemError as exc:
        audit = asker.client.take_held()
        if not audit:
            raise
        return Outcome(rows={"answer": None, "audit": audit}, status="error", note=str(exc))
    return Outcome(rows={"answer": answer, "audit": asker.client.take_held()})


def write(conn, outcomes: dict[Item, Outcome], ctx: StageContext) -> None:
    held = [(o.rows["answer"], o.rows["audit"]) for o in outcomes.values()]
    audit_ids = iter(write_held(conn, [row for _, rows in held for row in rows]))
    for answer, rows in held:
        ids = [next(audit_ids) for _ in rows]
        if answer is not None and ids:
            answer.provenance["audit_id"] = ids[-1]
    answers = [o.rows["answer"] for o in outcomes.values() if o.rows["answer"] is not None]
    if answers:
        store.store_answers(conn, answers, ctx.prepared.overrides)


STAGE = register(
    Stage(
        key="classify",
        order=4,
        description="industry, size, sophistication, intent, product, audience per sender",
        output_tables=("ai_classification", "sender_classification"),
        uses_ai=True,
        keyed_by="sender",
        items=items,
        prepare=prepare,
        load=load,
        transform=transform,
        write=write,
        retry_errors=True,
        parallel=in_workers,
        # With an in-process model each worker reads the senders it classifies.
        loads_in_workers=True,
    )
)

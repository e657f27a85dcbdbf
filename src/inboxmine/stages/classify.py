"""Stage 4 - classify: industry, size, sophistication, intent, product, audience per sender.

A whole stage: each sender with unclassified messages (its domain, or its
address for free-mail senders; never the user's own mail) gets one AI call on
a sample of its most recent messages and their stage 1-3 signals. The answer,
validated against the dimensions, is written to every pending message of the
sender (``ai_classification``, overrides applied) and rolled up per sender
(``sender_classification``). A bad answer is an item error (nothing stored,
retried next run); a provider that cannot work fails the run. Senders are
read and stored in batches (:mod:`inboxmine.classify.store`).
"""

from __future__ import annotations

from typing import Any

from inboxmine.ai import AIError, ProviderUnavailable, client_for
from inboxmine.ai.errors import AITimeout, ModelSpecError, ProviderError, RateLimited
from inboxmine.ai.schemas import classification_model, load_dimensions
from inboxmine.ai.templates import load_template
from inboxmine.classify.context import build_signals, render_emails, sample_messages
from inboxmine.classify.overrides import corrections
from inboxmine.classify.store import (
    SenderAnswer,
    load_details,
    load_overrides,
    pending_senders,
    senders_messages,
    store_answers,
)
from inboxmine.db.engine import read_tx, write_tx
from inboxmine.runner.stage import Stage, StageContext
from inboxmine.runner.tracking import StageError

TEMPLATE = "classify"
#: This many transport failures (timeouts, 429, 5xx) in a row mean the provider is down.
MAX_CONSECUTIVE_TRANSPORT_FAILURES = 3
RETRAIN_CORRECTIONS = 10
#: Senders read and stored together.
SENDER_BATCH = 200


def execute(ctx: StageContext) -> None:
    settings = ctx.settings
    try:
        client = client_for(settings, ctx.engine, ctx.run.run_id, "classify")
    except ModelSpecError as exc:
        raise StageError(f"classify cannot start: {exc}") from exc
    version = load_template(TEMPLATE, rules_dir=settings.rules_dir).version
    answer_model = classification_model(settings.rules_dir)
    overrides = load_overrides(ctx.engine)
    few_shot = corrections(overrides, RETRAIN_CORRECTIONS) if ctx.options.get("retrain") else []
    asking = _Asker(
        ctx,
        client,
        answer_model,
        {
            "corrections": few_shot or "none",
            "allowed_values": allowed_values_text(load_dimensions(settings.rules_dir)),
        },
        provenance={
            "prompt_template": TEMPLATE,
            "prompt_version": version,
            "pipeline_run_id": ctx.run.run_id,
        },
    )
    pending = pending_senders(ctx.engine, settings.my_addresses, ctx.reprocess)
    ctx.run.set_total(len(pending))
    for start in range(0, len(pending), SENDER_BATCH):
        batch = pending[start : start + SENDER_BATCH]
        answers: list[SenderAnswer] = []
        try:
            for sender_domain, candidates, sample in _read(ctx, batch):
                answer = asking.ask(sender_domain, candidates, sample)
                if answer is not None:
                    answers.append(answer)
        finally:  # what was answered before the provider went away is kept
            if answers:
                with write_tx(ctx.engine) as conn:
                    store_answers(conn, answers, overrides)
                ctx.run.advance(len(answers))


def _read(ctx: StageContext, batch: list[str]):
    """(sender, its messages, its sample with details) for each sender of the batch."""
    settings = ctx.settings
    try:
        with read_tx(ctx.engine) as conn:
            found = senders_messages(conn, batch, settings.my_addresses)
            samples = {s: sample_messages(found[s], settings.ai.sample_messages) for s in batch}
            load_details(conn, [m for sample in samples.values() for m in sample])
    except Exception:  # odd data somewhere in the batch: read sender by sender
        if len(batch) == 1:
            ctx.run.item_error(batch[0], f"{batch[0]}: cannot read its messages")
            ctx.run.advance(1, failed=1)
            return
        for sender_domain in batch:
            yield from _read(ctx, [sender_domain])
        return
    for sender_domain in batch:
        yield sender_domain, found[sender_domain], samples[sender_domain]


class _Asker:
    """One AI call per sender; counts provider failures in a row."""

    def __init__(self, ctx, client, answer_model, fixed: dict, provenance: dict) -> None:
        self.ctx = ctx
        self.client = client
        self.answer_model = answer_model
        self.fixed = fixed
        self.provenance = provenance
        self.transport_failures = 0

    def ask(self, sender_domain: str, candidates: list[dict], sample: list[dict]):
        """The sender's answer to store, or None (nothing pending, or an item error)."""
        ctx, settings = self.ctx, self.ctx.settings
        targets = [m["message_id"] for m in candidates if ctx.reprocess or not m["classified"]]
        if not targets:
            ctx.run.advance(1)
            return None
        variables = {
            "sender_domain": sender_domain,
            "signals": build_signals(
                sender_domain,
                sample,
                len(candidates),
                settings.ai.max_body_chars,
                all_messages=candidates,
            ),
            "emails": render_emails(sample, settings.ai.max_body_chars),
            **self.fixed,
        }
        try:
            result = self.client.ask(
                TEMPLATE, variables, self.answer_model, sender_domain=sender_domain
            )
        except ProviderUnavailable as exc:
            raise StageError(f"classify stopped at sender {sender_domain}: {exc}") from exc
        except AIError as exc:
            ctx.run.item_error(sender_domain, f"{sender_domain}: {exc} - retried on the next run")
            ctx.run.advance(1, failed=1)
            if isinstance(exc, AITimeout | RateLimited | ProviderError):
                self.transport_failures += 1
                if self.transport_failures >= MAX_CONSECUTIVE_TRANSPORT_FAILURES:
                    raise StageError(
                        f"classify stopped: the AI provider failed for {self.transport_failures} "
                        f"senders in a row (last: {exc}); senders classified so far are kept - "
                        f"run the stage again later"
                    ) from exc
            return None
        self.transport_failures = 0
        return SenderAnswer(
            sender_domain=sender_domain,
            message_ids=targets,
            answer=result.answer.model_dump(mode="json"),
            provenance={
                "model_used": result.model_used,
                "audit_id": result.audit_id,
                **self.provenance,
            },
            sample_ids=[m["message_id"] for m in sample],
        )


def allowed_values_text(dimensions: dict[str, dict[str, Any]]) -> str:
    """The allowed values of each choice dimension, one line each, for the prompt."""
    lines = []
    for name, spec in dimensions.items():
        kind = spec.get("kind")
        if kind == "choice":
            lines.append(f"- {name}: " + " | ".join(str(v) for v in spec["values"]))
        elif kind in ("int", "float"):
            lines.append(f"- {name}: {spec.get('min')} to {spec.get('max')}")
    return "\n".join(lines)


STAGE = Stage(
    key="classify",
    order=4,
    description="industry, size, sophistication, intent, product, audience per sender",
    output_tables=("ai_classification", "sender_classification"),
    uses_ai=True,
    execute=execute,
)

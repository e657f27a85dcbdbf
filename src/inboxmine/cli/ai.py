"""``inboxmine ai-log`` (every AI call) and ``override`` / ``overrides`` (corrections)."""

from __future__ import annotations

import json

import typer

from inboxmine.cli.context import app_context, console, fail
from inboxmine.cli.output import fmt_time, print_json, print_table, show_rows

ai_log_app = typer.Typer(
    help="The AI audit log: every AI call, successful or failed, with its run.",
    invoke_without_command=True,
)
STATUSES = ("ok", "error", "cache_hit")
#: Left out of the listing's table (long or rarely useful): --json and `show` have them.
TABLE_LEAVES_OUT = ("prompt_version", "attempts", "error")


@ai_log_app.callback()
def list_ai_calls(
    ctx: typer.Context,
    stage: str = typer.Option(None, "--stage", help="only this stage (classify, engage)"),
    sender: str = typer.Option(None, "--sender", help="only calls about this sender_domain"),
    model: str = typer.Option(None, "--model", help="only this model (provider:model)"),
    run: int = typer.Option(None, "--run", help="only calls of this pipeline run id"),
    status: str = typer.Option(None, "--status", help="ok, error or cache_hit"),
    sort: str = typer.Option("created_at", "--sort", help="created_at or duration_ms"),
    asc: bool = typer.Option(
        False, "--asc/--desc", help="ascending or descending (default: newest first)"
    ),
    limit: int = typer.Option(50, "--limit", min=1, help="at most this many calls"),
    json_out: bool = typer.Option(False, "--json", help="print a JSON array"),
) -> None:
    """List AI calls (default: newest first)."""
    if ctx.invoked_subcommand is not None:
        return
    from inboxmine.ai.audit import LIST_COLUMNS, list_calls

    if status and status not in STATUSES:
        fail(f"unknown status {status!r}: choose one of {', '.join(STATUSES)}")
    if sort not in ("created_at", "duration_ms"):
        fail(f"cannot sort by {sort!r}: choose created_at or duration_ms")
    engine = app_context(ctx).engine()
    total, rows = list_calls(
        engine,
        stage=stage,
        sender_domain=sender,
        model_used=model,
        run_id=run,
        status=status,
        sort=sort,
        descending=not asc,
        limit=limit,
    )
    show_rows(
        rows,
        json_out,
        "no AI calls recorded yet: run `inboxmine run classify`",
        [c for c in LIST_COLUMNS if c not in TABLE_LEAVES_OUT],
        title=f"AI calls ({len(rows)} of {total})",
        formatters={"created_at": fmt_time},
    )


@ai_log_app.command("show")
def show_ai_call(
    ctx: typer.Context,
    call_id: int = typer.Argument(..., help="the call id (first column of `inboxmine ai-log`)"),
    json_out: bool = typer.Option(False, "--json", help="print a JSON object"),
) -> None:
    """One AI call in full: prompts, raw and parsed response, error."""
    from inboxmine.ai.audit import get_call

    call = get_call(app_context(ctx).engine(), call_id)
    if call is None:
        fail(f"AI call {call_id} does not exist: list them with `inboxmine ai-log`")
    if json_out:
        print_json(call)
        return
    head = [
        ("id", call["id"]),
        ("created_at", fmt_time(call["created_at"])),
        ("pipeline_run_id", call["pipeline_run_id"]),
        ("stage", call["stage"]),
        ("sender_domain", call["sender_domain"]),
        ("model_used", call["model_used"]),
        ("status", call["status"]),
        ("prompt_template", f"{call['prompt_template']} {call['prompt_version'] or ''}".strip()),
        ("duration_ms", call["duration_ms"]),
        ("tokens in/out", f"{call['tokens_in'] or '-'} / {call['tokens_out'] or '-'}"),
        ("attempts", call["attempts"]),
        ("error", call["error"] or ""),
    ]
    for label, value in head:
        console.print(
            f"{label}: {'' if value is None else value}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    parsed = call["response_parsed"]
    for title, text in (
        ("system prompt", call["system_prompt"]),
        ("prompt", call["prompt_rendered"]),
        ("response (raw)", call["response_raw"]),
        ("response (parsed)", json.dumps(parsed, indent=2, ensure_ascii=False) if parsed else ""),
    ):
        console.rule(title)
        console.print(text or "", markup=False, highlight=False, soft_wrap=True)


def override(
    ctx: typer.Context,
    sender: str = typer.Option(
        None, "--sender", help="correct every message of this sender_domain"
    ),
    message: int = typer.Option(
        None, "--message", help="correct one message (messages.id); wins over --sender"
    ),
    field: str = typer.Option(
        ..., "--field", "-f", help="industry, sender_intent, company_size_estimate, ..."
    ),
    value: str = typer.Option(
        ..., "--value", "-v", help="the correct value (checked against the allowed values)"
    ),
    json_out: bool = typer.Option(False, "--json", help="print the override as JSON"),
) -> None:
    """Correct a classification; applied at once and to future classifications."""
    from inboxmine.services.overrides import OverrideError, OverrideTargetError, add_override

    app = app_context(ctx)
    try:
        row = add_override(
            app.engine(),
            field,
            value,
            sender_domain=sender,
            message_id=message,
            rules_dir=app.settings.rules_dir,
        )
    except (OverrideError, OverrideTargetError) as exc:
        fail(str(exc))
    if json_out:
        print_json(row)
        return
    target = (
        f"message {row['message_id']}" if row["message_id"] else f"sender {row['sender_domain']}"
    )
    console.print(
        f"override #{row['id']}: {target}: {row['field_name']} = {row['corrected_value']!s} "
        f"(was: {row['original_value']!s}); {row['updated']} classification(s) updated",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def overrides(
    ctx: typer.Context,
    sender: str = typer.Option(None, "--sender", help="only this sender_domain"),
    stats: bool = typer.Option(
        False, "--stats", help="per-field override rates instead of the list"
    ),
    limit: int = typer.Option(100, "--limit", min=1, help="at most this many overrides"),
    json_out: bool = typer.Option(False, "--json", help="print a JSON array"),
) -> None:
    """List overrides (newest first), or with --stats the override rate per field."""
    from sqlalchemy import func, select

    from inboxmine.ai.schemas import load_dimensions
    from inboxmine.classify.overrides import overridable_fields, override_rates
    from inboxmine.db.tables.classify import ai_classification
    from inboxmine.db.tables.classify import classification_overrides as co

    app = app_context(ctx)
    engine = app.engine()
    with engine.connect() as conn:
        if stats:
            counts = dict(
                conn.execute(select(co.c.field_name, func.count()).group_by(co.c.field_name)).all()
            )
            total = conn.execute(select(func.count()).select_from(ai_classification)).scalar_one()
            rows = override_rates(
                counts, total, overridable_fields(load_dimensions(app.settings.rules_dir))
            )
        else:
            query = select(co).order_by(co.c.created_at.desc(), co.c.id.desc()).limit(limit)
            if sender:
                query = query.where(co.c.sender_domain == sender.lower())
            rows = [dict(r) for r in conn.execute(query).mappings()]
    if json_out:
        print_json(rows)
        return
    if stats:
        print_table(
            ["field_name", "overrides", "classifications", "override_rate", "needs_tuning"],
            rows,
            title="override rate per field (% of classified messages; > 20% needs tuning)",
            formatters={"needs_tuning": lambda v: "needs tuning" if v else ""},
        )
        return
    if not rows:
        console.print(
            "no overrides yet: correct a classification with "
            "`inboxmine override --sender DOMAIN --field F --value V`",
            markup=False,
        )
        return
    print_table(
        [
            "id",
            "created_at",
            "override_scope",
            "sender_domain",
            "message_id",
            "field_name",
            "corrected_value",
            "original_value",
        ],
        rows,
        title=f"overrides ({len(rows)})",
        formatters={"created_at": fmt_time},
    )


def register(app: typer.Typer) -> None:
    app.add_typer(ai_log_app, name="ai-log")
    app.command("override")(override)
    app.command("overrides")(overrides)

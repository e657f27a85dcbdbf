"""``inboxmine gems`` and ``inboxmine drafts``: the opportunities and their outreach drafts."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from inboxmine.cli.context import app_context, console, fail
from inboxmine.cli.output import fmt_time, print_json, show_rows
from inboxmine.opportunities import queries
from inboxmine.services import drafts, gems
from inboxmine.services.base import InvalidValue, NotFound

gems_app = typer.Typer(
    help="Opportunities found in your mail, best first.", invoke_without_command=True
)
drafts_app = typer.Typer(
    help="Outreach drafts (never sent by inboxmine).", invoke_without_command=True
)

LIST_COLUMNS = [
    "id",
    "gem_type",
    "sender_domain",
    "contact",
    "score",
    "status",
    "urgency",
    "estimated_value",
    "summary",
]
#: Trust verdicts not worth a mention in the gem list (None: not judged yet).
PLAIN_VERDICTS = (None, "legitimate", "bulk")


def contact_line(gem: dict) -> str:
    """``Dana Whitfield <dana@northwind.example>``: the person a thread gem belongs to."""
    name, email = gem.get("contact_name"), gem.get("contact_email")
    if name and email:
        return f"{name} <{email}>"
    return name or email or ""


@gems_app.callback()
def list_gems(
    ctx: typer.Context,
    gem_type: str = typer.Option(None, "--type", help="only this gem type"),
    status: str = typer.Option(None, "--status", help="new, acted, dismissed or expired"),
    segment: str = typer.Option(
        None,
        "--segment",
        help="only senders in this segment (e.g. spend_map, or a custom segment name)",
    ),
    min_score: int = typer.Option(None, "--min-score", help="only gems scoring at least this"),
    urgency: str = typer.Option(None, "--urgency", help="high, medium or low"),
    sender: str = typer.Option(None, "--sender", help="only this sender"),
    top: int = typer.Option(50, "--top", min=1, help="at most this many gems"),
    json_out: bool = typer.Option(False, "--json", help="print a JSON array"),
) -> None:
    """List gems (expired ones only with --status expired)."""
    if ctx.invoked_subcommand is not None:
        return
    engine = app_context(ctx).engine()
    try:
        rows = queries.list_gems(
            engine,
            gem_type=gem_type,
            status=status,
            segment=segment,
            min_score=min_score,
            urgency=urgency,
            sender=sender,
            top=top,
        )
    except queries.InvalidValue as exc:
        fail(str(exc))
    if not json_out:
        rows = [{**row, "contact": contact_line(row)} for row in rows]
    # A gem whose sender is not plainly trusted says so (suspicious, automated).
    flagged = any(r.get("trust_verdict") not in PLAIN_VERDICTS for r in rows)
    show_rows(
        rows,
        json_out,
        "no gems match: run `inboxmine run all` to detect them, or loosen the filters",
        LIST_COLUMNS[:-1] + ["trust_verdict", "summary"] if flagged else LIST_COLUMNS,
        title=f"gems ({len(rows)})",
        formatters={"trust_verdict": lambda v: "" if v in PLAIN_VERDICTS else str(v)},
    )


@gems_app.command("explain")
def explain(
    ctx: typer.Context,
    gem_id: int = typer.Argument(..., help="the gem id"),
    json_out: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Every signal with its evidence (message and quote) and the score breakdown."""
    engine = app_context(ctx).engine()
    try:
        gem = queries.gem_detail(engine, gem_id)
    except queries.NotFound as exc:
        fail(str(exc))
    if json_out:
        print_json(gem)
        return
    out = lambda text="": console.print(text, markup=False, highlight=False)  # noqa: E731
    out(
        f"gem {gem['id']}  {gem['gem_type']}  {gem['sender_domain']} ({gem.get('company_name') or ''})"
    )
    out(
        f"status {gem['status']}  score {gem['score']}  urgency {gem['urgency']} ({gem.get('urgency_reason') or ''})"
        f"  value {gem['estimated_value']}  confidence {gem['confidence']}"
    )
    out(f"relationship {gem['relationship']} ({gem.get('relationship_source') or 'none'})")
    if contact_line(gem):
        out(f"contact {contact_line(gem)}")
    from inboxmine.cli.gem_ratings import rating_line

    out(rating_line(engine, gem_id))
    if gem.get("trust_verdict") not in PLAIN_VERDICTS:
        out(
            f"sender trust: {gem['trust_verdict']} - `inboxmine trust show {gem['sender_domain']}` "
            "shows the evidence"
        )
    out(f"summary: {gem['summary']}")
    out()
    out("signals:")
    subjects = {m["id"]: m for m in gem.get("evidence_messages", [])}
    for signal in (gem.get("explanation") or {}).get("signals", []):
        out(f"  - {signal['signal']}: {signal.get('detail', '')}")
        for ev in signal.get("evidence", []):
            msg = subjects.get(ev["message_id"], {})
            out(
                f"      message {ev['message_id']} ({fmt_time(msg.get('sent_at'))}, {msg.get('subject') or ''!s:.60})"
            )
            out(f'        "{ev["quote"]}"')
    breakdown = gem.get("score_breakdown") or {}
    if breakdown:
        out()
        out(
            f"score {breakdown['total']} = min(raw {breakdown['raw_total']}, cap {breakdown['cap']['value']} "
            f"for {breakdown['cap']['relationship']}, 100)"
            + (" - cap applied" if breakdown["cap"]["applied"] else "")
            + (
                f", less {breakdown['trust']['penalty']:g} for a {breakdown['trust']['verdict']} sender"
                if breakdown.get("trust")
                else ""
            )
        )
        for tier in breakdown["tiers"]:
            out(f"  {tier['name']}: {tier['value']} / {tier['max']}")
            for c in tier["components"]:
                out(f"    {c['name']:<20} {c['value']:>6} / {c['max']:<4} {c['detail']}")
    out()
    out("recommended actions:")
    for action in gem.get("recommended_actions") or []:
        out(f"  - {action}")
    if gem.get("drafts"):
        out()
        out(
            "drafts: "
            + ", ".join(
                f"#{d['id']} {d['strategy']} v{d['version']} ({d['status']})" for d in gem["drafts"]
            )
        )


@gems_app.command("set-status")
def set_status(
    ctx: typer.Context,
    gem_id: int = typer.Argument(..., help="the gem id"),
    status: str = typer.Argument(..., help="acted, dismissed or new"),
) -> None:
    """Mark a gem acted, dismissed or new again (kept when detection runs again).

    acted and dismissed record when (acted_at, dismissed_at); new clears both."""
    engine = app_context(ctx).engine()
    try:
        gems.set_gem_status(engine, gem_id, status)
    except (NotFound, InvalidValue) as exc:
        fail(str(exc))
    console.print(f"gem {gem_id}: {status}", markup=False, highlight=False)


DRAFT_COLUMNS = [
    "id",
    "gem_id",
    "sender_domain",
    "strategy",
    "version",
    "status",
    "subject_line",
    "generated_at",
    "sent_at",
]


@drafts_app.callback()
def list_drafts(
    ctx: typer.Context,
    gem: int = typer.Option(None, "--gem", help="only drafts of this gem"),
    status: str = typer.Option(None, "--status", help="draft, approved, sent or archived"),
    limit: int = typer.Option(50, "--limit", min=1),
    json_out: bool = typer.Option(False, "--json", help="print a JSON array"),
) -> None:
    """List drafts, newest first (`inboxmine run engage` writes them)."""
    if ctx.invoked_subcommand is not None:
        return
    try:
        rows = queries.list_drafts(
            app_context(ctx).engine(), gem_id=gem, status=status, limit=limit
        )
    except queries.InvalidValue as exc:
        fail(str(exc))
    show_rows(
        rows,
        json_out,
        "no drafts yet: `inboxmine run engage --top 5` drafts for your best gems",
        DRAFT_COLUMNS,
        title=f"drafts ({len(rows)})",
        formatters={"generated_at": fmt_time, "sent_at": fmt_time},
    )


@drafts_app.command("show")
def show_draft(
    ctx: typer.Context,
    draft_id: int = typer.Argument(..., help="the draft id"),
    json_out: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """One draft in full."""
    try:
        draft = queries.draft_detail(app_context(ctx).engine(), draft_id)
    except queries.NotFound as exc:
        fail(str(exc))
    if json_out:
        print_json(draft)
        return
    out = lambda text="": console.print(text, markup=False, highlight=False)  # noqa: E731
    out(
        f"draft {draft['id']} for gem {draft['gem_id']} ({draft['sender_domain']}), {draft['strategy']} v{draft['version']}, "
        f"{draft['status']}, by {draft['model_used']} via {draft['channel']}"
    )
    if draft.get("sent_at"):
        out(f"sent at {fmt_time(draft['sent_at'])}")
    if draft.get("edited_at"):
        out(f"edited by you at {fmt_time(draft['edited_at'])} (the AI's text is kept: --json)")
    context = draft.get("context") or {}
    recipient = contact_line(
        {
            "contact_name": context.get("contact_full_name"),
            "contact_email": context.get("contact_email"),
        }
    )
    if recipient:
        out(f"To: {recipient}")
    out(f"Subject: {draft['subject_line']}")
    out()
    out(draft["body_text"])


@drafts_app.command("set-status")
def set_draft_status(
    ctx: typer.Context,
    draft_id: int = typer.Argument(..., help="the draft id"),
    status: str = typer.Argument(..., help=", ".join(drafts.DRAFT_STATUSES)),
) -> None:
    """Mark a draft approved, sent (you sent it yourself; sets sent_at), archived or draft."""
    try:
        result = drafts.set_draft_status(app_context(ctx).engine(), draft_id, status)
    except (NotFound, InvalidValue) as exc:
        fail(str(exc))
    line = f"draft {draft_id}: {status}"
    if result["sent_at"]:
        line += f" (sent at {fmt_time(result['sent_at'])})"
    console.print(line, markup=False, highlight=False)


@drafts_app.command("edit")
def edit_draft(
    ctx: typer.Context,
    draft_id: int = typer.Argument(..., help="the draft id"),
    subject: str = typer.Option(None, "--subject", help="the new subject line"),
    body_file: Path = typer.Option(
        None, "--body-file", help="a UTF-8 text file with the new body ('-' reads stdin)"
    ),
) -> None:
    """Replace a draft's subject and/or body; the AI's original text is kept."""
    body = None
    if body_file is not None:
        try:
            body = (
                sys.stdin.read()
                if str(body_file) == "-"
                else body_file.expanduser().read_text(encoding="utf-8")
            )
        except (OSError, UnicodeDecodeError) as exc:
            fail(f"cannot read the body file {body_file}: {exc} - give a UTF-8 text file")
    try:
        drafts.update_draft_text(app_context(ctx).engine(), draft_id, subject, body)
    except NotFound as exc:
        fail(str(exc))
    except InvalidValue as exc:
        message = str(exc)
        fail(message if message.startswith("draft") else f"draft {draft_id} not changed: {message}")
    console.print(
        f"draft {draft_id} updated (the AI's text is kept in original_text)",
        markup=False,
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    from inboxmine.cli.gem_ratings import add_commands

    add_commands(gems_app)
    app.add_typer(gems_app, name="gems")
    app.add_typer(drafts_app, name="drafts")

"""``inboxmine trust``: who is legitimate, bulk, automated, suspicious, spam or phishing - and why."""

from __future__ import annotations

import json
from typing import Any

import typer

from inboxmine.cli.context import app_context, console, fail
from inboxmine.cli.output import fmt_time, print_json, show_rows
from inboxmine.db.tables.trust import TRUST_VERDICTS
from inboxmine.trust import service

trust_app = typer.Typer(
    help="Sender trust: verdicts with their evidence, and your corrections.",
    no_args_is_help=True,
)

LIST_COLUMNS = [
    "sender_domain",
    "verdict",
    "risk_score",
    "message_count",
    "source",
    "top_signal",
]
VERDICT_HELP = ", ".join(TRUST_VERDICTS)


def _out(text: str = "") -> None:
    # Sender names and evidence come from email: printed as text, never markup.
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def _top_signal(row: dict[str, Any]) -> str:
    signals = row.get("signals") or []
    return f"{signals[0]['signal']}: {signals[0].get('detail', '')}"[:120] if signals else ""


def _evidence_text(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return " ".join(text.split())[:300]


def _print_signals(signals: list[dict[str, Any]], indent: str = "  ") -> None:
    for signal in signals:
        weight = signal.get("weight")
        ids = signal.get("message_ids") or []
        _out(
            f"{indent}- {signal['signal']} (weight {weight}): {signal.get('detail', '')}"
            + (f"  [messages {', '.join(str(i) for i in ids[:10])}]" if ids else "")
        )
        for example in signal.get("evidence") or []:
            _out(
                f'{indent}    message {example.get("message_id")}: "{_evidence_text(example.get("evidence"))}"'
            )


@trust_app.command("list")
def list_senders(
    ctx: typer.Context,
    verdict: str = typer.Option(None, "--verdict", help=f"only this verdict: {VERDICT_HELP}"),
    limit: int = typer.Option(100, "--limit", min=1, help="at most this many senders"),
    json_out: bool = typer.Option(False, "--json", help="print a JSON array"),
) -> None:
    """Judged senders, the worst verdicts and highest risk first."""
    engine = app_context(ctx).engine()
    try:
        _, rows = service.list_senders(engine, [verdict] if verdict else None, limit)
    except service.InvalidValue as exc:
        fail(str(exc))
    for row in rows:
        row["top_signal"] = _top_signal(row)
    show_rows(
        rows,
        json_out,
        "no judged senders: run `inboxmine run all` (stage 1 judges each message, "
        "stage 5 each sender), or loosen --verdict",
        LIST_COLUMNS,
        title=f"sender trust ({len(rows)})",
    )


@trust_app.command("show")
def show_sender(
    ctx: typer.Context,
    sender: str = typer.Argument(..., help="the sender, as `inboxmine trust list` shows it"),
    json_out: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """One sender: verdict, the signals with their evidence, its messages and gems."""
    engine = app_context(ctx).engine()
    try:
        detail = service.sender_detail(engine, sender)
    except (service.NotFound, service.InvalidValue) as exc:
        fail(str(exc))
    if json_out:
        print_json(detail)
        return
    _out(f"sender {detail['sender_domain']}")
    _out(
        f"verdict {detail.get('verdict') or 'none (unknown, never blocked)'}"
        f"  risk {detail.get('risk_score', '')}  source {detail.get('source') or ''}"
        f"  messages {detail.get('message_count') or len(detail['messages'])}"
    )
    if detail.get("verdict_counts"):
        _out(
            "message verdicts: "
            + ", ".join(f"{k} {v}" for k, v in detail["verdict_counts"].items())
        )
    override = detail.get("override")
    if override:
        _out(
            f"your correction: {override['verdict']} ({override.get('reason') or 'no reason'}), "
            f"set by {override['source']}; `inboxmine trust clear {detail['sender_domain']}` removes it"
        )
    _out()
    _out("signals:" if detail.get("signals") else "signals: none")
    _print_signals(detail.get("signals") or [])
    _out()
    _out("messages:")
    for m in detail["messages"]:
        _out(
            f"  {m['id']}  {fmt_time(m.get('sent_at'))}  {m.get('verdict') or '-':<10} "
            f"risk {m.get('risk_score') if m.get('risk_score') is not None else '-'}  "
            f"{(m.get('subject') or '')[:70]}"
        )
    if detail["gems"]:
        _out()
        _out(
            "gems: "
            + ", ".join(f"#{g['id']} {g['gem_type']} ({g['status']})" for g in detail["gems"])
        )


@trust_app.command("set")
def set_verdict(
    ctx: typer.Context,
    sender: str = typer.Argument(..., help="the sender, as `inboxmine trust list` shows it"),
    verdict: str = typer.Argument(..., help=VERDICT_HELP),
    reason: str = typer.Option(None, "--reason", help="why (kept with the correction)"),
) -> None:
    """Correct a sender's verdict; it wins over every computed one and survives reprocessing."""
    app = app_context(ctx)
    try:
        trust = service.set_verdict(
            app.engine(), sender, verdict, reason, "cli", app.settings.rules_dir
        )
    except service.InvalidValue as exc:
        fail(str(exc))
    _out(
        f"{trust['sender_domain']}: {trust['verdict']} (set by you; the messages say "
        f"{trust['computed_verdict']}) - run `inboxmine run profile segment` to update its gems"
    )


@trust_app.command("clear")
def clear_verdict(
    ctx: typer.Context,
    sender: str = typer.Argument(..., help="the sender"),
) -> None:
    """Remove your correction: the verdict is what the messages say again."""
    app = app_context(ctx)
    try:
        trust = service.clear_verdict(app.engine(), sender, app.settings.rules_dir)
    except (service.NotFound, service.InvalidValue) as exc:
        fail(str(exc))
    now = trust["verdict"] if trust else "no verdict (no judged messages)"
    _out(f"{service.sender_key(sender)}: your correction removed, verdict now {now}")


@trust_app.command("report")
def suspicious_report(
    ctx: typer.Context,
    limit: int = typer.Option(100, "--limit", min=1),
    json_out: bool = typer.Option(False, "--json", help="print a JSON array"),
) -> None:
    """The Suspicious senders report: phishing first, then spam and suspicious, with evidence."""
    engine = app_context(ctx).engine()
    rows = service.report(engine, limit)
    if json_out:
        print_json(rows)
        return
    unjudged = service.unjudged_messages(engine)
    if unjudged:
        _out(
            f"{unjudged:,} message(s) were analysed before trust existed and have no verdict "
            f"yet (their senders are never blocked): run {service.REJUDGE}"
        )
    if not rows:
        _out("no phishing, spam or suspicious senders found (`inboxmine trust list` shows all)")
        return
    _out(f"suspicious senders ({len(rows)}), the worst first:")
    for row in rows:
        _out()
        _out(
            f"{row['verdict'].upper()}  {row['sender_domain']}  risk {row['risk_score']}  "
            f"{row['message_count']} message(s)"
            + ("  (set by you)" if row["source"] == "override" else "")
        )
        _print_signals((row.get("signals") or [])[:5], "    ")


def register(app: typer.Typer) -> None:
    app.add_typer(trust_app, name="trust")

"""``inboxmine gems rate / unrate / quality``: judge the gems, and see how good they are."""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from inboxmine.cli.context import app_context, console, fail
from inboxmine.cli.output import print_json
from inboxmine.db.engine import read_tx, write_tx
from inboxmine.opportunities import feedback, quality
from inboxmine.rules.loader import RulesError
from inboxmine.services import ratings


def _out(text: str) -> None:
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def describe(result: dict[str, Any]) -> list[str]:
    """What a rating changed, in lines a user reads (shared with the tests)."""
    lines = []
    for s in result["suppressions"]:
        where = f"thread {s['thread_key']}" if s["thread_key"] else "every thread"
        lines.append(f"not proposed again: {s['sender_domain']} for {s['gem_type']} ({where})")
    trust = result["trust"]
    if trust["verdict"] and trust["source"] == "rating":
        lines.append(f"sender marked {trust['verdict']} (trust override, source rating)")
    elif trust["verdict"]:
        lines.append(
            f"sender's trust verdict {trust['verdict']} is yours ({trust['source']}): kept"
        )
    elif trust["changed"]:
        lines.append("the sender's trust mark from ratings is removed")
    return lines


def rating_line(engine, gem_id: int) -> str:
    """``rated bad (spam): note`` or ``not rated``, for ``gems explain``."""
    with read_tx(engine) as conn:
        rating = ratings.get_rating(conn, gem_id)
    if rating is None:
        return f"not rated (`inboxmine gems rate {gem_id} good|bad`)"
    line = f"rated {rating['rating']}" + (f" ({rating['reason']})" if rating["reason"] else "")
    return line + (f": {rating['note']}" if rating["note"] else "")


def _rules(ctx: typer.Context) -> dict[str, Any]:
    try:
        return feedback.feedback_rules(app_context(ctx).settings.rules_dir)
    except RulesError as exc:
        fail(str(exc))


def rate(
    ctx: typer.Context,
    gem_id: int = typer.Argument(..., help="the gem id (`inboxmine gems` lists them)"),
    rating: str = typer.Argument(..., help="good or bad"),
    reason: str = typer.Option(
        None, "--reason", help="why it is bad: " + ", ".join(feedback.BAD_REASONS)
    ),
    note: str = typer.Option(None, "--note", help="a note of your own, kept with the rating"),
    json_out: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Rate a gem good or bad (re-rating replaces). Bad dismisses it and feeds back:
    that sender (or thread) is not proposed again for that gem type; --reason spam
    also marks the sender spam."""
    rules = _rules(ctx)
    try:
        with write_tx(app_context(ctx).engine()) as conn:
            result = ratings.rate(conn, gem_id, rating, reason, note, "cli", rules)
    except (ratings.NotFound, ratings.InvalidRating) as exc:
        fail(str(exc))
    if json_out:
        print_json(result)
        return
    stored = result["rating"]["reason"]
    why = f" ({stored})" if stored else ""
    _out(f"gem {gem_id} rated {rating}{why}; status {result['status']}")
    for line in describe(result):
        _out("  " + line)


def unrate(
    ctx: typer.Context,
    gem_id: int = typer.Argument(..., help="the gem id"),
) -> None:
    """Remove a gem's rating and what it taught (its suppression, its spam mark)."""
    rules = _rules(ctx)
    try:
        with write_tx(app_context(ctx).engine()) as conn:
            result = ratings.unrate(conn, gem_id, rules)
    except ratings.NotFound as exc:
        fail(str(exc))
    _out(f"gem {gem_id}: rating {result['removed']['rating']} removed; status {result['status']}")
    for line in describe(result):
        _out("  " + line)


def show_quality(
    ctx: typer.Context,
    json_out: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Precision of the gems from your ratings: overall, top 10/20, per gem type."""
    with read_tx(app_context(ctx).engine()) as conn:
        report = quality.quality(conn)
    if json_out:
        print_json(report)
        return
    if report["note"]:
        _out(report["note"])
        return
    table = Table("gems", "rated", "good", "bad", "precision", title="gem quality", highlight=False)

    def row(label: str, f: dict[str, Any]) -> None:
        table.add_row(
            label, str(f["rated"]), str(f["good"]), str(f["bad"]), quality.percent(f["precision"])
        )

    row("all", report)
    for top in report["top"]:
        row(f"top {top['top']}", top)
    for by_type in report["by_type"]:
        row(by_type["gem_type"], by_type)
    out = console if console.is_terminal else Console(width=200, highlight=False)
    out.print(table, markup=False)
    if report["bad_reasons"]:
        reasons = ", ".join(f"{k} {v}" for k, v in report["bad_reasons"].items())
        _out(f"bad because: {reasons}")
    _out(f"suppressions in force: {report['suppressions']} (a bad rating adds one)")


def add_commands(app: typer.Typer) -> None:
    app.command("rate")(rate)
    app.command("unrate")(unrate)
    app.command("quality")(show_quality)

"""``inboxmine digest``: what changed since the previous digest (or a date), for a
terminal, a cron job or a file. It never sends mail."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import typer

from inboxmine.cli.context import app_context, fail


def write_file(text: str, path: Path) -> None:
    """Write ``text`` to ``path`` in one step: a reader never sees half a digest."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def format_for(path: Path | None, fmt: str | None) -> str:
    """The format asked for, else the one the file name says (.html, .json), else text."""
    if fmt:
        return fmt
    suffix = path.suffix.lower() if path else ""
    return {".html": "html", ".htm": "html", ".json": "json"}.get(suffix, "text")


def produce(
    engine, settings, since: str, fmt: str, *, record: bool, triggered_by: str, renewal_days=None
):
    """The digest rendered in ``fmt``, recorded as a digest run when ``record``."""
    from inboxmine.digest.render import render
    from inboxmine.digest.store import make_digest, record_digest

    digest = make_digest(engine, since, rules_dir=settings.rules_dir, renewal_days=renewal_days)
    if record:
        record_digest(engine, digest, fmt, triggered_by)
    return digest, render(digest, fmt)


def digest(
    ctx: typer.Context,
    since: str = typer.Option(
        "last",
        "--since",
        help="last (the previous digest), a date (2026-03-01) or a span (7d, 24h)",
    ),
    fmt: str = typer.Option(
        None, "--format", help="text, html or json (default: from -o, else text)"
    ),
    output: Path = typer.Option(
        None, "-o", "--output", help="write to this file (default: stdout)"
    ),
    renewal_days: int = typer.Option(
        None,
        "--renewal-days",
        min=0,
        max=3650,
        help="renewals due within N days (default 30, rules digest.yaml)",
    ),
    record: bool = typer.Option(
        True, "--record/--no-record", help="--no-record: a peek that does not move `--since last`"
    ),
) -> None:
    """New and changed gems, new unanswered asks, renewals coming due, drafts waiting."""
    from inboxmine.digest.render import FORMATS
    from inboxmine.digest.since import SinceError
    from inboxmine.rules.loader import RulesError

    fmt = format_for(output, fmt)
    if fmt not in FORMATS:
        fail(f"unknown format {fmt!r}: choose {', '.join(FORMATS)}")
    app = app_context(ctx)
    try:
        made, text = produce(
            app.engine(),
            app.settings,
            since,
            fmt,
            record=record,
            triggered_by="cli",
            renewal_days=renewal_days,
        )
    except (SinceError, RulesError) as exc:
        fail(str(exc))
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        write_file(text, output)
    except OSError as exc:
        fail(
            f"cannot write the digest to {output}: {exc.strerror or exc} - choose another path with -o"
        )
    typer.echo(
        f"wrote the digest to {output}: {made.counts['new_gems']} new gems, "
        f"{made.counts['changed_gems']} changed, {made.counts['new_asks']} new asks, "
        f"{made.counts['renewals_due']} renewals due, {made.counts['drafts_waiting']} drafts waiting",
        err=True,
    )


def register(app: typer.Typer) -> None:
    app.command("digest")(digest)

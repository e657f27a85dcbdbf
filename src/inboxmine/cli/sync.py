"""Live mailboxes: ``inboxmine ingest imap``, ``ingest gmail``, ``sync [--watch]``.

The ``imap`` and ``gmail`` commands join the ``ingest`` group of
:mod:`inboxmine.cli.ingest`; ``sync`` syncs the accounts of the config file.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import typer
from rich.progress import MofNCompleteColumn, Progress

from inboxmine.cli.context import app_context, console, err_console, fail
from inboxmine.cli.progress import progress_bars

MeOption = typer.Option(
    None, "--me", help="one of your addresses or aliases (repeatable; adds to the `me` setting)"
)
JsonOption = typer.Option(False, "--json", help="print the summary as JSON")


def _progress() -> Progress:
    return progress_bars(MofNCompleteColumn())


class _Bars:
    """One progress bar per folder (or Gmail pass), fed by the sources' hook."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, int] = {}

    def __call__(self, description: str, done: int, total: int | None) -> None:
        task = self.tasks.get(description)
        if task is None:
            task = self.tasks[description] = self.progress.add_task(description, total=total)
        self.progress.update(task, completed=done, total=total)


def _summary(result) -> dict:
    counts = result.counts
    return {
        "account": result.account,
        "run_id": result.run_id,
        "ok": result.ok,
        "error": result.error,
        "full": result.full,
        "read": counts.read,
        "stored": counts.stored,
        "duplicates": counts.duplicates,
        "unparseable": counts.unparseable,
        "unreadable": counts.unreadable,
        "threads_updated": result.threads_updated,
        "labels_updated": result.labels_updated,
        "deleted": result.deleted,
        "details": result.details,
    }


def _print(result, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(_summary(result)))
        return
    if not result.ok:
        err_console.print(f"[bold red]error:[/] {result.error}", highlight=False, soft_wrap=True)
        return
    counts = result.counts
    line = (
        f"ingest run {result.run_id} ({result.account}): read {counts.read:,}, "
        f"stored {counts.stored:,}, duplicates skipped {counts.duplicates:,}, "
        f"unparseable {counts.unparseable:,}; {result.threads_updated:,} threads updated"
    )
    if result.labels_updated or result.deleted:
        line += (
            f"; labels changed on {result.labels_updated:,}, deleted in Gmail {result.deleted:,}"
        )
    console.print(line, markup=False, highlight=False)
    for detail in result.details:
        console.print(f"  {detail}", markup=False, highlight=False)
    if counts.failed:
        console.print(
            f"  the reasons are listed by `inboxmine runs show {result.run_id}`",
            markup=False,
            highlight=False,
        )


def ingest_imap(
    ctx: typer.Context,
    host: str = typer.Option(..., "--host", help="IMAP server, e.g. imap.fastmail.com"),
    user: str = typer.Option(..., "--user", help="login, usually your address"),
    port: int = typer.Option(None, "--port", help="default 993 (ssl) or 143"),
    folder: list[str] = typer.Option(
        None,
        "--folder",
        help="folder to sync (repeatable); default all but Trash/Junk/Drafts (Gmail: All Mail)",
    ),
    tls: str = typer.Option("ssl", "--tls", help="ssl (default), starttls or none"),
    insecure: bool = typer.Option(
        False, "--insecure", help="accept any certificate (only for your own self-signed server)"
    ),
    password_env: str = typer.Option(
        "INBOXMINE_IMAP_PASSWORD",
        "--password-env",
        help="environment variable holding the password (else the OS keyring)",
    ),
    me: list[str] = MeOption,
    batch_size: int = typer.Option(100, "--batch-size", min=1, help="messages per fetch"),
    as_json: bool = JsonOption,
) -> None:
    """Import an IMAP mailbox; later runs fetch only new mail.

    The password is read from INBOXMINE_IMAP_PASSWORD (or the variable named
    by --password-env) or the OS keyring - never from a flag, never stored.
    """
    from inboxmine.sources.imap import ImapAccount, sync_imap
    from inboxmine.sources.live import SyncError

    if tls not in ("ssl", "starttls", "none"):
        fail(f"--tls {tls!r} is not known: use ssl, starttls or none")
    app = app_context(ctx)
    account = ImapAccount(
        host=host,
        user=user,
        port=port,
        tls=tls,
        insecure=insecure,
        folders=list(folder or []),
        password_env=password_env,
    )
    engine = app.engine()
    try:
        with _progress() as progress:
            result = sync_imap(
                engine,
                app.settings,
                account,
                progress=_Bars(progress),
                me=me or (),
                batch_size=batch_size,
            )
    except SyncError as exc:
        fail(str(exc))
    _print(result, as_json)


def ingest_gmail(
    ctx: typer.Context,
    query: str = typer.Option(
        None, "--query", "-q", help="Gmail search, e.g. 'newer_than:1y' (default: all mail)"
    ),
    credentials: Path = typer.Option(
        None, "--credentials", help="OAuth client file (Desktop app) from Google Cloud"
    ),
    token: Path = typer.Option(None, "--token", help="where the access token is kept (0600)"),
    full: bool = typer.Option(False, "--full", help="list every message again (dedup applies)"),
    me: list[str] = MeOption,
    as_json: bool = JsonOption,
) -> None:
    """Import Gmail through the Gmail API (read-only); later runs read only
    the changes since the last one (new mail, labels, deletions)."""
    from inboxmine.sources.gmail import GmailAccount, sync_gmail
    from inboxmine.sources.live import SyncError

    app = app_context(ctx)
    account = GmailAccount(
        query=query,
        credentials_file=credentials,
        token_file=token,
    )
    engine = app.engine()
    try:
        with _progress() as progress:
            result = sync_gmail(
                engine, app.settings, account, progress=_Bars(progress), me=me or (), full=full
            )
    except SyncError as exc:
        fail(str(exc))
    _print(result, as_json)


def sync(
    ctx: typer.Context,
    watch: bool = typer.Option(
        False, "--watch", help="keep running: sync as mail arrives and run stages 1-6 on it"
    ),
    interval: float = typer.Option(
        300.0, "--interval", min=1.0, help="seconds between polls in --watch mode"
    ),
    iterations: int = typer.Option(
        None, "--iterations", min=1, help="--watch: stop after N rounds"
    ),
    once: bool = typer.Option(
        False, "--once", help="--watch: one round (sync + stages), then stop"
    ),
    idle: bool = typer.Option(
        True, "--idle/--no-idle", help="--watch: wake on IMAP IDLE instead of waiting to poll"
    ),
    account: list[str] = typer.Option(
        None, "--account", help="only this configured account (repeatable)"
    ),
    as_json: bool = JsonOption,
    digest_file: Path = typer.Option(
        None,
        "--digest",
        help="--watch: after each round write the digest (since the last `inboxmine digest`) "
        "to this file (.html, .json, else text)",
    ),
) -> None:
    """Sync every account listed under `accounts` in the config file, each as an ingest run."""
    from inboxmine.sources.live import SOURCES, SyncError, SyncInterrupted
    from inboxmine.sources.sync import check_accounts, sync_accounts
    from inboxmine.sources.watch import watch as watch_loop

    app = app_context(ctx)
    settings = app.settings
    accounts = list(settings.accounts)
    if account:
        unknown = sorted(set(account) - {a.name for a in accounts})
        if unknown:
            known = ", ".join(a.name for a in accounts) or "none"
            fail(f"no configured account named {', '.join(unknown)}: the accounts are {known}")
        accounts = [a for a in accounts if a.name in account]
    if not accounts:
        kinds = " or ".join(f'"{kind}"' for kind in SOURCES.names())
        fail(
            f"no accounts configured: add [[accounts]] entries (kind = {kinds}) "
            "to inboxmine.toml - see README 'Connect your mailbox' - or use "
            "`inboxmine ingest imap` / `inboxmine ingest gmail`"
        )
    try:
        check_accounts(settings, accounts)
    except SyncError as exc:
        fail(str(exc))
    if digest_file is not None and not watch:
        fail(
            "--digest writes the digest after each --watch round: add --watch, or run `inboxmine digest -o FILE`"
        )
    engine = app.engine()
    if not watch:
        try:
            with _progress() as progress:
                results = sync_accounts(engine, settings, accounts, progress=_Bars(progress))
        except SyncInterrupted as exc:
            fail(str(exc), code=130)
        for result in results:
            _print(result, as_json)
        if not all(r.ok for r in results):
            raise typer.Exit(1)
        return

    stop = threading.Event()

    def on_cycle(cycle) -> None:
        for result in cycle.results:
            # Quiet rounds stay one line; what changed or failed is shown in full.
            if as_json or not result.ok or result.counts.read or result.labels_updated:
                _print(result, as_json)
        if cycle.stage_run_ids:
            state = "completed" if cycle.stages_ok else "failed (see `inboxmine runs`)"
            console.print(
                f"round {cycle.number}: {cycle.new_messages} new messages; stages 1-6 "
                f"{state}: runs {', '.join(map(str, cycle.stage_run_ids))}",
                markup=False,
                highlight=False,
            )
        elif not as_json:
            console.print(
                f"round {cycle.number}: no new mail", markup=False, highlight=False, style="dim"
            )
        if digest_file is not None:
            _write_digest(engine, settings, digest_file)

    if not as_json:
        err_console.print(
            f"watching {len(accounts)} account(s); Ctrl-C stops", highlight=False, style="dim"
        )
    try:
        watch_loop(
            engine,
            settings,
            accounts,
            interval_s=interval,
            iterations=1 if once else iterations,
            stop=stop,
            idle=idle,
            on_cycle=on_cycle,
        )
    except (KeyboardInterrupt, SyncInterrupted):
        stop.set()
        err_console.print("stopped (Ctrl-C); the next sync resumes where this one stopped")


def _write_digest(engine, settings, path: Path) -> None:
    """The digest file of ``sync --watch --digest``: a peek that does not move
    ``--since last`` (the digest you run yourself decides what is "new")."""
    from inboxmine.cli.digest import format_for, produce, write_file

    try:
        _, text = produce(
            engine, settings, "last", format_for(path, None), record=False, triggered_by="watch"
        )
        write_file(text, path)
    except OSError as exc:
        err_console.print(
            f"[bold red]error:[/] cannot write the digest to {path}: {exc.strerror or exc} "
            "- choose another path with --digest",
            highlight=False,
            soft_wrap=True,
        )


def register(app: typer.Typer) -> None:
    """Add ``ingest imap``, ``ingest gmail`` and ``sync``."""
    from inboxmine.cli.ingest import ingest_app

    ingest_app.command("imap")(ingest_imap)
    ingest_app.command("gmail")(ingest_gmail)
    app.command("sync")(sync)

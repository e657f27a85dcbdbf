"""Live mailboxes: one ``ingest`` run per account, incremental state, watch mode.

The sources (:mod:`inboxmine.sources.imap`, :mod:`inboxmine.sources.gmail`)
hand their messages to the same :class:`~inboxmine.sources.store.MessageStore`
as the file imports, so parsing, deduplication (Message-ID, then content
hash) and threading are the same whatever the source. This module holds what
they share: the ``sync_state`` rows, the run around one account, Gmail ids
and labels on stored rows, and the ``sync``/``sync --watch`` orchestration.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Boolean, Engine, bindparam, func, select, update

from inboxmine.config import AccountSettings, Settings
from inboxmine.db.engine import write_tx
from inboxmine.db.tables.ingest import messages, sync_state
from inboxmine.runner.tracking import RunHandle, StageError, tracked_run
from inboxmine.sources.parse import content_hash, normalize_message_id
from inboxmine.sources.read_state import GMAIL_UNREAD
from inboxmine.sources.store import MessageStore, StoreCounts
from inboxmine.sources.threads import update_threads

_CHUNK = 500  # bound parameters per IN query

#: Called with (description, done, total) while a source fetches; total may be None.
ProgressHook = Callable[[str, int, int | None], None]


class SyncError(StageError):
    """A live source cannot be synced; the message names the account, the
    cause and what to do (it becomes the run's ``error_message``)."""


class SyncInterrupted(SyncError):
    """Ctrl-C during a sync: the run is recorded as interrupted, and the
    next sync resumes after the last stored batch."""


# ------------------------------------------------------------- sync_state


@dataclass
class SyncState:
    """Where the last sync of one account folder (or Gmail account) stopped."""

    account: str
    folder: str = ""
    uidvalidity: str | None = None
    last_uid: int | None = None
    history_id: str | None = None
    last_full_sync: datetime | None = None
    last_incremental_sync: datetime | None = None
    total_messages_synced: int = 0


def load_state(engine: Engine, account: str, folder: str = "") -> SyncState | None:
    """The stored state of ``account``/``folder``, or None before the first sync."""
    with engine.connect() as conn:
        row = conn.execute(
            select(sync_state).where(sync_state.c.account == account, sync_state.c.folder == folder)
        ).first()
    if row is None:
        return None
    return SyncState(
        account=row.account,
        folder=row.folder,
        uidvalidity=row.uidvalidity,
        last_uid=row.last_uid,
        history_id=row.history_id,
        last_full_sync=row.last_full_sync,
        last_incremental_sync=row.last_incremental_sync,
        total_messages_synced=row.total_messages_synced or 0,
    )


def save_state(
    engine: Engine, account: str, folder: str = "", *, added: int = 0, **values: Any
) -> None:
    """Insert or update the state of ``account``/``folder``.

    ``values`` are ``sync_state`` columns to set; ``added`` new messages are
    added to ``total_messages_synced``.
    """
    unknown = set(values) - set(sync_state.c.keys())
    if unknown:
        raise ValueError(f"not sync_state columns: {sorted(unknown)}")
    with write_tx(engine) as conn:
        current = conn.execute(
            select(sync_state.c.id, sync_state.c.total_messages_synced).where(
                sync_state.c.account == account, sync_state.c.folder == folder
            )
        ).first()
        if current is None:
            conn.execute(
                sync_state.insert().values(
                    account=account, folder=folder, total_messages_synced=added, **values
                )
            )
        else:
            conn.execute(
                update(sync_state)
                .where(sync_state.c.id == current.id)
                .values(
                    total_messages_synced=(current.total_messages_synced or 0) + added, **values
                )
            )


def forget_state(engine: Engine, account: str) -> None:
    """Drop every stored position of ``account`` (the next sync is a full one)."""
    with write_tx(engine) as conn:
        conn.execute(sync_state.delete().where(sync_state.c.account == account))


# ------------------------------------------------------------ one account


@dataclass
class SyncResult:
    """What one account's sync did."""

    account: str
    run_id: int | None = None
    counts: StoreCounts = field(default_factory=StoreCounts)
    threads_updated: int = 0
    full: bool = False
    #: Gmail: stored messages whose labels changed / that were deleted in Gmail.
    labels_updated: int = 0
    deleted: int = 0
    #: Folders (IMAP) or passes (Gmail) and what each did, for the summary.
    details: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def stored(self) -> int:
        return self.counts.stored

    @property
    def ok(self) -> bool:
        return self.error is None


@contextmanager
def account_run(
    engine: Engine,
    *,
    source_kind: str,
    account: str,
    my_addresses: set[str],
    triggered_by: str,
    parameters: dict[str, Any] | None = None,
    batch_size: int = 200,
    now: datetime | None = None,
) -> Iterator[tuple[RunHandle, MessageStore, SyncResult]]:
    """One ``ingest`` run for one live account, around the ``with`` body.

    The body adds messages to the store (flushing per fetched batch); at the
    end the threads of the new messages are recomputed. A Ctrl-C fails the
    run with a message that says the next sync resumes.
    """
    params = {"source_kind": source_kind, "account": account, **(parameters or {})}
    result = SyncResult(account=account)
    with tracked_run(engine, "ingest", triggered_by, parameters=params) as run:
        result.run_id = run.run_id
        store = MessageStore(engine, my_addresses, run=run, batch_size=batch_size, now=now)
        result.counts = store.counts
        try:
            yield run, store, result
            store.flush()
        except KeyboardInterrupt as exc:
            raise SyncInterrupted(
                f"interrupted (Ctrl-C) while syncing {account}: the {store.counts.stored} "
                "messages stored so far are kept; run `inboxmine sync` again - it resumes "
                "after the last stored batch"
            ) from exc
        finally:
            # Even a failed sync threads what it stored.
            if store.counts.new_ids:
                result.threads_updated = update_threads(engine, store.counts.new_ids, now=now)
        run.flush(force=True)


def record_failed_run(
    engine: Engine,
    *,
    source_kind: str,
    account: str,
    triggered_by: str,
    error: SyncError,
) -> None:
    """A sync that failed before it could start (no password, no token) is
    still an ``ingest`` run in the ledger, failed with the reason."""
    params = {"source_kind": source_kind, "account": account}
    try:
        with tracked_run(engine, "ingest", triggered_by, parameters=params):
            raise error
    except SyncError:
        pass


def my_addresses_for(settings: Settings, *login: str | None, extra: Sequence[str] = ()) -> set[str]:
    """The user's addresses for one import: the configured ones (``me``, with
    aliases), the account's own address(es) and ``--me`` values."""
    found = set(settings.my_addresses)
    for value in (*login, *extra):
        if value and "@" in value:
            found.add(value.strip().lower())
    return found


# ------------------------------------------------------ Gmail ids, labels


@dataclass(slots=True)
class GmailRef:
    """A fetched message as Gmail knows it, to attach to the stored row."""

    raw: bytes
    message_id: str | None
    gmail_id: str
    labels: list[str] | None
    #: The live read state (API: no UNREAD label; IMAP: \\Seen); None: unknown.
    is_read: bool | None = None


def message_id_of(raw: bytes) -> str | None:
    """The Message-ID of raw bytes (headers only, bounded)."""
    head = raw[:65536].split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    value = None
    for line in head.splitlines():
        if line[:11].lower() == b"message-id:":
            value = line[11:].decode("utf-8", "replace")
        elif value is not None and line[:1] in (b" ", b"\t"):
            value += line.decode("utf-8", "replace")
        elif value is not None:
            break
    return normalize_message_id(value)


def attach_gmail_refs(engine: Engine, refs: Sequence[GmailRef]) -> None:
    """Record Gmail ids and current labels on the stored rows of ``refs``.

    Matched by content hash (the row this fetch stored or an identical copy),
    else by Message-ID (the same message imported from elsewhere, e.g. a
    Takeout mbox whose extra headers change the hash). Gmail's labels are
    the live state, so they replace what was stored.
    """
    if not refs:
        return
    by_hash = [
        {"h": content_hash(r.raw), "gid": r.gmail_id, "labels": r.labels, "read": r.is_read}
        for r in refs
    ]
    by_mid = [
        {"mid": r.message_id, "gid": r.gmail_id, "labels": r.labels, "read": r.is_read}
        for r in refs
        if r.message_id
    ]
    # An unknown read state keeps the stored one.
    is_read = func.coalesce(bindparam("read", type_=Boolean), messages.c.is_read)
    with write_tx(engine) as conn:
        conn.execute(
            update(messages)
            .where(messages.c.content_hash == bindparam("h"))
            .values(gmail_id=bindparam("gid"), labels=bindparam("labels"), is_read=is_read),
            by_hash,
        )
        if by_mid:
            conn.execute(
                update(messages)
                .where(messages.c.message_id == bindparam("mid"), messages.c.gmail_id.is_(None))
                .values(gmail_id=bindparam("gid"), labels=bindparam("labels"), is_read=is_read),
                by_mid,
            )


def stored_gmail_ids(engine: Engine, gmail_ids: Sequence[str]) -> set[str]:
    """Which of ``gmail_ids`` are stored already (so they are not fetched again)."""
    found: set[str] = set()
    ids = sorted(set(gmail_ids))
    with engine.connect() as conn:
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            found.update(
                conn.execute(
                    select(messages.c.gmail_id).where(messages.c.gmail_id.in_(chunk))
                ).scalars()
            )
    return found


def stored_labels(engine: Engine, gmail_ids: Sequence[str]) -> dict[str, list[str]]:
    """The stored labels of each stored message among ``gmail_ids``."""
    found: dict[str, list[str]] = {}
    ids = sorted(set(gmail_ids))
    with engine.connect() as conn:
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            for gid, labels in conn.execute(
                select(messages.c.gmail_id, messages.c.labels).where(messages.c.gmail_id.in_(chunk))
            ):
                found[gid] = list(labels or [])
    return found


def set_labels(engine: Engine, labels: dict[str, list[str]]) -> int:
    """Store new label lists by Gmail id, and the read state they mean (no
    ``UNREAD`` label: read); returns how many messages changed."""
    if not labels:
        return 0
    rows = [
        {"gid": gid, "labels": value, "read": GMAIL_UNREAD not in value}
        for gid, value in labels.items()
    ]
    with write_tx(engine) as conn:
        conn.execute(
            update(messages)
            .where(messages.c.gmail_id == bindparam("gid"))
            .values(labels=bindparam("labels"), is_read=bindparam("read")),
            rows,
        )
    return len(rows)


# ------------------------------------------------------------ orchestration


def sync_account(
    engine: Engine,
    settings: Settings,
    account: AccountSettings,
    *,
    triggered_by: str = "cli",
    progress: ProgressHook | None = None,
    interactive: bool = True,
) -> SyncResult:
    """Sync one configured account incrementally (the first time: fully)."""
    if account.kind == "imap":
        from inboxmine.sources.imap import ImapAccount, sync_imap

        return sync_imap(
            engine,
            settings,
            ImapAccount.from_settings(account),
            triggered_by=triggered_by,
            progress=progress,
        )
    from inboxmine.sources.gmail import GmailAccount, sync_gmail

    return sync_gmail(
        engine,
        settings,
        GmailAccount.from_settings(account),
        triggered_by=triggered_by,
        progress=progress,
        interactive=interactive,
    )


def sync_accounts(
    engine: Engine,
    settings: Settings,
    accounts: Sequence[AccountSettings] | None = None,
    *,
    triggered_by: str = "cli",
    progress: ProgressHook | None = None,
    interactive: bool = True,
) -> list[SyncResult]:
    """Sync every account (default: ``settings.accounts``), each as its own
    ``ingest`` run. One account failing does not stop the others: its result
    carries the error (and its run is failed with the same message)."""
    results = []
    for account in settings.accounts if accounts is None else accounts:
        try:
            results.append(
                sync_account(
                    engine,
                    settings,
                    account,
                    triggered_by=triggered_by,
                    progress=progress,
                    interactive=interactive,
                )
            )
        except SyncInterrupted:
            raise
        except SyncError as exc:
            results.append(SyncResult(account=account.name, error=str(exc)))
        except Exception as exc:  # a bug or an odd server: name the account, go on
            results.append(
                SyncResult(
                    account=account.name,
                    error=f"{account.name}: sync failed: {exc.__class__.__name__}: {exc}",
                )
            )
    return results


@dataclass
class WatchCycle:
    """One round of ``sync --watch``: the syncs and the stage runs they caused."""

    number: int
    results: list[SyncResult]
    stage_run_ids: list[int] = field(default_factory=list)
    stages_ok: bool = True

    @property
    def new_messages(self) -> int:
        return sum(r.stored for r in self.results)


def watch(
    engine: Engine,
    settings: Settings,
    accounts: Sequence[AccountSettings] | None = None,
    *,
    interval_s: float = 300.0,
    iterations: int | None = None,
    stop: threading.Event | None = None,
    idle: bool = True,
    triggered_by: str = "cli",
    progress: ProgressHook | None = None,
    on_cycle: Callable[[WatchCycle], None] | None = None,
    run_stages: Callable[..., tuple[bool, list[int]]] | None = None,
) -> list[WatchCycle]:
    """Keep mailboxes synced and the pipeline fed until ``stop`` is set.

    Each cycle syncs every account (Gmail: history since the stored
    historyId), then runs stages 1-6 (those registered) when new mail
    arrived. Between cycles it waits ``interval_s``, or less: IMAP accounts
    hold an IDLE connection on their inbox and wake the loop when the server
    announces mail. ``iterations`` bounds the cycles (tests, cron).
    """
    from inboxmine.runner.executor import run_stages as default_run_stages

    run_stages = run_stages or default_run_stages
    accounts = list(settings.accounts if accounts is None else accounts)
    stop = stop or threading.Event()
    wake = threading.Event()
    idlers = []
    if idle:
        from inboxmine.sources.imap import ImapAccount, ImapIdler

        for account in accounts:
            if account.kind == "imap":
                idler = ImapIdler(ImapAccount.from_settings(account), wake, stop)
                idler.start()
                idlers.append(idler)
    cycles: list[WatchCycle] = []
    try:
        while not stop.is_set():
            wake.clear()
            results = sync_accounts(
                engine,
                settings,
                accounts,
                triggered_by=triggered_by,
                progress=progress,
                interactive=False,
            )
            cycle = WatchCycle(number=len(cycles) + 1, results=results)
            if cycle.new_messages:
                cycle.stages_ok, cycle.stage_run_ids = run_stages(
                    engine, settings, ["all"], triggered_by
                )
            cycles.append(cycle)
            if on_cycle is not None:
                on_cycle(cycle)
            if iterations is not None and len(cycles) >= iterations:
                break
            _wait(wake, stop, interval_s)
    finally:
        stop_idlers = stop.is_set()
        stop.set()  # the idlers watch it
        for idler in idlers:
            idler.join(timeout=5)
        if not stop_idlers:
            stop.clear()
    return cycles


def _wait(wake: threading.Event, stop: threading.Event, seconds: float) -> None:
    """Sleep until ``seconds`` pass, mail is announced or ``stop`` is set,
    in short steps so Ctrl-C is noticed at once."""
    deadline = time.monotonic() + seconds
    while not stop.is_set() and not wake.is_set():
        left = deadline - time.monotonic()
        if left <= 0:
            return
        wake.wait(min(left, 0.5))


def utcnow() -> datetime:
    return datetime.now(UTC)

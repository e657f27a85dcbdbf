"""The live-source base: what every live mailbox source shares.

A live source (IMAP, Gmail, a plug-in's) syncs configured accounts
incrementally. It implements :class:`LiveSource` and registers itself in
:data:`SOURCES` under the ``kind`` that accounts give in the config file
(``SOURCES.register("imap", ImapSource(), order=10)`` at the end of its
module). This module holds what the sources share: the ``sync_state`` rows
(where the last sync stopped), the ``ingest`` run around one account, and
the errors. It imports no source; the dispatcher
(:mod:`inboxmine.sources.sync`) finds them through the registry.

The sources hand their messages to the same
:class:`~inboxmine.sources.store.MessageStore` as the file imports, so
parsing, deduplication (Message-ID, then content hash) and threading are
the same whatever the source.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Engine, select, update

from inboxmine.components import Registry
from inboxmine.config import AccountSettings, Settings
from inboxmine.db.engine import write_tx
from inboxmine.db.tables.ingest import sync_state
from inboxmine.runner.locks import stage_lock
from inboxmine.runner.tracking import RunHandle, StageError, tracked_run
from inboxmine.sources.store import MessageStore, StoreCounts
from inboxmine.sources.threads import update_threads

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
    # A sync takes turns with file imports and other syncs, as imports do with
    # each other: two writers at once could both store one Message-ID.
    with (
        stage_lock(engine, "ingest"),
        tracked_run(engine, "ingest", triggered_by, parameters=params) as run,
    ):
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


# ------------------------------------------------------------ the protocol


class LiveSource(Protocol):
    """What a live mail source implements (one instance, registered in
    :data:`SOURCES` under its account ``kind``)."""

    def sync(
        self,
        engine: Engine,
        settings: Settings,
        account: AccountSettings,
        *,
        triggered_by: str,
        progress: ProgressHook | None,
        interactive: bool,
    ) -> SyncResult:
        """Sync ``account`` as one ``ingest`` run (:func:`account_run`), from
        where the last sync stopped (:func:`load_state`, :func:`save_state`).
        Raise :class:`SyncError` when it cannot be synced, after recording
        the failed run (:func:`record_failed_run`) when no run was started.
        ``interactive`` False: never ask the user (``sync --watch``)."""
        ...

    def waker(
        self, account: AccountSettings, wake: threading.Event, stop: threading.Event
    ) -> threading.Thread | None:
        """For ``sync --watch``: a thread (not started) that sets ``wake``
        when new mail arrives and ends once ``stop`` is set - or None: the
        account is polled every interval."""
        ...


#: The live sources by account kind; the defaults (``imap``, ``gmail``)
#: register themselves in their modules, plug-ins through the entry-point
#: group ``inboxmine.sources``; ``[components.sources]`` disables one.
SOURCES: Registry[LiveSource] = Registry("sources", defaults="inboxmine.sources")

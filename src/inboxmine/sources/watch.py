"""``inboxmine sync --watch``: keep the mailboxes synced and the pipeline fed.

Each round syncs every account through the dispatcher
(:mod:`inboxmine.sources.sync`) and, when new mail arrived, hands stages 1-6
to the shared runner (:func:`inboxmine.runner.executor.run_stages`: the runs
are queued in the ledger and executed in order, stopping at the first
failure), the same way ``inboxmine run --all`` does. Between rounds it
waits, or less: a source's waker (IMAP IDLE) ends the wait when mail
arrives.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine

from inboxmine.config import AccountSettings, Settings
from inboxmine.runner.executor import run_stages as runner_run_stages
from inboxmine.sources.live import ProgressHook, SyncError, SyncResult
from inboxmine.sources.sync import source_for, sync_accounts

#: What "stages 1-6" are, for the runner.
ALL_STAGES = ["all"]


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
    run_stages: Callable[..., tuple[bool, list[int]]] = runner_run_stages,
) -> list[WatchCycle]:
    """Keep mailboxes synced and the pipeline fed until ``stop`` is set.

    Each cycle syncs every account (Gmail: history since the stored
    historyId), then runs stages 1-6 (those registered) through the runner
    when new mail arrived: one ``pipeline_runs`` row per stage, with
    ``triggered_by``. Between cycles it waits ``interval_s``, or less: IMAP
    accounts hold an IDLE connection on their inbox and wake the loop when
    the server announces mail. ``iterations`` bounds the cycles (tests,
    cron). ``run_stages(engine, settings, keys, triggered_by)`` is the
    runner's; tests may pass another.
    """
    accounts = list(settings.accounts if accounts is None else accounts)
    stop = stop or threading.Event()
    wake = threading.Event()
    wakers = _start_wakers(settings, accounts, wake, stop) if idle else []
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
                    engine, settings, ALL_STAGES, triggered_by
                )
            cycles.append(cycle)
            if on_cycle is not None:
                on_cycle(cycle)
            if iterations is not None and len(cycles) >= iterations:
                break
            _wait(wake, stop, interval_s)
    finally:
        stop_wakers = stop.is_set()
        stop.set()  # the wakers watch it
        for waker in wakers:
            waker.join(timeout=5)
        if not stop_wakers:
            stop.clear()
    return cycles


def _start_wakers(
    settings: Settings,
    accounts: Sequence[AccountSettings],
    wake: threading.Event,
    stop: threading.Event,
) -> list[threading.Thread]:
    """The started wakers of the accounts whose source has one. An account
    that cannot be synced gets none: each round's sync reports why."""
    started = []
    for account in accounts:
        try:
            waker = source_for(settings, account).waker(account, wake, stop)
        except SyncError:
            continue
        if waker is not None:
            waker.start()
            started.append(waker)
    return started


def _wait(wake: threading.Event, stop: threading.Event, seconds: float) -> None:
    """Sleep until ``seconds`` pass, mail is announced or ``stop`` is set,
    in short steps so Ctrl-C is noticed at once."""
    deadline = time.monotonic() + seconds
    while not stop.is_set() and not wake.is_set():
        left = deadline - time.monotonic()
        if left <= 0:
            return
        wake.wait(min(left, 0.5))

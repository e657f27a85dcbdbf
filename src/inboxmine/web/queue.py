"""The task queue behind web-triggered runs (huey).

A request queues its runs in the ledger (``pending``) and puts ONE task on the
queue holding all their ids, so Run All executes its stages in order, each
after the previous one completed, and stops at the first failure. The queue
is a SQLite file (by default next to the database, see
:func:`queue_file`), so a queued run survives a restart of the web server.

The web server consumes the queue in-process with ``web.queue_workers``
threads (2 by default); ``inboxmine worker`` is the same consumer as a
standalone process, for when the web runs with ``--no-worker``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from huey import MemoryHuey, SqliteHuey
from huey.consumer import Consumer
from sqlalchemy import Engine

from inboxmine.config import Settings
from inboxmine.db.engine import cached_engine
from inboxmine.runner.events import bus
from inboxmine.runner.executor import execute_runs
from inboxmine.web.auth import state_dir

log = logging.getLogger(__name__)

TASK_NAME = "inboxmine.execute_runs"
QUEUE_FILE_NAME = "inboxmine-queue.db"


def queue_file(settings: Settings) -> Path:
    """The queue's SQLite file: ``web.queue_path``, else next to the database."""
    if settings.web.queue_path:
        return Path(settings.web.queue_path).expanduser()
    return state_dir(settings) / QUEUE_FILE_NAME


class _InProcessConsumer(Consumer):
    """huey's consumer without process-wide signal handlers (the web server owns those)."""

    def _set_signal_handlers(self) -> None:  # noqa: D401 - huey hook
        return None


class TaskQueue:
    """Queue runs for execution; consume them in threads of this process or elsewhere.

    ``mode``: ``threads`` (a SQLite queue consumed here), ``enqueue`` (a SQLite
    queue consumed by ``inboxmine worker``), or ``immediate`` (execute in the
    calling thread; for tests and scripts).
    """

    def __init__(
        self,
        settings: Settings,
        engine: Engine | None = None,
        mode: str = "threads",
        path: Path | None = None,
    ) -> None:
        if mode not in ("threads", "enqueue", "immediate"):
            raise ValueError(f"unknown queue mode {mode!r}: threads, enqueue or immediate")
        self.settings = settings
        self.engine = engine
        self.mode = mode
        if mode == "immediate":
            self.huey = MemoryHuey("inboxmine", immediate=True, results=False)
            self.path = None
        else:
            self.path = path or queue_file(settings)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.huey = SqliteHuey("inboxmine", filename=str(self.path), results=False)
        self._task = self.huey.task(name=TASK_NAME)(self._execute)
        self._consumer: Consumer | None = None

    def _engine_for(self, database_url: str) -> Engine:
        if self.engine is not None and database_url == self.settings.database_url:
            return self.engine
        return cached_engine(database_url)

    def _execute(self, database_url: str, run_ids: list[int]) -> bool:
        """The task: execute the runs in order (stop at the first failure)."""
        engine = self._engine_for(database_url)
        settings = self.settings
        if database_url != settings.database_url:
            settings = settings.model_copy(update={"database_url": database_url})
        try:
            return execute_runs(engine, settings, run_ids, bus)
        except Exception:  # the ledger already says why; keep the worker alive
            log.exception("runs %s could not be executed", run_ids)
            return False

    def enqueue(self, run_ids: Sequence[int]) -> None:
        """Put one task on the queue that executes ``run_ids`` in order."""
        if not run_ids:
            return
        self._task(self.settings.database_url, list(run_ids))

    def pending_tasks(self) -> int:
        return self.huey.pending_count()

    def start(self, workers: int | None = None) -> None:
        """Consume the queue in worker threads of this process."""
        if self.mode != "threads" or self._consumer is not None:
            return
        count = max(1, workers or self.settings.web.queue_workers)
        self._consumer = _InProcessConsumer(
            self.huey,
            workers=count,
            worker_type="thread",
            periodic=False,
            initial_delay=0.05,
            max_delay=0.5,
            check_worker_health=False,
        )
        self._consumer.start()

    def stop(self) -> None:
        if self._consumer is not None:
            self._consumer.stop(graceful=False)
            self._consumer = None

    def run_forever(self, workers: int | None = None) -> None:
        """Run a standalone consumer until interrupted (``inboxmine worker``)."""
        count = max(1, workers or self.settings.web.queue_workers)
        Consumer(
            self.huey,
            workers=count,
            worker_type="thread",
            periodic=False,
            initial_delay=0.1,
            max_delay=1.0,
        ).run()

"""The task queue behind web-triggered runs (huey).

A request queues its runs in the ledger (``pending``) and puts ONE task on the
queue holding all their ids, so Run All executes its stages in order, each
after the previous one completed, and stops at the first failure. The queue
is a SQLite file (by default next to the database, see
:func:`queue_file`), so a queued run survives a restart of the web server.

The web server consumes the queue in-process with ``web.queue_workers``
threads (2 by default); ``inboxmine worker`` is the same consumer as a
standalone process, for when the web runs with ``--no-worker``.

With ``queue.url = "redis://..."`` the queue lives on a Redis server instead
(huey's RedisHuey), so ``inboxmine worker`` processes on any machine that
reaches it and the database (PostgreSQL) share the work: the worker that takes
a run shares its item batches with the others (:mod:`runner.distributed`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from huey import MemoryHuey, RedisHuey, SqliteHuey
from huey.consumer import Consumer
from sqlalchemy import Engine

from inboxmine.config import Settings, mask_url
from inboxmine.db.engine import cached_engine
from inboxmine.runner.distributed import Distributor, help_with_run
from inboxmine.runner.events import bus
from inboxmine.runner.executor import execute_runs
from inboxmine.web.auth import state_dir

log = logging.getLogger(__name__)

TASK_NAME = "inboxmine.execute_runs"
HELP_TASK_NAME = "inboxmine.help_with_run"
#: Help requests put on the queue for one run, at most.
MAX_HELP_REQUESTS = 64
QUEUE_FILE_NAME = "inboxmine-queue.db"


def queue_file(settings: Settings) -> Path:
    """The queue's SQLite file: ``web.queue_path``, else next to the database."""
    if settings.web.queue_path:
        return Path(settings.web.queue_path).expanduser()
    return state_dir(settings) / QUEUE_FILE_NAME


class QueueUnavailable(Exception):
    """The shared queue cannot be used; the message says how to fix it."""


def _redis_huey(settings: Settings) -> RedisHuey:
    where = mask_url(settings.queue.url or "")
    try:
        return RedisHuey(settings.queue.name, url=settings.queue.url, results=False)
    except ImportError as exc:  # huey imports the client lazily
        raise QueueUnavailable(
            f"queue.url {where} needs the Redis client: pip install 'inboxmine[queue]'"
        ) from exc
    except ValueError as exc:  # a URL redis-py cannot read
        raise QueueUnavailable(
            f"queue.url {where} is not a Redis URL ({exc}): use redis://HOST:PORT/DB"
        ) from exc


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
        self.shared = bool(settings.queue.url) and mode != "immediate"
        if mode == "immediate":
            self.huey = MemoryHuey("inboxmine", immediate=True, results=False)
            self.path = None
        elif self.shared:
            self.huey = _redis_huey(settings)
            self.path = None
        else:
            self.path = path or queue_file(settings)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.huey = SqliteHuey("inboxmine", filename=str(self.path), results=False)
        self._task = self.huey.task(name=TASK_NAME)(self._execute)
        self._help_task = self.huey.task(name=HELP_TASK_NAME)(self._help)
        self._consumer: Consumer | None = None

    @property
    def where(self) -> str:
        """Where the queue is, for people (a broker's password hidden)."""
        if self.shared:
            return mask_url(self.settings.queue.url or "")
        return str(self.path) if self.path else "memory"

    def _engine_for(self, database_url: str) -> Engine:
        if self.engine is not None and database_url == self.settings.database_url:
            return self.engine
        return cached_engine(database_url)

    def _settings_for(self, database_url: str) -> Settings:
        if database_url == self.settings.database_url:
            return self.settings
        return self.settings.model_copy(update={"database_url": database_url})

    def _execute(self, database_url: str, run_ids: list[int]) -> bool:
        """The task: execute the runs in order (stop at the first failure)."""
        engine = self._engine_for(database_url)
        distributor = None
        if self.shared:

            def ask_for_help(run_id: int, count: int) -> None:
                for _ in range(min(count, MAX_HELP_REQUESTS)):
                    self._help_task(database_url, run_id)

            distributor = Distributor(ask_for_help, self.settings.queue.lease_s)
        try:
            return execute_runs(engine, self._settings_for(database_url), run_ids, bus, distributor)
        except Exception:  # the ledger already says why; keep the worker alive
            log.exception("runs %s could not be executed", run_ids)
            return False

    def _help(self, database_url: str, run_id: int) -> int:
        """The help task: store batches of a run another worker coordinates."""
        engine = self._engine_for(database_url)
        try:
            return help_with_run(engine, self._settings_for(database_url), run_id, bus)
        except Exception:  # a lost batch is claimed again by another worker
            log.exception("helping with run %s failed", run_id)
            return 0

    def enqueue(self, run_ids: Sequence[int]) -> None:
        """Put one task on the queue that executes ``run_ids`` in order."""
        if not run_ids:
            return
        self._task(self.settings.database_url, list(run_ids))

    def check(self) -> None:
        """Raise :class:`QueueUnavailable` when the broker does not answer."""
        if not self.shared:
            return
        try:
            self.huey.storage.conn.ping()
        except Exception as exc:  # noqa: BLE001 - any failure to reach it
            raise QueueUnavailable(
                f"the queue at {self.where} does not answer ({exc}): start the Redis server "
                "or fix queue.url (INBOXMINE_QUEUE__URL)"
            ) from exc

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
        """Run a standalone consumer until interrupted (``inboxmine worker``).

        On a shared queue its workers are processes: each executes in its main
        thread, where the per-item time limit holds.
        """
        count = max(1, workers or self.settings.web.queue_workers)
        Consumer(
            self.huey,
            workers=count,
            worker_type="process" if self.shared else "thread",
            periodic=False,
            initial_delay=0.1,
            max_delay=1.0,
        ).run()

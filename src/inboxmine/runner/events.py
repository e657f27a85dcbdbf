"""Live run events (started, progress, done, failed) for the CLI and the web.

Events are plain dicts; ``type`` is one of :data:`EVENT_TYPES`. Publishing is
thread-safe and never blocks the stage: a slow subscriber loses old events
rather than slowing the pipeline down.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

EVENT_TYPES = ("queued", "started", "progress", "done", "failed")

Event = dict[str, Any]
Listener = Callable[[Event], None]


class EventBus:
    """In-process publish/subscribe of run events."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []
        self._queues: list[queue.Queue[Event]] = []

    def publish(self, event: Event) -> None:
        with self._lock:
            listeners = list(self._listeners)
            queues = list(self._queues)
        for listener in listeners:
            listener(event)
        for q in queues:
            try:
                q.put_nowait(event)
            except queue.Full:
                try:
                    q.get_nowait()
                    q.put_nowait(event)
                except (queue.Empty, queue.Full):
                    pass

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` for every event; returns a function that stops it."""
        with self._lock:
            self._listeners.append(listener)

        def stop() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return stop

    def subscribe(self, maxsize: int = 1000) -> queue.Queue[Event]:
        """A queue that receives every event from now on (see :meth:`unsubscribe`)."""
        q: queue.Queue[Event] = queue.Queue(maxsize=maxsize)
        with self._lock:
            self._queues.append(q)
        return q

    def unsubscribe(self, q: queue.Queue[Event]) -> None:
        with self._lock:
            if q in self._queues:
                self._queues.remove(q)


#: The process-wide bus; the web app streams it, the CLI draws progress from it.
bus = EventBus()

"""What a stage is: a small declaration the shared runner executes.

Two shapes:

* an **item stage** (metadata, content, entities): ``items`` selects the ids
  of the messages it may process, ``load`` reads a batch of them, ``transform``
  turns one item into output rows (a pure function, run in worker processes),
  and ``write`` stores a batch of outputs. The runner does the rest: only
  unprocessed items, batches in short transactions, per-item errors, progress,
  cancellation, ``--reprocess``.
* a **whole stage** (classify, profile, segment, engage): ``execute`` does
  the work through the :class:`StageContext` and reports progress on its
  run handle.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, Select

from inboxmine.config import Settings
from inboxmine.runner.tracking import RunHandle


@dataclass
class StageContext:
    """Everything a stage run may use; built by the executor."""

    engine: Engine
    settings: Settings
    run: RunHandle
    reprocess: bool = False
    options: dict[str, Any] = field(default_factory=dict)
    #: Shares an item stage's batches with other workers (``runner.distributed``);
    #: None runs them here.
    distributor: Any = None


@dataclass
class Outcome:
    """What ``transform`` returns for one item.

    ``rows`` maps a table name to the rows for that table. ``status`` is
    ``done``, or ``partial`` when the item should be processed again once a
    missing capability is available (e.g. the spaCy model); ``note`` says why.
    """

    rows: dict[str, list[dict[str, Any]]]
    status: str = "done"
    note: str | None = None


# transform(item, prepared) -> Outcome | dict of rows; must be a module-level
# function (it is pickled to worker processes) and must not touch the database.
Transform = Callable[[Any, Any], "Outcome | dict[str, list[dict[str, Any]]]"]


@dataclass(frozen=True)
class Stage:
    key: str
    order: int
    description: str
    output_tables: tuple[str, ...]
    uses_ai: bool = False

    # Item stages -----------------------------------------------------------
    #: ``items(ctx)`` -> a Select whose single column ``item_id`` lists eligible ids.
    items: Callable[[StageContext], Select] | None = None
    #: ``load(conn, ids, ctx)`` -> the items (picklable) for those ids.
    load: Callable[[Connection, Sequence[int], StageContext], list[Any]] | None = None
    transform: Transform | None = None
    #: ``prepare(ctx)`` -> the picklable second argument of ``transform`` (rules, options).
    prepare: Callable[[StageContext], Any] | None = None
    #: ``write(conn, outcomes_by_id, ctx)``; default: replace each output table's
    #: rows for those items (by ``item_key``) with the new ones.
    write: Callable[[Connection, dict[int, Outcome], StageContext], None] | None = None
    item_key: str = "message_id"
    #: ``redo_partial(ctx)`` -> True when items marked partial should be redone now.
    redo_partial: Callable[[StageContext], bool] | None = None
    #: ``before(ctx)`` / ``after(ctx)``: once per run, around the items
    #: (e.g. say once that spaCy is missing; aggregate per-sender statistics).
    before: Callable[[StageContext], None] | None = None
    after: Callable[[StageContext], None] | None = None
    #: CPU-bound transforms run in worker processes.
    parallel: bool = True

    # Whole stages ----------------------------------------------------------
    execute: Callable[[StageContext], None] | None = None

    @property
    def is_item_stage(self) -> bool:
        return self.execute is None

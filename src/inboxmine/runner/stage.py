"""What a stage is: a small declaration the shared runner executes.

Every stage has the same shape: ``items`` says what it may process, ``load``
reads a batch of them, ``transform`` turns one item into its outcome, and
``write`` stores a batch of outcomes. The runner does the rest for every
stage alike: only unprocessed items, batches in short transactions, per-item
errors, progress, cancellation, ``--reprocess``, the ledger row.

What one item is, the stage declares (``keyed_by``):

* **messages** (metadata, content, entities): ``items`` is a SELECT of
  message ids; the transforms are pure and run in worker processes.
* **named items** (classify and profile and segment per sender, engage per
  gem and strategy): ``items`` returns :class:`Item` s. An item is pending
  again when its ``version`` changes (classify: the sender's newest message).
  A stage that recomputes every item on every run (``pending="all"``: profile
  and segment, whose results depend on the clock and on every sender) says so.

Work that must see every item of the run (aggregates: delete the profiles of
senders that are gone) is the ``after`` hook, run once the items are stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine

from inboxmine.config import Settings
from inboxmine.db.types import utcnow
from inboxmine.runner.tracking import RunHandle


@dataclass
class StageContext:
    """Everything a stage run may use; built by the executor."""

    engine: Engine
    settings: Settings
    run: RunHandle
    reprocess: bool = False
    options: dict[str, Any] = field(default_factory=dict)
    #: What the run decided and the user should know (bypassed settings, caps),
    #: added with :meth:`note`; kept in the run's parameters (``notes`` and the
    #: keys of ``facts``).
    notes: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def note(self, text: str) -> None:
        """Tell the user what the run decided or lacks: on the live event
        stream now, and in the run's parameters (``notes``) at its end."""
        if text in self.notes:
            return
        self.notes.append(text)
        self.run.events.publish(
            {"type": "note", "run_id": self.run.run_id, "stage": self.run.stage, "message": text}
        )

    def now(self) -> datetime:
        """The run's reference time: ``options['now']`` (ISO, for reproducible
        runs) or the clock."""
        value = self.options.get("now")
        if value:
            parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        return utcnow()

    def include_internal(self) -> bool:
        """Colleagues count (per person): ``run --include-internal`` for this
        run, else the ``include_internal`` setting."""
        flag = self.options.get("include_internal")
        return bool(self.settings.include_internal if flag is None else flag)

    #: What the stage's ``prepare`` returned this run (for its ``load`` and ``write``).
    prepared: Any = None
    #: Every eligible item of this run, before the done ones were left out.
    eligible: list[Any] = field(default_factory=list)
    #: Run-level state a stage's hooks share in this process (e.g. the senders
    #: written so far, for the ``after`` hook).
    scratch: dict[str, Any] = field(default_factory=dict)
    #: Shares an item stage's batches with other workers (``runner.distributed``);
    #: None runs them here.
    distributor: Any = None


class ItemError(Exception):
    """One item cannot be processed; the message (naming the item, the cause
    and what happens next) is stored as the item's error as it is."""


@dataclass(frozen=True)
class Item:
    """One named item of a stage, as the ledger (``stage_items``) keys it.

    ``id`` is an integer key (a gem id), ``name`` a text key (a sender
    identity, a strategy); ``version`` makes a done item pending again when
    it changes; ``weight`` is its share of a batch (a sender's messages).
    """

    id: int = 0
    name: str = ""
    version: str | None = field(default=None, compare=False)
    weight: int = field(default=1, compare=False)

    @property
    def label(self) -> str:
        """How errors and events name the item."""
        if self.id and self.name:
            return f"{self.id}:{self.name}"
        return self.name or str(self.id)

    def __str__(self) -> str:
        return self.label


@dataclass
class Outcome:
    """What ``transform`` returns for one item.

    ``rows`` maps a table name to the rows for that table. ``status`` is
    ``done``, or ``partial`` when the item should be processed again once a
    missing capability is available (e.g. the spaCy model); ``note`` says why.
    ``error`` is a failed item whose rows must still be written (the audit row
    of a failed AI call): the stage's ``write`` gets it, ``note`` is its error.
    """

    rows: dict[str, Any]
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
    #: ``run all`` runs it (stages 1-6; engage is asked for by name).
    in_run_all: bool = True

    #: What one item is: ``message`` (the ids of ``items``' SELECT), or a named
    #: item (``sender``, ``gem``) given as :class:`Item` s.
    keyed_by: str = "message"
    #: ``items(ctx)`` -> a Select whose single column ``item_id`` lists eligible
    #: message ids, or (named items) the eligible :class:`Item` s in order.
    items: Callable[[StageContext], Any] | None = None
    #: ``load(conn, keys, ctx)`` -> the loaded items for those ids / Items.
    load: Callable[[Connection, Sequence[Any], StageContext], list[Any]] | None = None
    transform: Transform | None = None
    #: ``prepare(ctx)`` -> the picklable second argument of ``transform`` (rules, options).
    prepare: Callable[[StageContext], Any] | None = None
    #: ``write(conn, outcomes_by_id, ctx)``; default: replace each output table's
    #: rows for those items (by ``item_key``) with the new ones.
    write: Callable[[Connection, dict[int, Outcome], StageContext], None] | None = None
    item_key: str = "message_id"
    #: ``redo_partial(ctx)`` -> True when items marked partial should be redone now.
    redo_partial: Callable[[StageContext], bool] | None = None
    #: ``redo_done(ctx)`` -> True when done items are to be done again (engage
    #: ``--regenerate``), like ``--reprocess`` but for the chosen items only.
    redo_done: Callable[[StageContext], bool] | None = None
    #: ``new``: items without a done mark at their version; ``all``: every
    #: eligible item on every run.
    pending: str = "new"
    #: Failed items are tried again on the next run (an AI answer that failed).
    retry_errors: bool = False
    #: ``choose(ctx, pending, already_done)`` -> the pending items this run
    #: takes (a top N, a daily cap); ``already_done`` counts eligible items
    #: left out because they are done.
    choose: Callable[[StageContext, list[Any], int], list[Any]] | None = None
    #: Batches of about this much ``Item.weight`` instead of ``batch_size`` items.
    batch_weight: int | None = None
    #: ``before(ctx)`` / ``after(ctx)``: once per run, around the items
    #: (e.g. say once that spaCy is missing; aggregate per-sender statistics).
    before: Callable[[StageContext], None] | None = None
    after: Callable[[StageContext], None] | None = None
    #: CPU-bound transforms run in worker processes (and, for message stages,
    #: their batches are shared among queue workers); or ``parallel(ctx)``,
    #: asked once the stage is prepared (classify: only with an in-process model).
    parallel: bool | Callable[[StageContext], bool] = True
    #: ``load`` runs in the worker processes as well, each on its own
    #: connection, when the stage runs in parallel on a database they can open
    #: (a whole-mailbox stage whose reads outweigh its transforms: profile).
    #: There ``load``'s context has the engine, settings, options and
    #: ``prepared``, and no run: it must not :meth:`StageContext.note`.
    loads_in_workers: bool = False

    def runs_parallel(self, ctx: StageContext) -> bool:
        return self.parallel(ctx) if callable(self.parallel) else self.parallel

    @property
    def by_message(self) -> bool:
        return self.keyed_by == "message"

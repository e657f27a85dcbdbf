"""Rich progress bars fed by run events."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from inboxmine.cli.context import err_console
from inboxmine.runner.events import Event, bus


def progress_bars(*counts: ProgressColumn) -> Progress:
    """The CLI's progress bars on stderr: spinner, description, bar, then
    ``counts`` (what is counted: items, bytes, ...), elapsed and remaining time."""
    return Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        *counts,
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=False,
    )


@contextmanager
def stage_progress() -> Iterator[Progress]:
    """Show one bar per run while the body executes stages."""
    progress = progress_bars(MofNCompleteColumn(), TextColumn("{task.fields[failed]}"))
    tasks: dict[int, int] = {}

    def on_event(event: Event) -> None:
        run_id = event.get("run_id")
        if run_id is None:
            return
        if run_id not in tasks:
            tasks[run_id] = progress.add_task(
                f"{event['stage']} (run {run_id})", total=None, failed=""
            )
        task = tasks[run_id]
        failed = event.get("items_failed") or 0
        failed_text = f"[yellow]{failed} failed" if failed else ""
        if event["type"] == "progress":
            progress.update(
                task,
                total=event.get("items_total"),
                completed=event["items_processed"],
                failed=failed_text,
            )
        elif event["type"] == "done":
            done = event["items_processed"]
            progress.update(task, total=done, completed=done, failed=failed_text)
        elif event["type"] == "failed":
            progress.update(task, description=f"[red]{event['stage']} (run {run_id}) failed")

    stop = bus.listen(on_event)
    try:
        with progress:
            yield progress
    finally:
        stop()

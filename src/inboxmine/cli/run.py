"""``inboxmine run STAGE [STAGE ...]``: run pipeline stages now."""

from __future__ import annotations

import typer

from inboxmine.cli.context import app_context, console, err_console, fail
from inboxmine.cli.progress import stage_progress
from inboxmine.runner import ledger
from inboxmine.runner.registry import UnknownStage, expand, run_all_keys


def run(
    ctx: typer.Context,
    stages: list[str] = typer.Argument(
        None, help="stage keys (metadata content entities classify profile segment engage), or all"
    ),
    all_stages: bool = typer.Option(
        False, "--all", help="stages 1-6 in order, stopping at the first failure"
    ),
    reprocess: bool = typer.Option(
        False, "--reprocess", help="process every item again, not only new ones"
    ),
    retrain: bool = typer.Option(
        False, "--retrain", help="classify: add your recent overrides to the prompt as corrections"
    ),
    model: str = typer.Option(
        None, "--model", help="AI model as provider:model (classify, engage)"
    ),
    gem: list[int] = typer.Option(None, "--gem", help="engage: draft for this gem id (repeatable)"),
    strategy: str = typer.Option(None, "--strategy", help="engage: only this strategy"),
    top: int = typer.Option(None, "--top", help="engage: the N best gems"),
    regenerate: bool = typer.Option(
        False, "--regenerate", help="engage: draft again even if a draft exists"
    ),
    all_gems: bool = typer.Option(
        False, "--all-gems", help="engage: every new gem, not only the --top N"
    ),
    include_internal: bool = typer.Option(
        None,
        "--include-internal/--no-include-internal",
        help="profile: for this run, count (or leave out) mail from colleagues at your own "
        "domain, one profile per colleague; default the include_internal setting",
    ),
    queue: bool = typer.Option(
        False,
        "--queue",
        help="put the runs on the queue for `inboxmine worker` processes (queue.url) "
        "instead of running them here",
    ),
) -> None:
    """Run stages now; each run is recorded in the ledger (triggered_by = cli)."""
    from inboxmine.runner.executor import run_stages

    keys = list(stages or [])
    if all_stages:
        keys.append("all")
    if not keys:
        fail(f"name the stages to run ({', '.join(run_all_keys())}, engage) or use --all")
    app = app_context(ctx)
    settings = app.settings
    try:
        expanded = expand(keys, settings)
    except UnknownStage as exc:
        fail(str(exc))
    if model:
        settings = settings.model_copy(
            update={"ai": settings.ai.model_copy(update={"model": model})}
        )
    parameters = {
        k: v
        for k, v in {
            "reprocess": reprocess or None,
            "retrain": retrain or None,
            "model": model,
            "gem_ids": list(gem) if gem else None,
            "strategy": strategy,
            "top": top,
            "regenerate": regenerate or None,
            "all": all_gems or None,
            "include_internal": include_internal,
        }.items()
        if v is not None
    }
    engine = app.engine()
    if queue:
        _enqueue(engine, settings, expanded, parameters)
        return
    with stage_progress():
        ok, run_ids = run_stages(engine, settings, expanded, "cli", parameters)
    for run_id in run_ids:
        record = ledger.get_run(engine, run_id)
        line = (
            f"run {run_id} {record['stage']}: {record['status']}, {record['items_processed']} items"
        )
        if record["items_failed"]:
            line += f" ({record['items_failed']} failed: `inboxmine runs show {run_id}`)"
        console.print(line, markup=False, highlight=False)
        # What the stage decided on its own (engage: daily cap, bypasses, skips).
        for note in (record.get("parameters") or {}).get("notes") or []:
            console.print(f"  note: {note}", markup=False, highlight=False)
    if not ok:
        failed = next(
            ledger.get_run(engine, r)
            for r in run_ids
            if ledger.get_run(engine, r)["status"] == "failed"
        )
        err_console.print(f"error: {failed['error_message']}", markup=False, highlight=False)
        raise typer.Exit(1)


def _enqueue(engine, settings, keys: list[str], parameters: dict) -> None:
    """Queue the runs for the workers; they are in the ledger as ``pending`` at once."""
    from inboxmine.runner.executor import queue_runs
    from inboxmine.web.queue import QueueUnavailable, TaskQueue

    try:
        queue = TaskQueue(settings, engine, mode="enqueue")
        queue.check()
    except QueueUnavailable as exc:
        fail(str(exc))
    run_ids = queue_runs(engine, keys, "cli", parameters, settings)
    queue.enqueue(run_ids)
    listed = ", ".join(f"{run_id} ({key})" for run_id, key in zip(run_ids, keys, strict=True))
    console.print(
        f"queued runs {listed} on {queue.where}: `inboxmine worker` executes them; "
        "follow them with `inboxmine runs`",
        markup=False,
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    app.command("run")(run)

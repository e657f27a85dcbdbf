"""``inboxmine runs``: the run ledger, as the Pipeline Runs view shows it."""

from __future__ import annotations

import typer

from inboxmine.cli.context import app_context, console, fail
from inboxmine.cli.output import fmt_time, print_json, print_table
from inboxmine.services import runs

LIST_COLUMNS = list(runs.LIST_COLUMNS)
DETAIL_COLUMNS = LIST_COLUMNS + ["error_message", "created_at"]

runs_app = typer.Typer(help="The run ledger: every stage execution.", invoke_without_command=True)


def _status_style(status: str) -> str:
    return {"completed": "green", "failed": "red", "running": "cyan", "pending": "yellow"}.get(
        status, ""
    )


@runs_app.callback()
def list_runs(
    ctx: typer.Context,
    stage: str = typer.Option(None, "--stage", help="only this stage"),
    status: str = typer.Option(None, "--status", help="pending, running, completed or failed"),
    sort: str = typer.Option(
        "started_at", "--sort", help="stage, status, started_at or items_processed"
    ),
    asc: bool = typer.Option(
        False, "--asc/--desc", help="ascending or descending (default: newest first)"
    ),
    limit: int = typer.Option(50, "--limit", min=1, help="at most this many runs"),
    json_out: bool = typer.Option(False, "--json", help="print a JSON array"),
) -> None:
    """List runs (default: by started_at, newest first)."""
    if ctx.invoked_subcommand is not None:
        return
    if status and status not in runs.STATUSES:
        fail(f"unknown status {status!r}: choose one of {', '.join(runs.STATUSES)}")
    if sort not in ("stage", "status", "started_at", "items_processed"):
        fail(f"cannot sort by {sort!r}: choose stage, status, started_at or items_processed")
    engine = app_context(ctx).engine()
    total, rows = runs.list_runs(
        engine, stage=stage, status=status, sort=sort, descending=not asc, limit=limit
    )
    if json_out:
        print_json([{k: r[k] for k in DETAIL_COLUMNS} | _extra(r) for r in rows])
        return
    if not rows:
        console.print(
            "no runs yet: run a stage with `inboxmine run STAGE` or import mail with `inboxmine ingest`"
        )
        return
    print_table(
        LIST_COLUMNS,
        rows,
        title=f"pipeline runs ({len(rows)} of {total})",
        formatters={"started_at": fmt_time, "completed_at": fmt_time},
    )


def _extra(run: dict) -> dict:
    return {
        "items_failed": run.get("items_failed"),
        "duration_seconds": runs.run_duration_seconds(run),
        "parameters": run.get("parameters"),
    }


@runs_app.command("show")
def show_run(
    ctx: typer.Context,
    run_id: int = typer.Argument(..., help="the run id"),
    json_out: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """One run in full: error_message, created_at, duration, per-item errors."""
    engine = app_context(ctx).engine()
    try:
        run = runs.run(engine, run_id)
    except runs.NotFound as exc:
        fail(str(exc))
    errors = [
        {"item_id": e["item_id"], "error": e["error"]}
        for e in runs.run_item_errors(engine, run_id, limit=20)
    ]
    record = {k: run[k] for k in DETAIL_COLUMNS} | _extra(run) | {"item_errors": errors}
    if json_out:
        print_json(record)
        return
    for key in DETAIL_COLUMNS + ["items_failed", "duration_seconds"]:
        value = record[key]
        if key in ("started_at", "completed_at", "created_at"):
            value = fmt_time(value)
        elif key == "duration_seconds" and value is not None:
            value = f"{value:.1f} s"
        style = _status_style(str(value)) if key == "status" else ""
        console.print(f"[bold]{key:>16}[/]  ", end="")
        console.print(
            "" if value is None else str(value), style=style, markup=False, highlight=False
        )
    if errors:
        console.print(f"\n[bold]item errors[/] (first {len(errors)}):")
        for err in errors:
            console.print(f"  item {err['item_id']}: {err['error']}", markup=False, highlight=False)


@runs_app.command("cancel")
def cancel_run(
    ctx: typer.Context,
    run_id: int = typer.Argument(..., help="the run id"),
) -> None:
    """Ask a pending or running run to stop (it stops at its next progress report)."""
    try:
        runs.cancel_run(app_context(ctx).engine(), run_id)
    except (runs.NotFound, runs.InvalidValue) as exc:
        fail(str(exc))
    console.print(
        f"run {run_id}: cancel requested (it stops at its next progress report)",
        markup=False,
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    app.add_typer(runs_app, name="runs")

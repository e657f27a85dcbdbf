"""``inboxmine demo``: a realistic demo mailbox through the whole pipeline."""

from __future__ import annotations

import shutil
from pathlib import Path

import typer
from sqlalchemy import func, select

from inboxmine.cli.context import app_context, console, err_console, fail
from inboxmine.cli.output import print_table
from inboxmine.cli.progress import stage_progress

DEFAULT_DIR = Path("demo-output")


def demo(
    ctx: typer.Context,
    out_dir: Path = typer.Option(
        DEFAULT_DIR, "--dir", help="where the demo mailbox and database go"
    ),
    seed: int = typer.Option(7, "--seed", help="same seed, same mailbox"),
    messages: int = typer.Option(2000, "--messages", min=200, help="size of the demo mailbox"),
    drafts: int = typer.Option(3, "--drafts", min=0, help="draft outreach for the N best gems"),
    serve: bool = typer.Option(
        True, "--serve/--no-serve", help="serve the admin on the demo data at the end"
    ),
    port: int = typer.Option(
        None, "--port", min=1, max=65535, help="port of the admin (default 8000)"
    ),
) -> None:
    """Generate a demo mailbox, import it, run stages 1-6, draft outreach, show the best gems."""
    from inboxmine.demo import generate_demo
    from inboxmine.runner.executor import run_stages
    from inboxmine.runner.registry import stages
    from inboxmine.sources.importer import import_messages
    from inboxmine.sources.mbox import read_mbox

    app = app_context(ctx)
    if serve:
        # Say so now, not after the whole pipeline ran.
        from inboxmine.cli.web import port_in_use

        host, port = app.settings.web.host, port or app.settings.web.port
        busy = port_in_use(host, port)
        if busy:
            fail(
                f"cannot serve the admin on {host}:{port} ({busy}): stop what uses it, "
                "or choose another port with --port (or --no-serve)"
            )
    out_dir = out_dir.resolve()
    if app.db_url is None:
        # The demo keeps to its own database, so it never mixes with your mail.
        db_file = out_dir / "demo.db"
        if out_dir.exists():
            shutil.rmtree(out_dir)
        app.db_url = f"sqlite:///{db_file}"
    out_dir.mkdir(parents=True, exist_ok=True)

    console.print(
        f"generating a demo mailbox of {messages:,} messages (seed {seed}) in {out_dir}",
        highlight=False,
    )
    result = generate_demo(out_dir, seed=seed, messages=messages)
    # Settings were read before the demo database was chosen: read them again.
    app.reload_settings()
    engine = app.engine()
    _store_persona(engine, result)
    settings = app.reload_settings()
    # Your own addresses (a file, --me) count too, for this run.
    settings = settings.model_copy(update={"me": list(dict.fromkeys([*settings.me, *result.me]))})

    with err_console.status("importing the demo mailbox..."):
        summary = import_messages(
            engine,
            read_mbox(result.mbox_path),
            source_kind="mbox",
            path=str(result.mbox_path),
            my_addresses=settings.my_addresses,
            triggered_by="cli",
        )
    counts = summary.counts
    console.print(
        f"imported: {counts.stored:,} stored, {counts.duplicates:,} duplicates, "
        f"{counts.unparseable:,} unparseable (kept with the reason)",
        highlight=False,
    )

    with stage_progress():
        ok, run_ids = run_stages(engine, settings, ["all"], "cli")
    if not ok:
        fail("a stage failed: `inboxmine --db " + app.db_url + " runs --status failed` shows why")
    if drafts and "engage" in stages():
        with stage_progress():
            run_stages(engine, settings, ["engage"], "cli", {"top": drafts})

    _print_findings(engine)
    console.print(
        f"\nexplore the demo data with: inboxmine --db {app.db_url} gems   (or runs, profiles, drafts)",
        highlight=False,
        markup=False,
    )
    if serve:
        from inboxmine.cli.web import serve_admin

        serve_admin(app, settings.web.host, port or settings.web.port, settings=settings)


def _store_persona(engine, result) -> None:
    """The demo user's addresses and persona, kept with the demo database, so
    a later `inboxmine run --all` on it keeps the co-marketing gems.

    A key already stored in that database (``--db`` on one of yours) is left
    as it is; a config file or the environment still wins, as always.
    """
    from inboxmine.stored_settings import read_stored, store_value

    stored = read_stored(engine)
    wanted = {"me": list(result.me)} | {
        f"engagement.{key}": value for key, value in result.persona.items()
    }
    for key, value in wanted.items():
        if key not in stored:
            store_value(engine, key, value, updated_by="cli")


def _print_findings(engine) -> None:
    from inboxmine.db.tables import metadata

    gems = metadata.tables.get("gems")
    if gems is None:
        return
    with engine.connect() as conn:
        by_type = conn.execute(
            select(gems.c.gem_type, func.count())
            .where(gems.c.status != "expired")
            .group_by(gems.c.gem_type)
            .order_by(func.count().desc())
        ).all()
        top = (
            conn.execute(
                select(
                    gems.c.id, gems.c.score, gems.c.gem_type, gems.c.sender_domain, gems.c.summary
                )
                .where(gems.c.status != "expired")
                .order_by(gems.c.score.desc(), gems.c.id)
                .limit(10)
            )
            .mappings()
            .all()
        )
    console.print(
        "\ngems found: " + ", ".join(f"{t} {n}" for t, n in by_type), highlight=False, markup=False
    )
    print_table(
        ["id", "score", "gem_type", "sender_domain", "summary"],
        [dict(r) for r in top],
        title="the 10 best gems",
    )


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)

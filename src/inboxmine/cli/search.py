"""``inboxmine search QUERY``: full-text search of the stored mail; ``--reindex`` rebuilds it."""

from __future__ import annotations

import typer
from rich.table import Table
from rich.text import Text

from inboxmine.cli.context import app_context, console, err_console, fail
from inboxmine.cli.output import print_json

OPERATORS_HELP = (
    'words, "a phrase", word*, from:, to:, domain:, subject:, list:, has:attachment, '
    "before:/after:YYYY-MM-DD, esp:, gem:, a OR b for either, and -word / -from:x to exclude "
    "(docs/search.md)"
)


def _snippet(parts) -> Text:
    # Text built part by part: message text is never read as Rich markup.
    snippet = Text()
    for text, match in parts:
        snippet.append(text, style="bold yellow" if match else None)
    return snippet


def search(
    ctx: typer.Context,
    query: str = typer.Argument(None, help=OPERATORS_HELP),
    limit: int = typer.Option(20, "--limit", min=1, max=500, help="answers to show"),
    json_out: bool = typer.Option(False, "--json", help="print a JSON array"),
    reindex: bool = typer.Option(
        False, "--reindex", help="rebuild the search index from the stored messages"
    ),
) -> None:
    """Search subjects, bodies, senders, recipients and attachment names, best match first."""
    from inboxmine.search.query import QueryError
    from inboxmine.search.searcher import hit_record
    from inboxmine.search.searcher import search as run_search

    context = app_context(ctx)
    engine = context.engine()
    if reindex:
        _reindex(engine)
        if not query:
            return
    if not query:
        fail('give a query, e.g. inboxmine search "renewal quote" from:acme.io (or --reindex)')
    try:
        results = run_search(engine, query, limit=limit, rules_dir=context.settings.rules_dir)
    except QueryError as exc:
        fail(f"search query: {exc}")
    if json_out:
        print_json([hit_record(h) for h in results.hits])
        return
    if not results.hits:
        console.print(
            f"no message matches ({results.elapsed_ms:.0f} ms); "
            "a database made before search existed needs `inboxmine search --reindex`",
            markup=False,
        )
        return
    order = "best match first" if results.ranked else "newest first"
    table = Table(title=f"{results.total:,} messages match, {order} ({results.elapsed_ms:.0f} ms)")
    for column in ("id", "date", "from", "subject", "snippet"):
        table.add_column(column, overflow="fold")
    for hit in results.hits:
        sender = hit.from_name or hit.from_address or ""
        table.add_row(
            str(hit.message_id),
            hit.sent_at.strftime("%Y-%m-%d") if hit.sent_at else "",
            Text(sender),
            Text(hit.subject or ""),
            _snippet(hit.snippet),
        )
    console.print(table)
    if results.total > len(results.hits):
        console.print(f"showing {len(results.hits)}: --limit N shows more", markup=False)


def _reindex(engine) -> None:
    from inboxmine.cli.progress import progress_bars
    from inboxmine.search.index import rebuild_index

    with progress_bars() as bars:
        task = bars.add_task("search index", total=None)

        def advance(done: int, total: int) -> None:
            bars.update(task, completed=done, total=total)

        count = rebuild_index(engine, advance)
    err_console.print(f"search index rebuilt: {count:,} messages indexed", markup=False)


def register(app: typer.Typer) -> None:
    app.command("search")(search)

"""``inboxmine habits``: how much each sender or list sends, how much you read
and answer, and the unsubscribe link it offers. Nothing is ever unsubscribed
or sent by inboxmine: the links are for you to use."""

from __future__ import annotations

from pathlib import Path

import typer

from inboxmine.cli.context import app_context, console, fail
from inboxmine.cli.output import fmt_time, print_json, print_table
from inboxmine.habits import export
from inboxmine.habits.figures import GROUPINGS, SORTS
from inboxmine.habits.queries import HabitsError, reading_habits

TABLE_COLUMNS = [
    "messages",
    "read",
    "unread",
    "read_unknown",
    "replied",
    "last_at",
    "unsubscribe",
]


def _rate(value) -> str:
    return "" if value is None else f"{value:.0%}"


def habits(
    ctx: typer.Context,
    never_read: bool = typer.Option(
        False, "--never-read", help="only senders (lists) you never read"
    ),
    by: str = typer.Option("sender", "--by", help="group by: " + ", ".join(GROUPINGS)),
    sort: str = typer.Option("unread", "--sort", help=", ".join(SORTS)),
    search: str = typer.Option(None, "--search", help="text in the sender or list id"),
    limit: int = typer.Option(50, "--limit", min=1, help="rows shown (a CSV file gets all)"),
    json_out: bool = typer.Option(False, "--json", help="print a JSON array"),
    csv_file: Path = typer.Option(None, "--csv", help="write every row to this CSV file"),
) -> None:
    """Reading habits per sender or per list (List-Id): volume, read, unread,
    replied, and the harvested one-click unsubscribe link (RFC 8058).

    Read state comes from IMAP \\Seen, Gmail's UNREAD label, Maildir flags or
    mbox Status headers; "read_unknown" counts mail whose source did not say.
    """
    app = app_context(ctx)
    try:
        rows = reading_habits(
            app.engine(),
            by=by,
            never_read_only=never_read,
            sort=sort,
            search=search,
            limit=None if csv_file else limit,
            rules_dir=app.settings.rules_dir,
        )
    except HabitsError as exc:
        fail(str(exc))
    if csv_file:
        count = export.write_csv(rows, csv_file, by)
        console.print(f"wrote {count} rows to {csv_file}", markup=False, highlight=False)
        rows = rows[:limit]
        if not json_out:
            return
    if json_out:
        print_json(rows)
        return
    if not rows:
        console.print(
            "no senders match"
            + (" (none you never read, with enough mail of known read state)" if never_read else "")
            + ": `inboxmine run metadata` counts them",
            markup=False,
            highlight=False,
        )
        return
    for row in rows:
        row["unsubscribe"] = (
            ("one-click " if row["unsubscribe_one_click"] else "") + (row["unsubscribe_url"] or "")
        ) or (f"mailto:{row['unsubscribe_email']}" if row["unsubscribe_email"] else "")
    title = ("senders you never read" if never_read else "reading habits") + f" ({len(rows)})"
    if by == "list":
        title = title.replace("senders", "lists")
    print_table(
        [by, *TABLE_COLUMNS[:4], "read_rate", *TABLE_COLUMNS[4:]],
        rows,
        title=title,
        formatters={"last_at": fmt_time, "read_rate": _rate},
    )
    console.print(
        "inboxmine never unsubscribes or sends anything: open a link yourself to unsubscribe",
        markup=False,
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    app.command("habits")(habits)

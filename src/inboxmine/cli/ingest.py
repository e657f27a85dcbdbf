"""``inboxmine ingest mbox|maildir|mh|eml PATH``: import a mail source."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

import typer
from rich.progress import (
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TransferSpeedColumn,
)

from inboxmine.cli.context import app_context, console, err_console, fail
from inboxmine.cli.progress import progress_bars
from inboxmine.sources.base import RawMessage
from inboxmine.sources.files import SkipLog

ingest_app = typer.Typer(
    name="ingest",
    help="Import mail: an mbox file (e.g. Google Takeout), a Maildir, an MH tree, or message files.",
    no_args_is_help=True,
)

MeOption = typer.Option(
    None, "--me", help="one of your addresses or aliases (repeatable; adds to the `me` setting)"
)
LimitOption = typer.Option(None, "--limit", min=1, help="import at most N messages")
JsonOption = typer.Option(False, "--json", help="print the summary as a JSON object")


def _progress(by_bytes: bool) -> Progress:
    counted = [DownloadColumn(), TransferSpeedColumn()] if by_bytes else [MofNCompleteColumn()]
    return progress_bars(*counted, TextColumn("{task.fields[messages]}"))


def _run_import(
    ctx: typer.Context,
    source_kind: str,
    path: Path,
    source: Iterable[RawMessage],
    me: list[str] | None,
    limit: int | None,
    total_units: int | None,
    by_bytes: bool,
    total_messages: int | None,
    as_json: bool,
    skipped: SkipLog | None = None,
):
    from inboxmine.sources.importer import import_messages

    app = app_context(ctx)
    my_addresses = app.settings.my_addresses | {a.strip().lower() for a in me or () if a.strip()}
    engine = app.engine()
    progress = _progress(by_bytes)
    task = progress.add_task(f"ingest {source_kind}", total=total_units, messages="")
    state = {"read": 0}

    def on_message(raw: RawMessage) -> None:
        state["read"] += 1
        completed = raw.progress if raw.progress is not None else state["read"]
        if state["read"] % 25 == 0 or (total_units and completed >= total_units):
            progress.update(task, completed=completed, messages=f"{state['read']:,} messages")

    with progress:
        summary = import_messages(
            engine,
            source,
            source_kind=source_kind,
            path=str(path),
            my_addresses=my_addresses,
            limit=limit,
            total=total_messages,
            triggered_by="cli",
            on_message=on_message,
            skipped=skipped,
        )
        progress.update(
            task,
            completed=total_units if total_units is not None else state["read"],
            total=total_units if total_units is not None else max(state["read"], 1),
            messages=f"{state['read']:,} messages",
        )
    _print_summary(summary, as_json)
    return summary


def _print_summary(summary, as_json: bool) -> None:
    counts = summary.counts
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "run_id": summary.run_id,
                    "read": counts.read,
                    "stored": counts.stored,
                    "duplicates": counts.duplicates,
                    "unparseable": counts.unparseable,
                    "with_problems": counts.with_problems,
                    "unreadable": counts.unreadable,
                    "refused": counts.refused,
                    "threads_updated": summary.threads_updated,
                    "skipped": summary.skipped.by_kind(),
                    "skipped_files": [
                        {"path": f.position, "kind": f.kind, "reason": f.reason}
                        for f in summary.skipped.files
                    ],
                }
            )
        )
        return
    lines = [
        f"read {counts.read:,}",
        f"stored {counts.stored:,}",
        f"duplicates skipped {counts.duplicates:,}",
        f"unparseable {counts.unparseable:,} (stored with the reason)",
    ]
    if counts.unreadable:
        lines.append(f"unreadable {counts.unreadable:,} (not stored)")
    if counts.refused:
        lines.append(f"refused by the database {counts.refused:,} (not stored)")
    if summary.skipped:
        kinds = ", ".join(f"{n:,} {kind}" for kind, n in summary.skipped.by_kind().items())
        lines.append(f"files skipped {len(summary.skipped):,} ({kinds})")
    console.print(
        f"ingest run {summary.run_id}: "
        + ", ".join(lines)
        + f"; {summary.threads_updated:,} threads updated",
        markup=False,
        highlight=False,
    )
    if counts.with_problems > counts.unparseable:
        console.print(
            f"{counts.with_problems - counts.unparseable:,} stored messages have parse notes (messages.parse_error)",
            markup=False,
            highlight=False,
        )
    _print_skipped(summary.skipped)
    if counts.failed:
        console.print(
            f"the reasons are listed by `inboxmine runs show {summary.run_id}`",
            markup=False,
            highlight=False,
        )


#: Skipped files named one by one in the summary; the rest are counted
#: (all of them are in ``--json``).
SKIPPED_SHOWN = 10


def _print_skipped(skipped: SkipLog) -> None:
    for item in skipped.files[:SKIPPED_SHOWN]:
        console.print(
            f"  skipped {item.position}: {item.kind}: {item.reason}", markup=False, highlight=False
        )
    if len(skipped) > SKIPPED_SHOWN:
        console.print(
            f"  ... and {len(skipped) - SKIPPED_SHOWN:,} more (`--json` lists every one)",
            markup=False,
            highlight=False,
        )


def _nothing_read(path: Path, summary) -> None:
    """A tree in which no file was mail is an error: say what was there."""
    if summary.read == 0:
        kinds = ", ".join(f"{n:,} {kind}" for kind, n in summary.skipped.by_kind().items())
        fail(f"{path} holds no email: {len(summary.skipped):,} files looked at ({kinds})")


def _require(path: Path, kind: str, check: Callable[[Path], bool]) -> None:
    if not path.exists():
        fail(f"{path} does not exist: give the path of {kind}")
    if not check(path):
        fail(f"{path} is not {kind}")


@ingest_app.command("mbox")
def ingest_mbox(
    ctx: typer.Context,
    path: Path = typer.Argument(
        ..., help="the mbox file (Google Takeout: All mail Including Spam and Trash.mbox)"
    ),
    me: list[str] = MeOption,
    limit: int = LimitOption,
    as_json: bool = JsonOption,
) -> None:
    """Import an mbox file, streaming (memory stays flat whatever its size)."""
    from inboxmine.sources.mbox import mbox_size, read_mbox

    _require(path, "an mbox file", Path.is_file)
    path = path.resolve()
    _run_import(ctx, "mbox", path, read_mbox(path), me, limit, mbox_size(path), True, None, as_json)


@ingest_app.command("maildir")
def ingest_maildir(
    ctx: typer.Context,
    path: Path = typer.Argument(
        ..., help="the Maildir (the folder holding cur/ and new/, with .Sent etc.)"
    ),
    me: list[str] = MeOption,
    limit: int = LimitOption,
    as_json: bool = JsonOption,
) -> None:
    """Import a Maildir tree; messages in a Sent folder are marked sent."""
    from inboxmine.sources.maildir import maildir_files, read_maildir

    _require(path, "a Maildir folder", Path.is_dir)
    path = path.resolve()
    files = maildir_files(path)
    if not files:
        from inboxmine.sources.mh import is_mh_tree

        if is_mh_tree(path):
            # The classic numbered-file layout: read it rather than refuse it.
            err_console.print(
                f"{path} is an MH folder tree (numbered message files), not a Maildir: "
                f"reading it as MH (next time: inboxmine ingest mh {path})",
                markup=False,
                highlight=False,
            )
            _import_mh(ctx, path, me, limit, as_json)
            return
        fail(
            f"{path} holds no Maildir messages (no cur/ or new/ folder with files); "
            f"for a folder of message files use `inboxmine ingest eml {path}`"
        )
    _run_import(
        ctx,
        "maildir",
        path,
        read_maildir(path, files),
        me,
        limit,
        len(files),
        False,
        len(files),
        as_json,
    )


@ingest_app.command("mh")
def ingest_mh(
    ctx: typer.Context,
    path: Path = typer.Argument(
        ..., help="the top of the MH tree (folders of numbered files: inbox/1, sent/17)"
    ),
    me: list[str] = MeOption,
    limit: int = LimitOption,
    as_json: bool = JsonOption,
) -> None:
    """Import an MH folder tree; folder names become labels, a Sent folder marks mail sent."""
    _require(path, "an MH folder tree", Path.is_dir)
    _import_mh(ctx, path.resolve(), me, limit, as_json)


def _import_mh(ctx: typer.Context, path: Path, me, limit, as_json: bool) -> None:
    from inboxmine.sources.mh import mh_files, read_mh

    skipped = SkipLog()
    files = mh_files(path, skipped)
    if not files:
        fail(
            f"{path} holds no MH messages (no folder with numbered files); "
            f"for other message files use `inboxmine ingest eml {path}`"
        )
    summary = _run_import(
        ctx,
        "mh",
        path,
        read_mh(path, files, skipped),
        me,
        limit,
        len(files),
        False,
        len(files),
        as_json,
        skipped,
    )
    _nothing_read(path, summary)


@ingest_app.command("eml")
def ingest_eml(
    ctx: typer.Context,
    path: Path = typer.Argument(
        ...,
        help="one message file, or a folder searched recursively: .eml files, and any "
        "other file that looks like an email",
    ),
    me: list[str] = MeOption,
    limit: int = LimitOption,
    as_json: bool = JsonOption,
) -> None:
    """Import one message file, or every message file below a folder.

    ``.eml`` files are read by their name; other files when their first KB
    look like an email (a header block with From, Date, Message-ID, ...).
    The files left out are named in the summary, with why.
    """
    from inboxmine.sources.eml import read_eml, tree_files

    if not path.exists() and not path.is_symlink():
        fail(f"{path} does not exist: give an .eml file or a folder of message files")
    path = path.absolute()
    files = tree_files(path)
    if not files:
        fail(f"{path} holds no files")
    skipped = SkipLog()
    summary = _run_import(
        ctx,
        "eml",
        path,
        read_eml(path, files, skipped),
        me,
        limit,
        len(files),
        False,
        None,
        as_json,
        skipped,
    )
    _nothing_read(path, summary)


def register(app: typer.Typer) -> None:
    """Add the ``ingest`` command group."""
    app.add_typer(ingest_app, name="ingest")

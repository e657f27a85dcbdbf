"""``inboxmine profiles``, ``relationship(s)`` and ``exclusions``: who writes to you."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.core import TyperGroup

from inboxmine.cli.context import app_context, console, fail
from inboxmine.cli.output import fmt_time, print_json, print_table, show_rows
from inboxmine.cli.timeline_view import print_timeline
from inboxmine.opportunities import queries
from inboxmine.services import exclusions
from inboxmine.services import relationships as relationship_service
from inboxmine.services.base import InvalidValue, NotFound
from inboxmine.timeline.queries import InvalidSender, TimelineNotFound, load_timeline

PROFILE_COLUMNS = [
    "sender_domain",
    "company_name",
    "industry",
    "company_size",
    "relationship_type",
    "total_messages",
    "marketing_sophistication_avg",
    "esp_used",
    "last_contact",
]
JSON_EXCLUDE = ("sophistication_breakdown",)


class ProfilesGroup(TyperGroup):
    """``profiles`` lists by default: ``profiles acme`` searches, ``profiles show X`` shows one."""

    def parse_args(self, ctx, args):
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h")):
            args = ["list", *args]
        return super().parse_args(ctx, args)


profiles_app = typer.Typer(
    cls=ProfilesGroup,
    help="Sender profiles: list and search them, or show one with its timeline.",
)


@profiles_app.command("list")
def profiles(
    ctx: typer.Context,
    search: str = typer.Argument(None, help="text to find in domain, company, email or industry"),
    sort: str = typer.Option("total_messages", "--sort", help=", ".join(queries.PROFILE_SORTS)),
    asc: bool = typer.Option(
        False, "--asc/--desc", help="ascending or descending (default descending)"
    ),
    segment: str = typer.Option(None, "--segment", help="only senders in this segment"),
    limit: int = typer.Option(50, "--limit", min=1),
    json_out: bool = typer.Option(False, "--json", help="print a JSON array"),
) -> None:
    """Sender profiles (one per company, or per person for free-mail senders);
    plain `inboxmine profiles [SEARCH]` does the same."""
    try:
        rows = queries.list_profiles(
            app_context(ctx).engine(),
            search=search,
            sort=sort,
            descending=not asc,
            limit=limit,
            segment=segment,
        )
    except queries.InvalidValue as exc:
        fail(str(exc))
    if json_out:
        print_json([{k: v for k, v in r.items() if k not in JSON_EXCLUDE} for r in rows])
        return
    if not rows:
        console.print("no profiles match: `inboxmine run profile` builds them")
        return
    print_table(
        PROFILE_COLUMNS,
        rows,
        title=f"profiles ({len(rows)})",
        formatters={"last_contact": fmt_time},
    )


relationship_app = typer.Typer(help="Tell inboxmine what a sender is to you.")


@relationship_app.command("confirm")
def confirm_relationship(
    ctx: typer.Context,
    sender: str = typer.Argument(..., help="sender domain, or a free-mail address"),
) -> None:
    """Keep a detected relationship: it becomes manual, never overwritten by detection."""
    try:
        row = relationship_service.confirm_relationship(app_context(ctx).engine(), sender)
    except NotFound as exc:
        fail(str(exc))
    console.print(
        f"{row['sender_domain']}: {row['relationship_type']} (confirmed, source {row['source']})",
        markup=False,
        highlight=False,
    )


@relationship_app.command("set")
def set_relationship(
    ctx: typer.Context,
    sender: str = typer.Argument(..., help="sender domain, or a free-mail address"),
    relationship_type: str = typer.Argument(
        ..., help=", ".join(relationship_service.RELATIONSHIP_TYPES)
    ),
    note: str = typer.Option(None, "--note", help="why"),
    suppress: bool = typer.Option(False, "--suppress", help="never show gems for this sender"),
) -> None:
    """Set a relationship by hand; automatic detection never overwrites it."""
    try:
        relationship_service.set_relationship(
            app_context(ctx).engine(), sender, relationship_type, note, suppress
        )
    except InvalidValue as exc:
        fail(str(exc))
    console.print(
        f"{sender.lower()}: {relationship_type}"
        + (" (gems suppressed)" if suppress else "")
        + " - applied at the next `inboxmine run profile`",
        markup=False,
        highlight=False,
    )


REL_COLUMNS = [
    "sender_domain",
    "relationship_type",
    "confidence",
    "source",
    "suppress_gems",
    "relationship_note",
]


relationships_app = typer.Typer(
    help="What senders are to you: list, import a file, review detected ones.",
    invoke_without_command=True,
)


@relationships_app.callback()
def relationships(
    ctx: typer.Context,
    relationship_type: str = typer.Option(None, "--type", help="only this type"),
    source: str = typer.Option(None, "--source", help=", ".join(queries.RELATIONSHIP_SOURCES)),
    json_out: bool = typer.Option(False, "--json", help="print a JSON array"),
) -> None:
    """List relationships, with the signals that decided the automatic ones."""
    if ctx.invoked_subcommand is not None:
        return
    try:
        rows = queries.list_relationships(app_context(ctx).engine(), relationship_type, source)
    except queries.InvalidValue as exc:
        fail(str(exc))
    show_rows(
        rows,
        json_out,
        "no relationships yet: `inboxmine run profile` detects them",
        REL_COLUMNS,
        title=f"relationships ({len(rows)})",
    )


@relationships_app.command("import")
def import_relationships(
    ctx: typer.Context,
    file: Path = typer.Argument(
        ..., help="YAML: relationship type -> list of senders, e.g. my_vendor: [stripe.com]"
    ),
) -> None:
    """Import relationships from a YAML file (source import).

    my_infrastructure and institutional senders get no gems; relationships set
    by hand are kept."""
    app = app_context(ctx)
    try:
        result = relationship_service.import_relationships(
            app.engine(), file, app.settings.rules_dir
        )
    except InvalidValue as exc:
        fail(str(exc))
    line = f"imported {len(result['imported'])}, updated {len(result['updated'])}"
    if result["kept_manual"]:
        line += (
            f"; kept {len(result['kept_manual'])} set by hand "
            f"({', '.join(result['kept_manual'][:5])}"
            + (", ..." if len(result["kept_manual"]) > 5 else "")
            + ")"
        )
    console.print(
        line + " - applied at the next `inboxmine run profile`", markup=False, highlight=False
    )


REVIEW_COLUMNS = [
    "sender_domain",
    "company_name",
    "relationship_type",
    "confidence",
    "source",
    "total_messages",
    "signals",
]


@relationships_app.command("review")
def review_relationships(
    ctx: typer.Context,
    relationship_type: str = typer.Option(None, "--type", help="only this type"),
    json_out: bool = typer.Option(False, "--json", help="print a JSON array"),
) -> None:
    """Detected relationships with the signals that decided them, busiest senders first.

    Keep one with `inboxmine relationship confirm SENDER`, change one with
    `inboxmine relationship set SENDER TYPE`."""
    try:
        rows = queries.review_relationships(app_context(ctx).engine(), relationship_type)
    except queries.InvalidValue as exc:
        fail(str(exc))
    show_rows(
        rows,
        json_out,
        "nothing to review: no detected relationships (`inboxmine run profile` detects them)",
        REVIEW_COLUMNS,
        title=f"detected relationships to review ({len(rows)})",
        formatters={"signals": lambda v: "; ".join(str(s) for s in v or [])},
    )
    if rows and not json_out:
        console.print(
            "confirm: `inboxmine relationship confirm SENDER`; "
            "change: `inboxmine relationship set SENDER TYPE`",
            markup=False,
            highlight=False,
        )


exclusions_app = typer.Typer(help="Senders never shown as gems.", invoke_without_command=True)


@exclusions_app.callback()
def list_exclusions(
    ctx: typer.Context, json_out: bool = typer.Option(False, "--json", help="print a JSON array")
) -> None:
    """List exclusions."""
    if ctx.invoked_subcommand is not None:
        return
    _print_exclusions(ctx, json_out)


@exclusions_app.command("list")
def list_exclusions_command(
    ctx: typer.Context, json_out: bool = typer.Option(False, "--json", help="print a JSON array")
) -> None:
    """List exclusions (the same as plain `inboxmine exclusions`)."""
    _print_exclusions(ctx, json_out)


def _print_exclusions(ctx: typer.Context, json_out: bool) -> None:
    rows = queries.list_exclusions(app_context(ctx).engine())
    show_rows(
        rows,
        json_out,
        "no exclusions: `inboxmine exclusions add DOMAIN` adds one",
        ["domain", "reason", "created_at"],
        formatters={"created_at": fmt_time},
    )


@exclusions_app.command("add")
def add_exclusion(
    ctx: typer.Context,
    domain: str = typer.Argument(..., help="a domain (covers its subdomains) or an address"),
    reason: str = typer.Option(None, "--reason"),
) -> None:
    """Exclude a sender from gem detection; its gems expire at the next profile run."""
    try:
        app = app_context(ctx)
        row = exclusions.add_exclusion(
            app.engine(), domain, reason, app.settings.rules_dir, app.settings.my_addresses
        )
    except InvalidValue as exc:
        fail(str(exc))
    console.print(f"excluded {row['domain']}", markup=False, highlight=False)


@exclusions_app.command("remove")
def remove_exclusion(ctx: typer.Context, domain: str = typer.Argument(...)) -> None:
    """Remove an exclusion."""
    if not exclusions.remove_exclusion(app_context(ctx).engine(), domain):
        fail(f"{domain} is not excluded: `inboxmine exclusions` lists the exclusions")
    console.print(f"{domain.lower()} is no longer excluded", markup=False, highlight=False)


@profiles_app.command("show")
def show_profile(
    ctx: typer.Context,
    sender: str = typer.Argument(
        ..., help="a company domain (all its people) or an address (that person)"
    ),
    limit: int = typer.Option(30, "--limit", min=1, max=10_000, help="timeline entries shown"),
    json_out: bool = typer.Option(False, "--json", help="print one JSON object"),
) -> None:
    """One sender (a company domain or an address): the people behind its addresses (and why they
    were merged), its threads with who owes a reply, and its timeline of
    messages, gems and drafts, newest first."""
    app = app_context(ctx)
    try:
        timeline = load_timeline(
            app.engine(), sender, limit=limit, rules_dir=app.settings.rules_dir
        )
    except (TimelineNotFound, InvalidSender) as exc:
        fail(str(exc))
    if json_out:
        print_json(timeline)
        return
    print_timeline(timeline)


def register(app: typer.Typer) -> None:
    app.add_typer(profiles_app, name="profiles")
    app.add_typer(relationship_app, name="relationship")
    app.add_typer(relationships_app, name="relationships")
    app.add_typer(exclusions_app, name="exclusions")

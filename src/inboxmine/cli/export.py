"""``inboxmine export gems|profiles|segment NAME|crm|vcard``: CSV, JSON lines or XLSX
(formula-safe), CRM-ready files for HubSpot and Pipedrive, vCards of contacts."""

from __future__ import annotations

from pathlib import Path

import typer

from inboxmine.cli.context import app_context, console, fail


def export(
    ctx: typer.Context,
    what: str = typer.Argument(..., help="gems, profiles, segment, crm or vcard"),
    name: str = typer.Argument(None, help="the segment name (for `segment`)"),
    fmt: str = typer.Option("csv", "--format", help="csv, jsonl or xlsx"),
    output: Path = typer.Option(
        None, "-o", "--output", help="file to write (default: <what>.<format>)"
    ),
    target: str = typer.Option(None, "--target", help="crm: hubspot or pipedrive"),
    crm_what: str = typer.Option(
        "gems", "--what", help="crm: gems (as deals), companies or contacts"
    ),
) -> None:
    """Export gems, profiles or one segment; `crm` writes the columns HubSpot or
    Pipedrive import, with stable ids; `vcard` writes contacts as a .vcf file.
    Spreadsheet formulas in mail text are neutralised."""
    from inboxmine.opportunities.crm_source import CrmExportError, crm_rows
    from inboxmine.opportunities.export import FORMATS, ExportError, rows_for, write

    if fmt not in FORMATS:
        fail(f"unknown format {fmt!r}: choose {', '.join(FORMATS)}")
    app = app_context(ctx)
    engine = app.engine()
    path = output
    try:
        if what == "vcard":
            path, count = output or Path("contacts.vcf"), _write_vcards(app, engine, output)
        elif what == "crm":
            if not target:
                fail("name the CRM: `inboxmine export crm --target hubspot` (or pipedrive)")
            columns, rows = crm_rows(engine, target, crm_what, app.settings.rules_dir)
            path = output or Path(f"{target}_{crm_what}.{fmt}")
            count = write(columns, rows, path, fmt)
        else:
            columns, rows = rows_for(engine, what, name)
            stem = (
                f"segment_{name.replace(':', '_').replace('/', '_')}"
                if what == "segment" and name
                else what
            )
            path = output or Path(f"{stem}.{fmt}")
            count = write(columns, rows, path, fmt)
    except (ExportError, CrmExportError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc} - choose another path with -o")
    console.print(f"wrote {count} rows to {path}", markup=False, highlight=False)


def _write_vcards(app, engine, output: Path | None) -> int:
    from inboxmine.opportunities import crm_source, vcard
    from inboxmine.rules.loader import load_rules

    people = crm_source.contacts(engine, load_rules("crm.yaml", app.settings.rules_dir))
    path = output or Path("contacts.vcf")
    path.parent.mkdir(parents=True, exist_ok=True)
    # vCard lines end in CRLF (RFC 6350): newline="" keeps them as written.
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(vcard.cards(people))
    return len(people)


def register(app: typer.Typer) -> None:
    app.command("export")(export)

"""CRM-ready exports: HubSpot and Pipedrive columns, stable ids, formula-safe cells,
XLSX that opens, vCards that parse back (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, insert, select, update
from tests.engage_data import NOW, seed
from typer.testing import CliRunner

from inboxmine.cli.main import app
from inboxmine.db.engine import write_tx
from inboxmine.db.tables.ingest import threads
from inboxmine.db.tables.opportunities import gems, sender_profiles
from inboxmine.opportunities import crm, vcard
from inboxmine.runner.executor import run_stages

# The import columns as HubSpot's and Pipedrive's import docs name them (docs/exporting.md).
EXPECTED = {
    ("hubspot", "gems"): ["inboxmine ID", "Deal Name", "Pipeline", "Deal Stage", "Amount", "Close Date", "Deal Description", "Company Domain Name", "Email", "inboxmine amount basis", "inboxmine gem type", "inboxmine score"],
    ("hubspot", "companies"): ["inboxmine ID", "Company name", "Company Domain Name", "Description", "inboxmine industry"],
    ("hubspot", "contacts"): ["inboxmine ID", "First Name", "Last Name", "Email", "Job Title", "Company Name", "Company Domain Name"],
    ("pipedrive", "gems"): ["inboxmine ID", "Deal - Title", "Deal - Value", "Deal - Currency", "Deal - Pipeline", "Deal - Stage", "Deal - Status", "Deal - Expected close date", "Organization - Name", "Person - Name", "Person - Email", "inboxmine amount basis", "inboxmine gem type", "inboxmine score", "inboxmine summary"],
    ("pipedrive", "companies"): ["inboxmine ID", "Organization - Name", "Organization - Address", "Organization - Website"],
    ("pipedrive", "contacts"): ["inboxmine ID", "Person - Name", "Person - First name", "Person - Last name", "Person - Email", "Person - Job title", "Organization - Name"],
}  # fmt: skip
HOSTILE_NAME = '=HYPERLINK("http://evil.example","x"), Jr; the "boss"\nsecond line'


def export(db_url, tmp_path, *args, name="out.csv"):
    out = tmp_path / name
    result = CliRunner().invoke(app, ["--db", db_url, "export", *args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def read_csv(path):
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


@pytest.mark.parametrize(("target", "what"), sorted(EXPECTED))
def test_headers_are_the_ones_the_crm_imports(engine, settings, db_url, tmp_path, target, what):
    seed(engine)
    out = export(db_url, tmp_path, "crm", "--target", target, "--what", what)
    header, *rows = read_csv(out)
    assert header == EXPECTED[(target, what)]
    assert rows and all(r[0].startswith("im-") for r in rows)


def _gem_ids(db_url, tmp_path, name):
    out = export(db_url, tmp_path, "crm", "--target", "hubspot", "--what", "gems", name=name)
    return {r["inboxmine gem type"]: r["inboxmine ID"] for r in csv.DictReader(out.open())}


def test_ids_are_stable_across_a_rerun_and_do_not_depend_on_row_ids(
    engine, settings, db_url, tmp_path
):
    ids = seed(engine)
    with write_tx(engine) as conn:
        thread = conn.execute(
            insert(threads).values(thread_key="<root-1@brightlane.io>", subject="Q3 analytics")
        ).inserted_primary_key[0]
        conn.execute(update(gems).where(gems.c.id == ids["revival"]).values(thread_id=thread))
    before = _gem_ids(db_url, tmp_path, "a.csv")
    assert len(set(before.values())) == len(before) == 5

    ok, _ = run_stages(engine, settings, ["segment"])
    assert ok
    assert _gem_ids(db_url, tmp_path, "b.csv") == before

    # The same gem stored again under a new row id keeps its CRM id.
    with write_tx(engine) as conn:
        row = dict(conn.execute(select(gems).where(gems.c.id == ids["revival"])).mappings().one())
        conn.execute(delete(gems).where(gems.c.id == ids["revival"]))
        row.pop("id")
        new_id = conn.execute(insert(gems).values(**row)).inserted_primary_key[0]
    assert new_id != ids["revival"]
    assert _gem_ids(db_url, tmp_path, "c.csv") == before


def test_contact_ids_follow_the_address_not_the_profile(engine, settings, db_url, tmp_path):
    seed(engine)
    first = export(db_url, tmp_path, "crm", "--target", "pipedrive", "--what", "contacts")
    [dana] = [r for r in csv.DictReader(first.open()) if r["Person - Email"] == "dana@acme.io"]
    assert dana["inboxmine ID"] == crm.contact_id("Dana@Acme.io")
    assert (dana["Person - First name"], dana["Person - Last name"]) == ("Dana", "Whitfield")
    assert dana["Person - Job title"] == "Account Manager"


def test_amount_comes_from_the_gems_mail_or_its_value_tier(engine, settings, db_url, tmp_path):
    seed(engine)
    out = export(db_url, tmp_path, "crm", "--target", "pipedrive", "--what", "gems")
    rows = {r["inboxmine gem type"]: r for r in csv.DictReader(out.open())}
    renewal = rows["renewal_leverage"]
    assert renewal["Deal - Value"] == "4800.0"
    assert renewal["inboxmine amount basis"] == "mail: $4,800/year"
    assert renewal["Deal - Expected close date"] == "2026-03-20"
    assert renewal["Person - Email"] == "dana@acme.io"
    audit = rows["weak_marketing_lead"]
    assert (audit["Deal - Value"], audit["inboxmine amount basis"]) == (
        "2500",
        "estimate: medium value tier",
    )
    assert renewal["Deal - Status"] == "open" and renewal["Deal - Stage"] == "Qualified"


def _hostile_contact(engine):
    with write_tx(engine) as conn:
        conn.execute(
            update(sender_profiles)
            .where(sender_profiles.c.sender_domain == "acme.io")
            .values(
                company_name="+cmd|' /C calc'!A0",
                known_contacts=[
                    {"name": HOSTILE_NAME, "email": "evil@acme.io", "role": "@SUM(1,1)"},
                    {"name": "Robot", "email": "no-reply@acme.io", "role": None},
                ],
            )
        )


def test_csv_and_xlsx_cells_from_mail_are_formula_safe(engine, settings, db_url, tmp_path):
    seed(engine)
    _hostile_contact(engine)
    out = export(db_url, tmp_path, "crm", "--target", "hubspot", "--what", "contacts")
    rows = {r["Email"]: r for r in csv.DictReader(out.open())}
    assert "no-reply@acme.io" not in rows
    evil = rows["evil@acme.io"]
    assert evil["Last Name"].startswith("'=HYPERLINK")  # "Last, First" split
    assert evil["Job Title"] == "'@SUM(1,1)" and evil["Company Name"].startswith("'+cmd")

    book = export(db_url, tmp_path, "crm", "--target", "pipedrive", "--what", "contacts", "--format", "xlsx", name="c.xlsx")  # fmt: skip
    sheet = load_workbook(book).active
    header = [c.value for c in sheet[1]]
    assert header == EXPECTED[("pipedrive", "contacts")]
    cells = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)]
    [evil_row] = [r for r in cells if r["Person - Email"].value == "evil@acme.io"]
    assert evil_row["Person - Name"].value.startswith("'=HYPERLINK")
    assert evil_row["Person - Name"].data_type == "s"
    assert evil_row["Organization - Name"].value.startswith("'+cmd")


def test_jsonl_keeps_the_values_as_they_are(engine, settings, db_url, tmp_path):
    seed(engine)
    _hostile_contact(engine)
    out = export(db_url, tmp_path, "crm", "--target", "hubspot", "--what", "contacts", "--format", "jsonl", name="c.jsonl")  # fmt: skip
    records = [json.loads(line) for line in out.read_text().splitlines()]
    [evil] = [r for r in records if r["Email"] == "evil@acme.io"]
    assert set(evil) == set(EXPECTED[("hubspot", "contacts")])
    assert evil["Job Title"] == "@SUM(1,1)"


def test_vcards_parse_back_with_commas_semicolons_and_newlines_escaped(
    engine, settings, db_url, tmp_path
):
    seed(engine)
    _hostile_contact(engine)
    out = export(db_url, tmp_path, "vcard", name="contacts.vcf")
    raw = out.read_bytes().decode("utf-8")
    assert raw.startswith("BEGIN:VCARD\r\nVERSION:4.0\r\n")
    assert all(len(line.encode()) <= 75 for line in raw.split("\r\n"))
    cards = {c["EMAIL"]: c for c in vcard.parse(raw)}
    evil = cards["evil@acme.io"]
    assert evil["FN"] == HOSTILE_NAME
    assert evil["TITLE"] == "@SUM(1,1)" and evil["ORG"] == "+cmd|' /C calc'!A0"
    assert evil["UID"] == f"urn:inboxmine:{crm.contact_id('evil@acme.io')}"
    assert "\\, Jr\\; the" in raw and "\\nsecond line" in raw
    assert cards["priya@brightlane.io"]["N"][:2] == ["Raman", "Priya"]
    assert "no-reply@acme.io" not in cards


def test_an_unknown_crm_says_which_exist(engine, settings, db_url):
    result = CliRunner().invoke(app, ["--db", db_url, "export", "crm", "--target", "salesforce"])
    assert result.exit_code == 1 and "hubspot, pipedrive" in result.stderr
    result = CliRunner().invoke(app, ["--db", db_url, "export", "crm"])
    assert result.exit_code == 1 and "--target hubspot" in result.stderr


@pytest.mark.parametrize(
    ("name", "split"),
    [
        ("Ada Lovelace", ("Ada", "Lovelace")),
        ("Lovelace, Ada", ("Ada", "Lovelace")),
        ("Cher", ("Cher", "")),
        ('"Jean Luc" Picard', ("Jean", "Luc Picard")),
        (None, ("", "")),
    ],
)
def test_names_split_into_first_and_last(name, split):
    assert crm.split_name(name) == split


def test_stable_ids_ignore_case_and_spacing_but_not_the_kind():
    assert crm.stable_id("contact", "Ada@X.io ") == crm.stable_id("contact", "ada@x.io")
    assert crm.stable_id("contact", "a") != crm.stable_id("company", "a")
    assert crm.company_id("acme.io") == crm.company_id("ACME.io")
    assert NOW  # the seed's clock: exports do not depend on it


def test_a_gems_own_counterpart_is_its_deal_contact_and_a_contact(
    engine, settings, db_url, tmp_path
):
    ids = seed(engine)
    with write_tx(engine) as conn:
        conn.execute(
            update(gems)
            .where(gems.c.id == ids["revival"])
            .values(contact_email="Lee.Chen@brightlane.io", contact_name="Chen, Lee")
        )
    deals = export(db_url, tmp_path, "crm", "--target", "hubspot", "--what", "gems")
    [revival] = [
        r for r in csv.DictReader(deals.open()) if r["inboxmine gem type"] == "dormant_warm_thread"
    ]
    assert revival["Email"] == "lee.chen@brightlane.io"
    people = export(db_url, tmp_path, "crm", "--target", "hubspot", "--what", "contacts", name="p.csv")  # fmt: skip
    [lee] = [r for r in csv.DictReader(people.open()) if r["Email"] == "lee.chen@brightlane.io"]
    assert (lee["First Name"], lee["Last Name"], lee["Company Name"]) == (
        "Lee",
        "Chen",
        "Brightlane",
    )

"""Relationships the user manages: import a file, review what detection decided,
confirm it (then it is sticky), set one by hand with a checked type."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert
from tests.helpers import insert_message
from typer.testing import CliRunner

from inboxmine.cli.main import app
from inboxmine.db.engine import write_tx
from inboxmine.db.tables import metadata
from inboxmine.opportunities import queries
from inboxmine.runner.executor import run_stages
from inboxmine.services.relationships import set_relationship

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def cli(db_url, *args, code=0):
    result = CliRunner().invoke(app, ["--db", db_url, *args])
    assert result.exit_code == code, result.output
    return result


def partner_mail(engine, domain="acme.io", days_ago=10):
    mid = insert_message(
        engine,
        from_address=f"partners@{domain}",
        from_name="Acme",
        subject="Join the Acme Partner Program",
        body_text="Earn 20% recurring revenue share.",
        sent_at=NOW - timedelta(days=days_ago),
    )
    with write_tx(engine) as conn:
        conn.execute(
            insert(metadata.tables["parsed_metadata"]).values(
                message_id=mid, sender_domain=domain, is_bulk=True, parsed_at=NOW
            )
        )
        conn.execute(
            insert(metadata.tables["parsed_content"]).values(
                message_id=mid,
                link_intents={"partner_program": [f"https://{domain}/partners"]},
                offer_types=["partnership"],
                parsed_at=NOW,
            )
        )


def profile(engine, settings):
    ok, _ = run_stages(engine, settings, ["profile"], parameters={"now": NOW.isoformat()})
    assert ok


def relationship(engine, sender):
    rows = {r["sender_domain"]: r for r in queries.list_relationships(engine)}
    return rows.get(sender)


# ------------------------------------------------------------------ import


def test_import_reads_types_and_senders_and_suppresses_infrastructure(engine, db_url, tmp_path):
    file = tmp_path / "relationships.yaml"
    file.write_text(
        "my_vendor: [stripe.com, Billing@Mail.Acme.io]\n"
        "my_infrastructure:\n  - aws.amazon.com\n"
        "institutional: irs.gov\n"
        "warm_contact: [Ann.Lee@gmail.com]\n"
    )
    out = cli(db_url, "relationships", "import", str(file)).output
    assert "imported 5, updated 0" in out

    rows = {r["sender_domain"]: r for r in queries.list_relationships(engine)}
    assert {k: v["relationship_type"] for k, v in rows.items()} == {
        "stripe.com": "my_vendor",
        "acme.io": "my_vendor",  # an address at a subdomain means the company
        "amazon.com": "my_infrastructure",
        "irs.gov": "institutional",
        "ann.lee@gmail.com": "warm_contact",  # a free-mail sender stays a person
    }
    assert {r["source"] for r in rows.values()} == {"import"}
    assert {k for k, v in rows.items() if v["suppress_gems"]} == {"amazon.com", "irs.gov"}


def test_import_keeps_relationships_set_by_hand_and_updates_detected_ones(
    engine, settings, db_url, tmp_path
):
    partner_mail(engine)
    profile(engine, settings)
    assert relationship(engine, "acme.io")["source"] == "auto"
    set_relationship(engine, "stripe.com", "my_service_provider", note="mine")
    file = tmp_path / "r.yaml"
    file.write_text("my_vendor: [stripe.com, acme.io]\n")

    out = cli(db_url, "relationships", "import", str(file)).output

    assert "imported 0, updated 1; kept 1 set by hand (stripe.com)" in out
    assert relationship(engine, "stripe.com")["relationship_type"] == "my_service_provider"
    imported = relationship(engine, "acme.io")
    assert (imported["relationship_type"], imported["source"]) == ("my_vendor", "import")
    profile(engine, settings)  # detection never overwrites an imported relationship
    assert relationship(engine, "acme.io")["source"] == "import"


def test_an_imported_institution_gets_no_gems(engine, settings, db_url, tmp_path):
    partner_mail(engine)
    file = tmp_path / "r.yaml"
    file.write_text("institutional: [acme.io]\n")
    cli(db_url, "relationships", "import", str(file))
    profile(engine, settings)
    assert queries.list_gems(engine) == []


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "does not exist"),
        ("", "expected relationship types"),
        ("- stripe.com\n", "expected relationship types"),
        ("vendor: [stripe.com]\n", "unknown relationship type 'vendor'"),
        ("my_vendor: [stripe.com\n", "is not valid YAML (line 2)"),
        ("my_vendor: {a: b}\n", "my_vendor must be a list of senders"),
        ("my_vendor: [not a domain]\n", "'not a domain' is not a domain or an e-mail address"),
        ("my_vendor: [42]\n", "42 is not a domain"),
        (
            "my_vendor: [x.io]\ncommunity: [x.io]\n",
            "x.io is listed as both my_vendor and community",
        ),
    ],
)
def test_a_missing_or_bad_file_is_a_clear_error_not_an_empty_import(
    engine, db_url, tmp_path, content, message
):
    file = tmp_path / "r.yaml"
    if content is not None:
        file.write_text(content)
    result = cli(db_url, "relationships", "import", str(file), code=1)
    assert message in result.output and str(file) in result.output
    assert queries.list_relationships(engine) == []


# ------------------------------------------------------------------ review and confirm


def test_review_lists_detected_relationships_with_the_signals_that_decided(
    engine, settings, db_url
):
    partner_mail(engine, "acme.io", 20)
    partner_mail(engine, "acme.io", 10)
    partner_mail(engine, "globex.io", 5)
    profile(engine, settings)
    set_relationship(engine, "globex.io", "potential_partner")

    [row] = json.loads(cli(db_url, "relationships", "review", "--json").output)

    assert row["sender_domain"] == "acme.io" and row["source"] == "auto"
    assert row["signals"] and row["total_messages"] == 2
    table = cli(db_url, "relationships", "review").output
    assert "acme.io" in table and "globex.io" not in table
    assert "inboxmine relationship confirm SENDER" in table


def test_a_confirmed_relationship_is_manual_and_detection_never_changes_it(
    engine, settings, db_url, tmp_path
):
    partner_mail(engine)
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "known_entities.yaml").write_text("infrastructure: [acme.io]\n")
    with_rules = settings.model_copy(update={"rules_dir": str(rules)})
    profile(engine, settings)
    detected = relationship(engine, "acme.io")
    profile(engine, with_rules)  # an unconfirmed row follows detection
    assert relationship(engine, "acme.io")["relationship_type"] == "my_infrastructure"
    profile(engine, settings)
    assert relationship(engine, "acme.io")["relationship_type"] == detected["relationship_type"]

    out = cli(db_url, "relationship", "confirm", "ACME.io").output
    assert f"acme.io: {detected['relationship_type']} (confirmed, source manual)" in out
    profile(engine, with_rules)

    confirmed = relationship(engine, "acme.io")
    assert confirmed["relationship_type"] == detected["relationship_type"]
    assert confirmed["source"] == "manual" and confirmed["confidence"] == 1.0
    assert confirmed["signals"][:-1] == detected["signals"]
    assert confirmed["signals"][-1] == "confirmed by hand"
    assert json.loads(cli(db_url, "relationships", "review", "--json").output) == []


def test_confirming_an_unknown_sender_says_what_to_do(engine, db_url):
    out = cli(db_url, "relationship", "confirm", "nobody.io", code=1).output
    assert "nobody.io has no relationship yet" in out and "relationship set nobody.io" in out


def test_relationship_set_checks_the_type(engine, db_url):
    out = cli(db_url, "relationship", "set", "acme.io", "vendor", code=1).output
    assert "unknown relationship type 'vendor'" in out and "my_vendor" in out
    assert queries.list_relationships(engine) == []
    cli(db_url, "relationship", "set", "acme.io", "my_vendor", "--suppress")
    row = relationship(engine, "acme.io")
    assert (row["source"], row["suppress_gems"]) == ("manual", True)


def test_listing_filters_by_source_and_checks_it(engine, db_url):
    set_relationship(engine, "acme.io", "my_vendor")
    assert [r["sender_domain"] for r in queries.list_relationships(engine, source="manual")] == [
        "acme.io"
    ]
    assert queries.list_relationships(engine, source="auto") == []
    out = cli(db_url, "relationships", "--source", "robot", code=1).output
    assert "unknown relationship source 'robot'" in out

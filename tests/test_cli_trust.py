"""``inboxmine trust``: the verdicts with their evidence, the report, and corrections
that apply at once and bring gems back on the next run."""

from __future__ import annotations

import json

from tests.trust_data import PHISHING_SIGNALS, partner_mail, plant, run_5_and_6, warm_thread
from typer.testing import CliRunner

from inboxmine.cli.main import app
from inboxmine.opportunities import queries


def cli(db_url, *args, code=0):
    result = CliRunner().invoke(app, ["--db", db_url, *args])
    assert result.exit_code == code, result.output
    return result


def _mailbox(engine, settings):
    partner_mail(engine)
    warm_thread(engine)
    plant(engine, "acme.io", "phishing", risk_score=92, signals=PHISHING_SIGNALS)
    plant(engine, "brightlane.io", "legitimate", risk_score=3)
    run_5_and_6(engine, settings)


def test_list_shows_the_worst_first_and_filters_by_verdict(engine, settings, db_url):
    _mailbox(engine, settings)
    rows = json.loads(cli(db_url, "trust", "list", "--json").output)
    assert [(r["sender_domain"], r["verdict"]) for r in rows] == [
        ("acme.io", "phishing"),
        ("brightlane.io", "legitimate"),
    ]
    assert {"sender_domain", "verdict", "risk_score", "signals", "source"} <= set(rows[0])
    only = json.loads(cli(db_url, "trust", "list", "--verdict", "phishing", "--json").output)
    assert [r["sender_domain"] for r in only] == ["acme.io"]
    table = cli(db_url, "trust", "list").output
    assert "acme.io" in table and "brand_impersonation" in table
    bad = cli(db_url, "trust", "list", "--verdict", "evil", code=1).output
    assert "unknown trust verdict 'evil'" in bad and "phishing" in bad


def test_show_gives_the_signals_their_evidence_and_the_messages(engine, settings, db_url):
    _mailbox(engine, settings)
    out = cli(db_url, "trust", "show", "ACME.io").output
    assert "verdict phishing" in out
    assert "brand_impersonation" in out and "From: PayPal Security <alerts@acme.io>" in out
    assert "Join the Acme Partner Program" in out
    detail = json.loads(cli(db_url, "trust", "show", "acme.io", "--json").output)
    assert detail["messages"][0]["verdict"] == "phishing"
    assert detail["gems"] == []  # judged before its first gem: never proposed
    missing = cli(db_url, "trust", "show", "nobody.example", code=1).output
    assert "nobody.example" in missing and "inboxmine trust list" in missing


def test_report_lists_phishing_with_evidence_and_leaves_legitimate_out(engine, settings, db_url):
    _mailbox(engine, settings)
    out = cli(db_url, "trust", "report").output
    assert "PHISHING  acme.io" in out and "dmarc=fail" in out
    assert "brightlane.io" not in out
    rows = json.loads(cli(db_url, "trust", "report", "--json").output)
    assert [r["sender_domain"] for r in rows] == ["acme.io"]


def test_set_applies_at_once_and_the_next_run_brings_the_gem_back(engine, settings, db_url):
    _mailbox(engine, settings)
    assert queries.list_gems(engine, sender="acme.io") == []
    out = cli(db_url, "trust", "set", "acme.io", "legitimate", "--reason", "our partner").output
    assert "acme.io: legitimate" in out and "the messages say phishing" in out
    [row] = json.loads(cli(db_url, "trust", "list", "--verdict", "legitimate", "--json").output)[:1]
    assert row["sender_domain"] in ("acme.io", "brightlane.io")
    assert json.loads(cli(db_url, "trust", "report", "--json").output) == []

    run_5_and_6(engine, settings)
    [gem] = queries.list_gems(engine, sender="acme.io")
    assert gem["gem_type"] == "partner_program"

    cleared = cli(db_url, "trust", "clear", "acme.io").output
    assert "verdict now phishing" in cleared
    again = cli(db_url, "trust", "clear", "acme.io", code=1).output
    assert "has no verdict set by you" in again


def test_set_refuses_an_unknown_verdict_and_changes_nothing(engine, settings, db_url):
    _mailbox(engine, settings)
    out = cli(db_url, "trust", "set", "acme.io", "trusted", code=1).output
    assert "unknown trust verdict 'trusted'" in out
    [row] = json.loads(cli(db_url, "trust", "report", "--json").output)
    assert row["verdict"] == "phishing" and row["source"] == "auto"


def test_gems_show_a_suspicious_senders_verdict(engine, settings, db_url):
    partner_mail(engine)
    warm_thread(engine)
    plant(engine, "acme.io", "suspicious", risk_score=45)
    run_5_and_6(engine, settings)
    rows = {r["sender_domain"]: r for r in json.loads(cli(db_url, "gems", "--json").output)}
    assert rows["acme.io"]["trust_verdict"] == "suspicious"
    assert rows["brightlane.io"]["trust_verdict"] is None
    table = cli(db_url, "gems").output
    assert "trust_verdict" in table and "suspicious" in table
    explain = " ".join(cli(db_url, "gems", "explain", str(rows["acme.io"]["id"])).output.split())
    assert "sender trust: suspicious" in explain and "for a suspicious sender" in explain


def test_gems_without_judged_senders_print_as_before(engine, settings, db_url):
    partner_mail(engine)
    run_5_and_6(engine, settings)
    assert "trust_verdict" not in cli(db_url, "gems").output


def test_report_says_when_messages_were_analysed_before_trust_existed(engine, settings, db_url):
    from inboxmine.db.engine import write_tx
    from inboxmine.db.tables.trust import message_trust

    _mailbox(engine, settings)
    assert "before trust existed" not in cli(db_url, "trust", "report").output
    with write_tx(engine) as conn:  # as after an upgrade: stage 1 ran, no verdicts
        conn.execute(message_trust.delete())
    out = " ".join(cli(db_url, "trust", "report").output.split())
    assert "were analysed before trust existed" in out
    assert "inboxmine run metadata --reprocess" in out

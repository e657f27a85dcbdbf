"""People, not only domains, on an executive mailbox put through the real CLI
(ingest, stages 1-6, engage) on SQLite and PostgreSQL: colleagues are left out
by default; with include_internal (a stored setting, or `run --include-internal`
for one run) each colleague has a profile and thread gems name the person owed
the reply - two people of one client are two gems with two contacts."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from tests.executive_mail import CLIENT, COLLEAGUES, DOMAIN, ME, TRUTH, write_executive_mbox
from tests.test_web_support import csrf_from, login, make_client
from typer.testing import CliRunner

from inboxmine.cli.main import app
from inboxmine.stored_settings import read_stored

ENV = {"INBOXMINE_ENTITIES__USE_SPACY": "false"}


def cli(db_url, *args):
    result = CliRunner().invoke(app, ["--db", db_url, *args], env=ENV)
    assert result.exit_code == 0, f"inboxmine {' '.join(args)} failed:\n{result.output}"
    return result.output


def as_json(db_url, *args):
    return json.loads(cli(db_url, *args, "--json"))


@pytest.fixture
def mailbox(settings, db_url, tmp_path):
    """The executive mailbox imported, the CEO as `me`, stages 1-6 run once (default settings)."""
    box = write_executive_mbox(tmp_path / "executive.mbox", datetime.now(UTC))
    cli(db_url, "init")
    cli(db_url, "config", "set", "me", ME)
    cli(db_url, "ingest", "mbox", str(box))
    cli(db_url, "run", "--all")
    return db_url


def open_gems(db_url):
    return as_json(db_url, "gems", "--top", "100")


def thread_gems(db_url):
    """(gem_type, subject, contact_email, contact_name, sender_domain) of the open thread gems."""
    found = set()
    for gem in open_gems(db_url):
        if gem["gem_type"] not in ("dormant_warm_thread", "unanswered_ask"):
            continue
        subject = gem["summary"].split("'")[1]
        found.add(
            (
                gem["gem_type"],
                subject,
                gem["contact_email"],
                gem["contact_name"],
                gem["sender_domain"],
            )
        )
    return found


def expected(*, internal: bool):
    return {
        (g.gem_type, g.subject, g.contact_email, g.contact_name, g.sender_domain)
        for g in TRUTH
        if internal or g.sender_domain == CLIENT
    }


def profiled(db_url):
    return {p["sender_domain"]: p for p in as_json(db_url, "profiles", "--limit", "100")}


def test_off_by_default_colleagues_get_no_profile_and_no_gem(mailbox):
    profiles = profiled(mailbox)
    assert set(profiles) == {CLIENT}
    assert not any(DOMAIN in p for p in profiles)
    assert not any(DOMAIN in g["sender_domain"] for g in open_gems(mailbox))
    # The client's two people: two thread gems, each with its own contact.
    assert thread_gems(mailbox) == expected(internal=False)


def test_the_flag_counts_colleagues_for_one_run_only(mailbox):
    out = cli(mailbox, "run", "profile", "--include-internal")
    run_id = int(re.search(r"run (\d+) profile: completed", out).group(1))
    assert as_json(mailbox, "runs", "show", str(run_id))["parameters"]["include_internal"] is True

    profiles = profiled(mailbox)
    assert set(profiles) == {CLIENT, *COLLEAGUES}
    assert {profiles[c]["relationship_type"] for c in COLLEAGUES} == {"colleague"}
    assert profiles["maria.gomez@acme-corp.example"]["company_name"] == "Maria Gomez"
    assert thread_gems(mailbox) == expected(internal=True)
    # No gem for the thread that ended with thanks, the one waiting on a colleague,
    # or the colleague who wrote first in a thread someone else answered last.
    assert not any(
        g["contact_email"] in ("jen.park@acme-corp.example", "omar.haddad@acme-corp.example")
        for g in open_gems(mailbox)
    )
    colleague_ids = {
        g["id"]: g["sender_domain"] for g in open_gems(mailbox) if DOMAIN in g["sender_domain"]
    }

    cli(mailbox, "run", "profile")  # no flag, setting off: as before
    assert set(profiled(mailbox)) == {CLIENT}
    assert thread_gems(mailbox) == expected(internal=False)
    expired = as_json(mailbox, "gems", "--status", "expired")
    assert set(colleague_ids) <= {g["id"] for g in expired}


def test_the_stored_setting_applies_to_later_runs_without_the_flag(mailbox, engine):
    out = cli(mailbox, "config", "set", "include_internal", "true")
    assert "include_internal" in out
    assert read_stored(engine)["include_internal"] is True
    assert as_json(mailbox, "config", "show")["include_internal"] is True
    [line] = [x for x in cli(mailbox, "config", "show").splitlines() if "include_internal" in x]
    assert "True" in line and "database" in line
    cli(mailbox, "run", "--all")
    assert set(profiled(mailbox)) == {CLIENT, *COLLEAGUES}
    assert thread_gems(mailbox) == expected(internal=True)

    cli(mailbox, "run", "profile", "--no-include-internal")  # off for one run
    assert set(profiled(mailbox)) == {CLIENT}
    cli(mailbox, "run", "profile")  # the stored setting again
    assert set(profiled(mailbox)) == {CLIENT, *COLLEAGUES}

    cli(mailbox, "config", "unset", "include_internal")
    cli(mailbox, "run", "profile")
    assert set(profiled(mailbox)) == {CLIENT}


def _gem_of(db_url, contact_email):
    [gem] = [g for g in open_gems(db_url) if g["contact_email"] == contact_email]
    return gem


def test_the_contact_is_shown_in_the_cli_the_api_and_the_admin(mailbox, settings, engine):
    cli(mailbox, "run", "profile", "--include-internal")
    tom_gems = [g for g in open_gems(mailbox) if g["contact_email"] == "tom.reed@acme-corp.example"]
    assert len(tom_gems) == 2  # two threads with one colleague: two gems
    raj = _gem_of(mailbox, "raj.patel@northwind.example")
    assert "Raj Patel <raj.patel@northwind.example>" in cli(mailbox, "gems")
    explained = cli(mailbox, "gems", "explain", str(raj["id"]))
    assert "contact Raj Patel <raj.patel@northwind.example>" in explained

    with make_client(settings, engine) as client:
        login(client)
        payload = client.get(f"/api/gems/{raj['id']}").json()
        assert (payload["contact_email"], payload["contact_name"]) == (
            "raj.patel@northwind.example",
            "Raj Patel",
        )
        listed = client.get("/api/gems", params={"sender_domain": CLIENT}).json()["items"]
        assert {g["contact_name"] for g in listed} == {"Dana Whitfield", "Raj Patel"}
        explorer = client.get("/admin/gem-explorer").text
        assert explorer.count('class="small gem-contact"') == len(expected(internal=True))
        assert "Raj Patel</b> &lt;raj.patel@northwind.example&gt;" in explorer
        detail = client.get(f"/admin/gems/details/{raj['id']}").text
        assert "Contact: <b>Raj Patel</b>" in detail


def test_drafts_address_the_person_of_the_thread(mailbox):
    dana = _gem_of(mailbox, "dana@northwind.example")
    raj = _gem_of(mailbox, "raj.patel@northwind.example")
    cli(mailbox, "run", "engage", "--gem", str(dana["id"]), "--gem", str(raj["id"]))
    drafts = {d["gem_id"]: d for d in as_json(mailbox, "drafts")}
    for gem, first, email in (
        (dana, "Dana", dana["contact_email"]),
        (raj, "Raj", raj["contact_email"]),
    ):
        shown = cli(mailbox, "drafts", "show", str(drafts[gem["id"]]["id"]))
        assert f"Hi {first}," in shown
        assert f"To: {gem['contact_name']} <{email}>" in shown


def test_the_admin_settings_page_offers_include_internal(mailbox, settings, engine):
    with make_client(settings, engine) as client:
        token = login(client)
        page = client.get("/admin/settings").text
        assert 'data-key="include_internal"' in page
        assert csrf_from(page) == token
        saved = client.post(
            "/admin/settings",
            data={"csrf_token": token, "key": "include_internal", "value": "yes"},
            follow_redirects=False,
        )
        assert saved.status_code == 303
    assert read_stored(engine)["include_internal"] is True
    cli(mailbox, "run", "profile")
    assert set(profiled(mailbox)) == {CLIENT, *COLLEAGUES}


def test_excluding_one_colleague_leaves_the_others(mailbox):
    out = cli(mailbox, "exclusions", "add", "Tom.Reed@acme-corp.example", "--reason", "my deputy")
    assert "tom.reed@acme-corp.example" in out
    cli(mailbox, "run", "profile", "--include-internal")
    contacts = {g["contact_email"] for g in open_gems(mailbox)}
    assert "tom.reed@acme-corp.example" not in contacts
    assert "maria.gomez@acme-corp.example" in contacts
    # An address at another domain still means its whole organisation.
    out = cli(mailbox, "exclusions", "add", "raj.patel@northwind.example")
    assert "northwind.example" in out and "raj.patel" not in out


def test_an_export_of_gems_carries_the_contacts(mailbox, tmp_path):
    out = tmp_path / "gems.jsonl"
    cli(mailbox, "export", "gems", "--format", "jsonl", "--output", str(out))
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert {(r["contact_name"], r["contact_email"]) for r in rows} == {
        ("Dana Whitfield", "dana@northwind.example"),
        ("Raj Patel", "raj.patel@northwind.example"),
    }

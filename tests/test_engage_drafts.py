"""What stage 7 writes: heuristic drafts built from the profile's facts, every
template placeholder filled, and every draft's AI call in the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from tests.engage_data import seed
from typer.testing import CliRunner

from inboxmine.ai.templates import load_template, render_text
from inboxmine.cli.main import app
from inboxmine.config import EngagementSettings
from inboxmine.db.tables.ai import ai_audit_log
from inboxmine.db.tables.engage import engagement_drafts
from inboxmine.opportunities import queries
from inboxmine.opportunities.strategies import draft_context, renewal_terms
from inboxmine.rules.loader import load_rules
from inboxmine.runner import ledger
from inboxmine.runner.executor import run_stages

STRATEGIES = list(load_rules("strategies.yaml")["strategies"])


def draft_for(engine, settings, gem_id):
    ok, _ = run_stages(engine, settings, ["engage"], parameters={"gem_ids": [gem_id]})
    assert ok
    [row] = queries.list_drafts(engine, gem_id=gem_id)
    return queries.draft_detail(engine, row["id"])


@pytest.fixture
def named(settings):
    return settings.model_copy(
        update={
            "engagement": settings.engagement.model_copy(
                update={"your_name": "Alex Kim", "your_service": "lifecycle marketing audits"}
            )
        }
    )


def test_a_renewal_draft_names_the_company_contact_date_and_amount(engine, named):
    ids = seed(engine)
    draft = draft_for(engine, named, ids["renewal"])
    text = draft["subject_line"] + "\n" + draft["body_text"]
    assert draft["strategy"] == "renewal_negotiation" and draft["model_used"] == "heuristic"
    assert "Acme Analytics" in text
    assert draft["body_text"].startswith("Hi Dana,")
    assert "renews on 20 March 2026 (in 19 days) at $4,800/year" in text
    assert draft["body_text"].rstrip().endswith("Alex Kim")


def test_a_revival_draft_replies_to_the_thread_and_quotes_their_last_words(engine, named):
    ids = seed(engine)
    draft = draft_for(engine, named, ids["revival"])
    assert draft["subject_line"] == "Re: Q3 analytics rollout"
    assert '"Q3 analytics rollout"' in draft["body_text"] and "45 days" in draft["body_text"]
    assert "> Could you send pricing for 40 seats" in draft["body_text"]
    assert draft["body_text"].startswith("Hi Priya,")


def test_a_partner_draft_links_the_partner_program(engine, named):
    ids = seed(engine)
    draft = draft_for(engine, named, ids["partner"])
    assert "https://northwind.io/partners" in draft["body_text"]
    assert "Northwind Cloud" in draft["subject_line"] and "Hi Sam," in draft["body_text"]
    assert draft["channel"].startswith("partner program")


@pytest.mark.parametrize("key", ["renewal", "revival", "partner", "audit", "report"])
def test_no_draft_keeps_a_template_placeholder(engine, named, key):
    ids = seed(engine)
    draft = draft_for(engine, named, ids[key])
    for text in (draft["subject_line"], draft["body_text"]):
        assert "{{" not in text and "}}" not in text
    assert len(draft["body_text"]) > 150


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_every_strategy_template_gets_every_variable_it_uses(strategy):
    # Strict rendering raises on any placeholder the context lacks.
    gem = {"gem_type": "weak_marketing_lead", "sender_domain": "x.io", "summary": "s"}
    context = draft_context(gem, None, strategy, EngagementSettings(your_name="A"))
    template = load_template(f"engage_{strategy}")
    template.render(context)
    filled = render_text(template.heuristic_draft, context, template.label, strict=True)
    assert "{{" not in filled


def test_sender_text_that_looks_like_a_placeholder_is_never_filled_in():
    gem = {
        "gem_type": "partner_program",
        "sender_domain": "evil.example",
        "summary": "s",
        "explanation": {"facts": {"partner_urls": ["{{ your_name }}"]}},
    }
    profile = {"company_name": "{{ your_service }} Inc"}
    context = draft_context(gem, profile, "partner", EngagementSettings(your_name="Alex"))
    filled = render_text(load_template("engage_partner").heuristic_draft, context)
    assert "{{ your_service }} Inc" in filled and "({{ your_name }})" in filled


def test_renewal_terms_read_well_with_whatever_is_known():
    assert renewal_terms({}, {}) == "comes up for renewal soon"
    assert renewal_terms({"renewal_dates": ["2026-04-01"], "days_until_renewal": 1}, {}) == (
        "renews on 1 April 2026 (in 1 day)"
    )
    profile = {"next_renewal_date": "2026-05-02", "monetary_signals": [{"value": "€900"}]}
    assert renewal_terms({}, profile) == "renews on 2 May 2026 at €900"


def test_every_draft_of_a_cli_run_has_its_ai_call_in_the_audit_log(engine, settings, db_url):
    ids = seed(engine)
    result = CliRunner().invoke(app, ["--db", db_url, "run", "engage", "--top", "3"])
    assert result.exit_code == 0, result.output
    _total, [run] = ledger.list_runs(engine, stage="engage")
    assert run["triggered_by"] == "cli" and run["items_processed"] == 3
    with engine.connect() as conn:
        audit = {
            r["id"]: r
            for r in conn.execute(
                select(ai_audit_log).where(ai_audit_log.c.pipeline_run_id == run["id"])
            ).mappings()
        }
        written = conn.execute(select(engagement_drafts)).mappings().all()
    assert len(written) == 3 and len(audit) == 3
    for draft in written:
        call = audit[draft["context"]["ai_audit_id"]]
        assert call["stage"] == "engage" and call["status"] == "ok"
        assert call["sender_domain"] == draft["sender_domain"]
        assert call["prompt_template"] == f"engage_{draft['strategy']}"
        assert draft["pipeline_run_id"] == run["id"]
    assert {d["gem_id"] for d in written} == {ids["renewal"], ids["revival"], ids["partner"]}


def test_the_cli_prints_what_the_run_decided(engine, settings, db_url):
    ids = seed(engine)
    runner = CliRunner()
    first = runner.invoke(app, ["--db", db_url, "run", "engage", "--gem", str(ids["audit"])])
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, ["--db", db_url, "run", "engage", "--gem", str(ids["audit"])])
    assert again.exit_code == 0, again.output
    assert "engage: completed, 0 items" in again.output
    assert f"note: explicit gem(s) {ids['audit']}" in again.output
    assert "already have a draft for that strategy (use --regenerate" in again.output

"""Which gems stage 7 drafts for: preferred strategies, the daily cap, explicit gems,
one draft per gem and strategy, and what the run says about its choices."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select
from tests.engage_data import seed

from inboxmine.db.engine import write_tx
from inboxmine.db.tables.engage import engagement_drafts
from inboxmine.db.tables.opportunities import gems
from inboxmine.db.types import utcnow
from inboxmine.opportunities import queries
from inboxmine.runner import ledger
from inboxmine.runner.executor import run_stages
from inboxmine.services.gems import set_gem_status


def engage(engine, settings, **options):
    ok, [run_id] = run_stages(engine, settings, ["engage"], parameters=options)
    run = ledger.get_run(engine, run_id)
    assert ok, run["error_message"]
    return run


def with_engagement(settings, **values):
    return settings.model_copy(update={"engagement": settings.engagement.model_copy(update=values)})


def drafts(engine):
    with engine.connect() as conn:
        return [
            dict(r)
            for r in conn.execute(select(engagement_drafts).order_by(engagement_drafts.c.id))
            .mappings()
            .all()
        ]


def drafted_pairs(engine):
    return {(d["gem_id"], d["strategy"]) for d in drafts(engine)}


def notes(run):
    return " | ".join((run["parameters"] or {}).get("notes") or [])


def test_the_daily_cap_stops_drafting_and_the_run_says_how_many_wait(engine, settings):
    ids = seed(engine)
    settings = with_engagement(settings, max_outreach_per_day=2)

    run = engage(engine, settings, top=10)

    assert run["items_processed"] == 2
    assert {d["gem_id"] for d in drafts(engine)} == {ids["renewal"], ids["revival"]}  # best two
    assert run["parameters"]["capped"] == 3
    assert "daily cap reached" in notes(run) and "3 gem(s) left for tomorrow" in notes(run)

    again = engage(engine, settings, top=10)
    assert again["items_processed"] == 0 and len(drafts(engine)) == 2
    assert "daily cap reached" in notes(again)


def test_drafts_from_yesterday_do_not_count_against_today(engine, settings):
    ids = seed(engine)
    with write_tx(engine) as conn:
        conn.execute(
            insert(engagement_drafts),
            [
                {
                    "gem_id": ids["report"],
                    "sender_domain": "newsy.com",
                    "strategy": f"old{n}",
                    "subject_line": "old",
                    "body_text": "old",
                    "generated_at": utcnow() - timedelta(days=1, hours=1),
                }
                for n in range(3)
            ],
        )
    run = engage(engine, with_engagement(settings, max_outreach_per_day=3), top=2)
    assert run["items_processed"] == 2 and "capped" not in run["parameters"]


def test_an_explicit_gem_bypasses_the_cap_and_preferred_strategies_and_says_so(engine, settings):
    ids = seed(engine)
    settings = with_engagement(settings, max_outreach_per_day=1, preferred_strategies=["audit"])
    engage(engine, settings, top=5)  # the day's one draft: the audit lead
    assert drafted_pairs(engine) == {(ids["audit"], "audit")}

    run = engage(engine, settings, gem_ids=[ids["renewal"]])

    assert run["items_processed"] == 1
    assert (ids["renewal"], "renewal_negotiation") in drafted_pairs(engine)
    assert run["parameters"]["bypassed"] == ["preferred_strategies", "max_outreach_per_day"]
    assert f"explicit gem(s) {ids['renewal']}" in notes(run)
    assert "not applied" in notes(run)


def test_preferred_strategies_filter_the_default_selection(engine, settings):
    ids = seed(engine)
    settings = with_engagement(settings, preferred_strategies=["revival", "partner"])

    run = engage(engine, settings, top=10)

    assert drafted_pairs(engine) == {(ids["revival"], "revival"), (ids["partner"], "partner")}
    assert "3 gem(s) skipped" in notes(run) and "preferred_strategies" in notes(run)


def test_a_gem_gets_the_preferred_one_of_its_fitting_strategies(engine, settings):
    # weak_marketing_lead fits audit first and unsubscribe_judo second.
    ids = seed(engine)
    settings = with_engagement(settings, preferred_strategies=["unsubscribe_judo"])
    engage(engine, settings, top=10)
    assert drafted_pairs(engine) == {(ids["audit"], "unsubscribe_judo")}


def test_a_strategy_outside_the_preferred_ones_still_works_when_asked_for(engine, settings):
    ids = seed(engine)
    settings = with_engagement(settings, preferred_strategies=["audit"])

    run = engage(engine, settings, strategy="industry_report")

    assert drafted_pairs(engine) == {(ids["report"], "industry_report")}
    assert "--strategy industry_report is not in preferred_strategies" in notes(run)


def test_an_unknown_strategy_fails_the_run_with_the_known_ones(engine, settings):
    seed(engine)
    ok, [run_id] = run_stages(engine, settings, ["engage"], parameters={"strategy": "charm"})
    run = ledger.get_run(engine, run_id)
    assert not ok and run["status"] == "failed"
    assert "unknown strategy 'charm'" in run["error_message"]
    assert "renewal_negotiation" in run["error_message"]


def test_an_unknown_gem_fails_the_run_and_names_it(engine, settings):
    seed(engine)
    ok, [run_id] = run_stages(engine, settings, ["engage"], parameters={"gem_ids": [999]})
    assert not ok and "gem(s) 999 do not exist" in ledger.get_run(engine, run_id)["error_message"]


def test_one_draft_per_gem_and_strategy_unless_regenerate(engine, settings):
    ids = seed(engine)
    engage(engine, settings, gem_ids=[ids["partner"]])

    again = engage(engine, settings, gem_ids=[ids["partner"]])
    assert again["items_processed"] == 0
    assert "already have a draft" in notes(again) and "--regenerate" in notes(again)

    other = engage(engine, settings, gem_ids=[ids["partner"]], strategy="mirror")
    assert other["items_processed"] == 1  # another strategy is another draft

    engage(engine, settings, gem_ids=[ids["partner"]], regenerate=True)
    versions = sorted(
        (d["strategy"], d["version"]) for d in drafts(engine) if d["gem_id"] == ids["partner"]
    )
    assert versions == [("mirror", 1), ("partner", 1), ("partner", 2)]


def test_a_drafted_gem_becomes_acted_and_leaves_the_default_selection(engine, settings):
    ids = seed(engine)
    engage(engine, settings, top=1)

    gem = queries.gem_detail(engine, ids["renewal"])
    assert gem["status"] == "acted" and gem["acted_at"] is not None
    assert [d["strategy"] for d in gem["drafts"]] == ["renewal_negotiation"]

    engage(engine, settings, top=1)  # the next best gem, not the drafted one again
    assert {d["gem_id"] for d in drafts(engine)} == {ids["renewal"], ids["revival"]}


def test_dismissed_gems_are_not_drafted_unless_named(engine, settings):
    ids = seed(engine)
    set_gem_status(engine, ids["renewal"], "dismissed")
    engage(engine, settings, top=1)
    assert {d["gem_id"] for d in drafts(engine)} == {ids["revival"]}
    with engine.connect() as conn:
        status = conn.execute(select(gems.c.status).where(gems.c.id == ids["renewal"])).scalar()
    assert status == "dismissed"

"""Segments, custom segment rules and the opportunity score breakdown."""

from datetime import UTC, datetime, timedelta

import pytest

from inboxmine.config import Settings
from inboxmine.opportunities import custom_segments, scoring
from inboxmine.opportunities.rules import scoring_rules

NOW = datetime(2026, 3, 1, tzinfo=UTC)
PROFILE = {
    "company_size": "small",
    "industry": "SaaS",
    "last_contact": NOW - timedelta(days=10),
    "known_contacts": [{"name": "Dana", "role": "VP of Marketing"}],
    "monetary_signals": [{"value": "$9,500"}],
    "thread_initiation_ratio": 0.0,
    "user_reply_rate": 1.0,
    "esp_used": "mailchimp",
    "marketing_sophistication_avg": 3.0,
    "renewal_dates": [{"date": "2026-04-15", "is_upcoming": True}, {"date": "2025-12-01"}],
}


def test_the_breakdown_adds_up_and_each_tier_stays_within_its_maximum():
    rules = scoring_rules(Settings())["opportunity"]
    result = scoring.score_gem(
        PROFILE, "warm_contact", "dormant_warm_thread", 80, {"dormant_warm_thread"}, NOW, rules
    )
    assert [t["name"] for t in result["tiers"]] == ["inbound", "base", "gem"]
    for tier in result["tiers"]:
        assert tier["value"] <= tier["max"]
        assert tier["value"] == pytest.approx(
            min(tier["max"], sum(c["value"] for c in tier["components"]))
        )
    assert result["raw_total"] == pytest.approx(sum(t["value"] for t in result["tiers"]))
    assert result["total"] == round(min(result["raw_total"], 100))
    assert result["cap"] == {
        "relationship": "warm_contact",
        "value": 95,
        "applied": False,
        "cut": 0.0,
    }


def test_relationship_caps_apply_and_say_how_much_they_cut():
    rules = scoring_rules(Settings())["opportunity"]
    result = scoring.score_gem(
        PROFILE, "institutional", "partner_program", 80, {"partner_program"}, NOW, rules
    )
    assert result["total"] == 10 and result["cap"]["applied"]
    assert result["cap"]["cut"] == pytest.approx(result["raw_total"] - 10)


def test_the_users_weights_change_the_score_and_are_stored_with_it():
    default = scoring_rules(Settings())["opportunity"]
    mine = scoring_rules(
        Settings(scoring={"weights": {"recency": 0}, "relationship_caps": {"warm_contact": 20}})
    )["opportunity"]
    a = scoring.score_gem(
        PROFILE, "warm_contact", "unanswered_ask", 55, {"unanswered_ask"}, NOW, default
    )
    b = scoring.score_gem(
        PROFILE, "warm_contact", "unanswered_ask", 55, {"unanswered_ask"}, NOW, mine
    )
    recency = next(c for t in b["tiers"] for c in t["components"] if c["name"] == "recency")
    assert recency == {
        "name": "recency",
        "value": 0,
        "max": 0,
        "detail": "last contact 10 days ago",
    }
    assert b["weights"]["recency"] == 0 and b["total"] == 20 and a["total"] > 20


def _matches(rules, **profile):
    segment = {"name": "s", "rules": rules}
    return custom_segments.matches(
        segment, {**PROFILE, **profile}, ["spend_map"], {"renewal_leverage"}, NOW
    )


def test_renewal_date_within_days_really_checks_the_window():
    assert _matches({"renewal_date_within_days": 60})  # 2026-04-15 is 45 days ahead
    assert not _matches({"renewal_date_within_days": 30})
    assert not _matches(
        {"renewal_date_within_days": 60}, renewal_dates=[{"date": "2026-02-01"}]
    )  # past


def test_every_operator_works_and_text_compares_case_insensitively():
    assert _matches({"esp_used": "Mailchimp"})
    assert _matches({"industry": ["E-commerce", "saas"]})
    assert _matches({"marketing_sophistication_avg": {"lte": 3, "gt": 1}})
    assert not _matches({"marketing_sophistication_avg": {"lt": 3}})
    assert _matches({"company_size": {"not": "enterprise"}})
    assert _matches({"segment_includes": "spend_map", "has_gem": "renewal_leverage"})
    assert not _matches({"segment_includes": "partner_map"})
    assert not _matches({"no_such_field": 1})
    assert not _matches({"industry": "SaaS"}, industry=None)


def test_an_unknown_operator_names_the_segment_and_the_fix():
    with pytest.raises(
        custom_segments.SegmentRuleError, match="'s'.*'industry'.*unknown operator 'like'"
    ):
        _matches({"industry": {"like": "Saa%"}})


def test_segment_stage_stores_custom_segments_with_their_priority_beside_economic_ones(
    engine, settings
):
    """One executemany for a batch's rows: a custom row's priority is never lost
    beside economic rows, and mixed rows never fail the stage."""
    from datetime import UTC, datetime

    from sqlalchemy import insert, select

    from inboxmine.db.engine import write_tx
    from inboxmine.db.tables.opportunities import sender_profiles, sender_segments
    from inboxmine.runner.executor import run_stages

    now = datetime(2026, 3, 1, tzinfo=UTC)
    base = {"total_messages": 5, "bulk_ratio": 1.0, "profiled_at": now}
    with write_tx(engine) as conn:
        for profile in [
                # Only the custom segment (no economic one): its row comes first.
                {**base, "sender_domain": "aaa.example", "company_size": "small",
                 "industry": "SaaS", "marketing_sophistication_avg": 2.0},
                {**base, "sender_domain": "bbb.example", "company_size": "small",
                 "industry": "SaaS", "marketing_sophistication_avg": 2.0,
                 "sender_intent": "promotional"},
                {**base, "sender_domain": "ccc.example", "industry": "Other"},
        ]:  # fmt: skip
            conn.execute(insert(sender_profiles).values(**profile))
    ok, _ = run_stages(engine, settings, ["segment"], parameters={"now": now.isoformat()})
    assert ok
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(select(sender_segments)).mappings()]
    custom = [r for r in rows if r["is_custom"]]
    assert {r["sender_domain"] for r in custom} >= {"aaa.example", "bbb.example"}
    assert all(
        r["priority"] == "hot" for r in custom if r["segment"] == "AI-ready small businesses"
    )

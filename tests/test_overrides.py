"""Overrides: validated against the dimensions, applied at once, listed with their rates."""

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from tests.test_classify_stage import newsletter, received
from typer.testing import CliRunner

from inboxmine.ai.schemas import load_dimensions
from inboxmine.classify.overrides import (
    OverrideError,
    applicable,
    apply_overrides,
    corrections,
    override_rates,
    validate_override,
)
from inboxmine.cli.main import app
from inboxmine.db.tables.classify import ai_classification, sender_classification
from inboxmine.runner.executor import run_stages

DIMS = load_dimensions()


@pytest.mark.parametrize(
    ("field", "value", "typed"),
    [
        ("industry", "saas", "SaaS"),
        ("marketing_sophistication", "7", 7),
        ("partner_program_detected", "yes", True),
        ("target_audience", " CFOs of mid-size firms ", "CFOs of mid-size firms"),
    ],
)
def test_values_are_checked_and_typed(field, value, typed):
    assert validate_override(field, value, DIMS) == typed


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("industry", "Aliens", "not an allowed value of industry: choose one of SaaS"),
        ("marketing_sophistication", "11", "from 1 to 10"),
        ("sender_intent; DROP TABLE x", "newsletter", "cannot override field"),
        ("confidence", "0.1", "cannot override field"),
    ],
)
def test_unknown_fields_and_values_are_refused_with_the_allowed_ones(field, value, message):
    with pytest.raises(OverrideError, match=message.replace("(", r"\(")):
        validate_override(field, value, DIMS)


def test_message_scope_wins_and_the_newest_override_per_field_counts():
    t = [datetime(2026, 1, d, tzinfo=UTC) for d in (1, 2, 3)]
    overrides = [
        {
            "id": 1,
            "override_scope": "sender",
            "sender_domain": "a.com",
            "field_name": "industry",
            "corrected_value": "SaaS",
            "created_at": t[0],
        },
        {
            "id": 2,
            "override_scope": "sender",
            "sender_domain": "a.com",
            "field_name": "industry",
            "corrected_value": "Media",
            "created_at": t[1],
        },
        {
            "id": 3,
            "override_scope": "message",
            "sender_domain": "a.com",
            "message_id": 7,
            "field_name": "industry",
            "corrected_value": "HR",
            "created_at": t[0],
        },
    ]
    assert applicable(overrides, "a.com", 7) == {"industry": "HR"}
    assert applicable(overrides, "a.com", 8) == {"industry": "Media"}
    assert applicable(overrides, "b.com", 7) == {}
    values, originals, changed = apply_overrides({"industry": "Other"}, {"industry": "HR"})
    assert (values, originals, changed) == ({"industry": "HR"}, {"industry": "Other"}, True)
    assert [c["corrected_value"] for c in corrections(overrides, limit=2)] == ["Media", "HR"]


def test_rates_flag_fields_that_need_tuning():
    rates = override_rates({"industry": 3, "sender_intent": 1}, 10, ["industry", "sender_intent"])
    assert rates[0] == {
        "field_name": "industry",
        "overrides": 3,
        "classifications": 10,
        "override_rate": 30.0,
        "needs_tuning": True,
    }
    assert rates[1]["needs_tuning"] is False


def cli(db_url, *args):
    result = CliRunner().invoke(app, ["--db", db_url, *args])
    return result


def test_override_command_applies_at_once_and_keeps_the_original(engine, settings, db_url):
    news = newsletter(engine)
    run_stages(engine, settings, ["classify"])

    result = cli(
        db_url,
        "override",
        "--sender",
        "dailyledger.com",
        "--field",
        "industry",
        "--value",
        "financial services",
    )
    assert result.exit_code == 0, result.output
    assert (
        "industry = Financial Services (was: Media); 3 classification(s) updated" in result.output
    )
    with engine.connect() as conn:
        rows = conn.execute(select(ai_classification)).all()
        rollup = conn.execute(select(sender_classification)).one()
    assert {r.industry for r in rows} == {"Financial Services"}
    assert all(r.has_override and r.original_values == {"industry": "Media"} for r in rows)
    assert rollup.industry == "Financial Services" and rollup.has_override

    result = cli(
        db_url,
        "override",
        "--message",
        str(news[0]),
        "-f",
        "sender_intent",
        "-v",
        "promotional",
        "--json",
    )
    assert json.loads(result.output)["override_scope"] == "message"
    with engine.connect() as conn:
        intents = dict(
            conn.execute(
                select(ai_classification.c.message_id, ai_classification.c.sender_intent)
            ).all()
        )
    assert intents[news[0]] == "promotional" and intents[news[1]] == "newsletter"


def test_override_command_refuses_bad_input_with_one_clear_line(engine, settings, db_url):
    received(engine, "acme.io")
    bad_value = cli(db_url, "override", "--sender", "acme.io", "-f", "industry", "-v", "Aliens")
    assert bad_value.exit_code == 1 and "not an allowed value of industry" in bad_value.output
    unknown = cli(db_url, "override", "--sender", "nobody.example", "-f", "industry", "-v", "SaaS")
    assert unknown.exit_code == 1 and "no sender 'nobody.example'" in unknown.output
    both = cli(
        db_url, "override", "--sender", "acme.io", "--message", "1", "-f", "industry", "-v", "SaaS"
    )
    assert both.exit_code == 1 and "either --sender" in both.output


def test_overrides_lists_them_and_shows_rates(engine, settings, db_url):
    newsletter(engine)
    run_stages(engine, settings, ["classify"])
    cli(
        db_url,
        "override",
        "--sender",
        "dailyledger.com",
        "-f",
        "sender_intent",
        "-v",
        "promotional",
    )
    listed = json.loads(cli(db_url, "overrides", "--json").output)
    assert [(o["field_name"], o["corrected_value"], o["original_value"]) for o in listed] == [
        ("sender_intent", "promotional", "newsletter")
    ]
    stats = {
        r["field_name"]: r for r in json.loads(cli(db_url, "overrides", "--stats", "--json").output)
    }
    assert stats["sender_intent"]["override_rate"] == pytest.approx(33.3)
    assert stats["industry"]["overrides"] == 0
    assert "needs tuning" in cli(db_url, "overrides", "--stats").output


def test_ai_log_lists_and_shows_calls(engine, settings, db_url):
    newsletter(engine)
    run_stages(engine, settings, ["classify"])
    calls = json.loads(cli(db_url, "ai-log", "--json", "--stage", "classify").output)
    assert [c["sender_domain"] for c in calls] == ["dailyledger.com"]
    shown = cli(db_url, "ai-log", "show", str(calls[0]["id"]))
    assert shown.exit_code == 0 and "system prompt" in shown.output and "<signals>" in shown.output
    assert cli(db_url, "ai-log", "show", "999").exit_code == 1

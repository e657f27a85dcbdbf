"""A strategy added to rules/strategies.yaml (with its prompt) is used like the packaged ones."""

from __future__ import annotations

from sqlalchemy import insert, select
from tests.engage_data import NOW

from inboxmine.config import Settings
from inboxmine.db.engine import write_tx
from inboxmine.db.tables.engage import engagement_drafts
from inboxmine.db.tables.opportunities import gems, sender_profiles
from inboxmine.opportunities import strategies as strat
from inboxmine.rules.loader import load_rules
from inboxmine.runner import ledger
from inboxmine.runner.executor import run_stages

STRATEGIES_YAML = """\
strategies:
  referral_ask:
    channel: email to the partner manager
    gem_types: [referral_offer]
"""

PROMPT = """\
# engage_referral_ask, version 1

## system

You write short emails for {{ your_name }}. Reply with one JSON object.

## prompt

Ask {{ contact_name }} at {{ company }} about their referral terms.

## heuristic draft

Subject: Referrals with {{ company }}
Hi {{ contact_name }},

Could you tell me more about your referral terms?
"""


def test_the_default_settings_prefer_every_strategy_of_the_rules():
    assert Settings().engagement.preferred_strategies == []
    assert "referral_ask" not in load_rules("strategies.yaml")["strategies"]


def test_a_strategy_added_to_the_yaml_drafts_by_default(engine, settings, tmp_path):
    (tmp_path / "strategies.yaml").write_text(STRATEGIES_YAML)
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "engage_referral_ask.v1.md").write_text(PROMPT)
    settings = settings.model_copy(update={"rules_dir": str(tmp_path)})
    rules = load_rules("strategies.yaml", tmp_path)
    assert strat.default_strategy("referral_offer", rules) == "referral_ask"
    with write_tx(engine) as conn:
        conn.execute(
            insert(sender_profiles).values(
                sender_domain="partnerly.io", company_name="Partnerly", profiled_at=NOW
            )
        )
        conn.execute(
            insert(gems).values(
                gem_type="referral_offer",
                sender_domain="partnerly.io",
                thread_key="",
                status="new",
                score=70,
                detector_score=70,
                summary="Partnerly pays referral fees",
                explanation={"gem_type": "referral_offer", "signals": [], "facts": {}},
                created_at=NOW,
            )
        )

    ok, [run_id] = run_stages(engine, settings, ["engage"], parameters={"top": 5})

    assert ok, ledger.get_run(engine, run_id)["error_message"]
    with engine.connect() as conn:
        [draft] = conn.execute(select(engagement_drafts)).mappings().all()
    assert draft["strategy"] == "referral_ask"
    assert draft["subject_line"] == "Referrals with Partnerly"
    assert draft["channel"] == "email to the partner manager"

"""CONTRIBUTING.md's "Adding a gem type", followed literally: a detector that
registers itself, its section and eligibility in gems.yaml, and this test."""

import pytest
from tests.test_gems_detectors import NOW, PROFILE_RULES, msg

from inboxmine.components import UnknownComponent
from inboxmine.config import Settings
from inboxmine.opportunities import queries
from inboxmine.opportunities.evidence import Signal, message_evidence
from inboxmine.opportunities.facts import SenderFacts
from inboxmine.opportunities.gems import (
    GEM_DETECTORS,
    DetectionContext,
    GemCandidate,
    detect_gems,
    gem_types,
)
from inboxmine.opportunities.profiles import build_profile
from inboxmine.opportunities.rules import all_rules
from inboxmine.rules.errors import RulesError

# 1. The detector module: a pure function of the context, registered under its type.


def referral_offer(ctx: DetectionContext) -> list[GemCandidate]:
    """A sender who mentions referrals at least ``min_mentions`` times."""
    cfg = ctx.cfg("referral_offer")
    mentions = [m for m in ctx.sender.messages if "referral" in (m.text or "").lower()]
    if len(mentions) < cfg["min_mentions"]:
        return []
    return [
        GemCandidate(
            gem_type="referral_offer",
            sender_domain=ctx.sender.sender_domain,
            summary=f"{ctx.sender.sender_domain} talks about referrals",
            signals=[Signal("referral", "mentions referrals", [message_evidence(mentions[0])])],
            detector_score=cfg["score"],
            confidence=cfg["confidence"],
            estimated_value="medium",
            urgency="low",
            recommended_actions=ctx.actions("referral_offer"),
        )
    ]


@pytest.fixture
def registered():
    GEM_DETECTORS.register("referral_offer", referral_offer, order=110)
    yield
    GEM_DETECTORS.remove("referral_offer")


# 2. Its rules: a section of its own, and the relationships it may be found for.
GEMS_YAML = """\
eligibility:
  unknown: [referral_offer]
referral_offer:
  min_mentions: 1
  score: 50
  confidence: 0.6
  actions: [Ask about their referral terms]
"""


@pytest.fixture
def rules_dir(tmp_path):
    (tmp_path / "gems.yaml").write_text(GEMS_YAML)
    return tmp_path


def detect(settings: Settings) -> list[str]:
    rules = all_rules(settings)["gems"]
    message = msg(3, "We pay a 20% referral fee for every client you send our way.")
    sender = SenderFacts(sender_domain=message.sender_domain, messages=[message], threads=[])
    profile = build_profile(sender, PROFILE_RULES, NOW)
    return [
        g.gem_type
        for g in detect_gems(DetectionContext(sender, profile, "unknown", [], NOW, rules))
    ]


# 3. The test.


def test_a_registered_gem_type_is_detected_with_its_own_rules(registered, rules_dir):
    assert "referral_offer" in detect(Settings(rules_dir=str(rules_dir)))
    assert gem_types()[-1] == "referral_offer"


def test_the_gem_list_knows_the_new_type(registered, engine):
    assert queries.list_gems(engine, gem_type="referral_offer") == []
    with pytest.raises(queries.InvalidValue, match="referral_offer"):
        queries.list_gems(engine, gem_type="referal_offer")


def test_the_setting_switches_it_off(registered, rules_dir):
    settings = Settings(
        rules_dir=str(rules_dir), components={"gem_detectors": {"referral_offer": False}}
    )
    assert "referral_offer" not in detect(settings)


def test_a_packaged_detector_is_switched_off_the_same_way():
    rules = all_rules(Settings(components={"gem_detectors": {"unanswered_ask": False}}))
    assert "unanswered_ask" not in rules["gems"]["enabled_gem_types"]
    assert "dormant_warm_thread" in rules["gems"]["enabled_gem_types"]
    assert "unanswered_ask" in gem_types()  # still a known type (old gems keep it)


def test_a_section_no_detector_owns_is_refused_with_the_nearest_type(rules_dir):
    # Without the detector registered its section is a misspelling, not a gem type.
    with pytest.raises(RulesError, match="referral_offer is not a known key"):
        all_rules(Settings(rules_dir=str(rules_dir)))
    (rules_dir / "gems.yaml").write_text("unanswered_asks: {confidence: 0.5, actions: [x]}\n")
    with pytest.raises(RulesError, match="did you mean unanswered_ask"):
        all_rules(Settings(rules_dir=str(rules_dir)))


def test_an_unknown_detector_in_the_settings_names_the_nearest():
    with pytest.raises(UnknownComponent, match="did you mean 'unanswered_ask'"):
        all_rules(Settings(components={"gem_detectors": {"unanswerd_ask": False}}))


def test_its_score_bonus_comes_from_scoring_yaml(registered, rules_dir):
    from inboxmine.opportunities import scoring

    (rules_dir / "scoring.yaml").write_text(
        "opportunity:\n  gem_type_bonus:\n    referral_offer: partner_bonus\n"
    )
    rules = all_rules(Settings(rules_dir=str(rules_dir)))["scoring"]["opportunity"]
    tier = scoring.gem_tier("referral_offer", 50, {"referral_offer"}, rules)
    bonus = next(c for c in tier["components"] if c["name"] == "gem_type_bonus")
    assert bonus["value"] == rules["weights"]["partner_bonus"] == 3
    (rules_dir / "scoring.yaml").write_text(
        "opportunity:\n  gem_type_bonus:\n    referral_offer: referral_bonus\n"
    )
    with pytest.raises(RulesError, match="'referral_bonus', which is not one of the weights"):
        all_rules(Settings(rules_dir=str(rules_dir)))


def test_the_profile_stage_runs_only_the_enabled_detectors(engine, settings):
    from tests.test_profile_stage import NOW, _mine, _partner_mail

    from inboxmine.runner.executor import run_stages

    def profile(settings):
        ok, _ = run_stages(engine, settings, ["profile"], parameters={"now": NOW.isoformat()})
        assert ok

    _partner_mail(engine, 10)
    _mine(engine)
    profile(settings)
    [gem] = queries.list_gems(engine)
    assert gem["gem_type"] == "partner_program"

    off = settings.model_copy(update={"components": {"gem_detectors": {"partner_program": False}}})
    profile(off)
    assert queries.list_gems(engine) == []
    assert queries.gem_detail(engine, gem["id"])["status"] == "expired"

    profile(settings)  # switched on again: the same gem comes back
    assert [g["id"] for g in queries.list_gems(engine)] == [gem["id"]]


def test_a_misspelt_packaged_section_is_not_taken_for_a_new_type(tmp_path):
    (tmp_path / "gems.yaml").write_text("dormant_warm_thred:\n  min_dormancy_days: 3\n")
    with pytest.raises(RulesError, match="or did you mean dormant_warm_thread"):
        all_rules(Settings(rules_dir=str(tmp_path)))

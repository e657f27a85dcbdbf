"""Every rules file has a model, validated when it is loaded.

A user's copy in ``rules_dir`` is merged over the packaged file and then
checked: a misspelt key or a wrong type is refused with the file, the key
and the fix, instead of being silently ignored.
"""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from inboxmine.rules.loader import RulesError, load_rules, validate_rules
from inboxmine.rules.models import MODELS

PACKAGED = sorted(
    p.name for p in resources.files("inboxmine.rules").iterdir() if p.name.endswith(".yaml")
)


def test_every_packaged_rules_file_has_a_model():
    missing = [name for name in PACKAGED if name not in MODELS]
    assert not missing, f"rules files without a model in inboxmine/rules/models: {missing}"
    assert sorted(MODELS) == PACKAGED, "a model names a rules file that is not packaged"


@pytest.mark.parametrize("name", PACKAGED)
def test_every_packaged_file_loads_through_its_model_unchanged(name):
    raw = yaml.safe_load(resources.files("inboxmine.rules").joinpath(name).read_text("utf-8"))
    loaded = load_rules(name)
    # The model converts nothing in the packaged files: same keys, values and types.
    assert loaded == raw
    assert _types(loaded) == _types(raw)


def _types(value):
    if isinstance(value, dict):
        return {k: _types(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_types(v) for v in value]
    return type(value).__name__


def test_a_misspelt_key_in_the_users_copy_is_refused_with_the_nearest_key(tmp_path):
    user = tmp_path / "gems.yaml"
    user.write_text("dormant_warm_thread:\n  min_dormancy_dayz: 3\n")
    with pytest.raises(RulesError) as caught:
        load_rules("gems.yaml", tmp_path)
    message = str(caught.value)
    assert str(user) in message
    assert "dormant_warm_thread.min_dormancy_dayz is not a known key" in message
    assert "did you mean min_dormancy_days?" in message


def test_a_misspelt_top_level_key_and_a_nested_one_are_both_named(tmp_path):
    (tmp_path / "esp.yaml").write_text(
        "esps:\n  acme:\n    name: Acme\n    domainz: [acme-mail.net]\nsignalz: {}\n"
    )
    with pytest.raises(RulesError) as caught:
        load_rules("esp.yaml", tmp_path)
    message = str(caught.value)
    assert "esps.acme.domainz is not a known key - did you mean domains?" in message
    assert "signalz is not a known key - did you mean signals?" in message


def test_an_unknown_key_far_from_any_valid_one_lists_the_valid_keys(tmp_path):
    (tmp_path / "strategies.yaml").write_text("zzz: 1\n")
    with pytest.raises(RulesError, match="zzz is not a known key - known keys: strategies"):
        load_rules("strategies.yaml", tmp_path)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "gems.yaml",
            "unanswered_ask: {min_days: soon}\n",
            "unanswered_ask.min_days is 'soon', expected a whole number",
        ),
        (
            "gems.yaml",
            "phrases: {ask: please}\n",
            "phrases.ask is 'please', expected a list of text",
        ),
        ("known_entities.yaml", "infrastructure: acme.io\n", "infrastructure is 'acme.io'"),
        (
            "gems.yaml",
            "bulk_ratio: 2\n",
            "bulk_ratio is 2: input should be less than or equal to 1",
        ),
        ("esp.yaml", "signals: {header: medium}\n", "signals.header is 'medium'"),
        (
            "classify_dimensions.yaml",
            "dimensions: {mood: {kind: choice, overridable: true}}\n",
            "a `choice` dimension needs `values: [...]`",
        ),
    ],
)
def test_a_wrong_type_is_refused_with_the_key_the_value_and_the_type(
    tmp_path, name, text, expected
):
    (tmp_path / name).write_text(text)
    with pytest.raises(RulesError) as caught:
        load_rules(name, tmp_path)
    assert str(caught.value).startswith(f"{tmp_path / name}: ")
    assert expected in str(caught.value)


def test_a_new_entry_of_an_open_map_must_give_its_required_keys(tmp_path):
    (tmp_path / "procurement.yaml").write_text("signals:\n  dpia:\n    phrases: [dpia]\n")
    with pytest.raises(RulesError, match=r"signals\.dpia\.category is missing - add it \(text\)"):
        load_rules("procurement.yaml", tmp_path)


def test_a_user_copy_that_changes_one_key_loads_with_the_change(tmp_path):
    (tmp_path / "gems.yaml").write_text("dormant_warm_thread:\n  min_dormancy_days: 21\n")
    rules = load_rules("gems.yaml", tmp_path)
    packaged = load_rules("gems.yaml")
    assert rules["dormant_warm_thread"]["min_dormancy_days"] == 21
    assert packaged["dormant_warm_thread"]["min_dormancy_days"] == 14
    # Everything else still comes from the packaged file.
    assert rules["dormant_warm_thread"]["max_dormancy_days"] == 365
    assert rules["unanswered_ask"] == packaged["unanswered_ask"]


def test_a_user_copy_changed_on_disk_is_read_again(tmp_path):
    user = tmp_path / "strategies.yaml"
    user.write_text("default_top: 3\n")
    assert load_rules("strategies.yaml", tmp_path)["default_top"] == 3
    user.write_text("default_top: 25\n")
    assert load_rules("strategies.yaml", tmp_path)["default_top"] == 25
    user.write_text("default_topp: 25\n")
    with pytest.raises(RulesError, match="did you mean default_top"):
        load_rules("strategies.yaml", tmp_path)


def test_a_new_esp_in_the_open_map_is_accepted(tmp_path):
    (tmp_path / "esp.yaml").write_text(
        "esps:\n  acme_mailer:\n    name: Acme Mailer\n    domains: acmemailer.net\n"
    )
    esps = load_rules("esp.yaml", tmp_path)["esps"]
    # One host stands for a list of one.
    assert esps["acme_mailer"] == {"name": "Acme Mailer", "domains": ["acmemailer.net"]}
    assert "mailchimp" in esps


def test_new_entries_of_other_open_maps_are_accepted(tmp_path):
    (tmp_path / "gems.yaml").write_text("phrases:\n  warm:\n    urgency: [asap, urgent]\n")
    (tmp_path / "known_entities.yaml").write_text("partners: [acme.io]\n")
    (tmp_path / "offers.yaml").write_text("offers:\n  bundle: ['golden ticket bundle']\n")
    assert load_rules("gems.yaml", tmp_path)["phrases"]["warm"]["urgency"] == ["asap", "urgent"]
    assert load_rules("known_entities.yaml", tmp_path)["partners"] == ["acme.io"]
    assert list(load_rules("offers.yaml", tmp_path)["offers"])[-1] == "bundle"


def test_the_returned_rules_are_a_copy(tmp_path):
    rules = load_rules("gems.yaml")
    rules["dormant_warm_thread"]["min_dormancy_days"] = 999
    rules["thread_precedence"].append("x")
    again = load_rules("gems.yaml")
    assert again["dormant_warm_thread"]["min_dormancy_days"] == 14
    assert "x" not in again["thread_precedence"]


def test_a_file_without_a_model_is_refused_in_strict_mode(monkeypatch):
    monkeypatch.setenv("INBOXMINE_RULES_STRICT", "1")
    with pytest.raises(RulesError, match=r"rules/new_thing\.yaml has no model.*CONTRIBUTING"):
        validate_rules("new_thing.yaml", {"a": 1})
    monkeypatch.setenv("INBOXMINE_RULES_STRICT", "0")
    assert validate_rules("new_thing.yaml", {"a": 1}) == {"a": 1}


def test_an_error_in_the_packaged_data_names_the_packaged_file():
    with pytest.raises(RulesError, match=r"^rules/strategies\.yaml: default_top is 'x'"):
        validate_rules("strategies.yaml", {**load_rules("strategies.yaml"), "default_top": "x"})


def test_a_misspelt_override_in_the_settings_is_refused_too():
    from inboxmine.config import Settings
    from inboxmine.opportunities.rules import gem_rules, scoring_rules

    with pytest.raises(RulesError, match="opportunity.weights.recencyy is not a known key"):
        scoring_rules(Settings(scoring={"weights": {"recencyy": 3}}))
    with pytest.raises(RulesError, match="settings' \\[scoring\\].*did you mean min_messages"):
        gem_rules(Settings(scoring={"gem_thresholds": {"unanswered_ask": {"min_mesages": 1}}}))
    changed = scoring_rules(Settings(scoring={"weights": {"recency": 3}}))
    assert changed["opportunity"]["weights"]["recency"] == 3
    assert changed["opportunity"]["weights"]["relevance"] == 8


def test_a_stage_run_with_a_misspelt_user_key_fails_saying_what_to_fix(engine, settings, tmp_path):
    from tests.helpers import insert_message

    from inboxmine.runner import ledger
    from inboxmine.runner.executor import run_stages

    insert_message(engine, from_address="dana@acme.io", headers={})
    (tmp_path / "gems.yaml").write_text("unanswered_ask:\n  max_dayz: 30\n")
    settings = settings.model_copy(update={"rules_dir": tmp_path})

    ok, run_ids = run_stages(engine, settings, ["metadata", "profile"])

    assert not ok
    message = ledger.get_run(engine, run_ids[-1])["error_message"]
    assert str(tmp_path / "gems.yaml") in message
    assert "unanswered_ask.max_dayz is not a known key - did you mean max_days?" in message


def test_a_misspelt_fixed_key_beside_open_entries_is_suggested(tmp_path):
    # esp_tiers holds tiers (open) and default_points (fixed) side by side.
    (tmp_path / "scoring.yaml").write_text("sophistication:\n  esp_tiers:\n    default_pointz: 2\n")
    with pytest.raises(RulesError, match="or did you mean default_points"):
        load_rules("scoring.yaml", tmp_path)
    (tmp_path / "gems.yaml").write_text("dormant_warm_thread: {min_dormancy_days: x}\n")
    with pytest.raises(RulesError) as caught:
        load_rules("gems.yaml", tmp_path)
    assert "did you mean" not in str(caught.value)


def test_the_esp_model_knows_the_signals_the_matcher_computes():
    from inboxmine.forensics.esp import _RULE_KEYS, ALL_SIGNALS, HEADER_HOST_SIGNALS
    from inboxmine.rules.models.forensics import EspSignals

    assert set(EspSignals.model_fields) == set(ALL_SIGNALS)
    assert set(HEADER_HOST_SIGNALS) <= _RULE_KEYS

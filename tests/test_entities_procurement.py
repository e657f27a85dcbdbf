"""Procurement signals: whole words, acronyms as written, categories from YAML."""

from functools import lru_cache

import pytest

from inboxmine.entities.procurement import compile_procurement_rules, find_procurement
from inboxmine.entities.rules import load_entity_rules
from inboxmine.rules.loader import load_rules


@lru_cache(maxsize=1)
def rules():
    return load_entity_rules().procurement


def signals(text):
    return [s.entity_normalized for s in find_procurement(rules(), text, "body")]


@pytest.mark.parametrize(
    "text, key, category",
    [
        ("Orbital Retail Group is issuing an RFP for analytics services.", "rfp", "active_buying"),
        ("Please send your RFQ response.", "rfq", "active_buying"),
        ("We'd like a 6-week proof of concept (POC).", "poc", "active_buying"),
        ("Please fill in the attached SOC 2 questionnaire.", "soc2", "security_review"),
        ("Are you SOC2 Type II certified?", "soc2", "security_review"),
        ("We are ISO 27001 certified", "iso27001", "security_review"),
        ("Before we sign we need a security review.", "security_review", "security_review"),
        ("our third-party vendor assessment", "vendor_assessment", "security_review"),
        ("Can you review the attached DPA?", "dpa", "contract_activity"),
        ("sign our MSA and a SOW for discovery", "msa", "contract_activity"),
        ("What uptime does your SLA guarantee?", "sla", "contract_activity"),
        ("the security questionnaire is attached", "security_questionnaire", "security_review"),
    ],
)
def test_signals_are_found_with_their_category(text, key, category):
    found = {s.entity_normalized: s for s in find_procurement(rules(), text, "body")}
    assert key in found
    assert found[key].category == category


@pytest.mark.parametrize(
    "text",
    [
        "Join us on Slack for updates.",
        "It fits in your pocket.",
        "Spring is for sowing seeds; you reap what you sow.",
        "The Slackbot sent a reminder about the pocketbook.",
        "Teams that are sla-ck about it...",
        "Read our newsletter on dpa2 and rfpx.",
    ],
)
def test_words_that_contain_a_signal_are_not_signals(text):
    assert signals(text) == []


def test_each_signal_is_reported_once_with_its_first_quote():
    found = list(
        find_procurement(rules(), "The RFP is attached. Questions about the RFP: reply.", "body")
    )
    assert [s.entity_normalized for s in found] == ["rfp"]
    assert found[0].context.startswith("The RFP is attached")


def test_plural_acronyms_count():
    assert signals("Send the SOWs and RFPs") == ["sow", "rfp"]


def test_users_extend_the_signals_in_their_rules_dir(tmp_path):
    (tmp_path / "procurement.yaml").write_text(
        "signals:\n  budget_approval:\n    category: active_buying\n    phrases: [budget approved]\n",
        encoding="utf-8",
    )
    extended = compile_procurement_rules(load_rules("procurement.yaml", tmp_path))
    found = [
        s.entity_normalized for s in find_procurement(extended, "Budget approved, RFP next", "body")
    ]
    assert found == ["budget_approval", "rfp"]

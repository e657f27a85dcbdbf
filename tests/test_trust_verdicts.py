"""From weights to verdicts: thresholds, phishing vs spam, bulk vs automated, the rules file."""

from __future__ import annotations

import pytest
from tests.test_trust_signals import message

from inboxmine.rules.loader import RulesError
from inboxmine.trust.offline import assess_item, offline_rules
from inboxmine.trust.rules import load_trust_rules
from inboxmine.trust.signal import Signal
from inboxmine.trust.verdict import decide, risk_score, strongest_first


@pytest.fixture(scope="module")
def rules():
    return load_trust_rules()


def sig(weight: float, kind: str = "spam", name: str = "x") -> Signal:
    return Signal(name, weight, "detail", "evidence", kind)


def test_thresholds_from_the_rules_decide(rules):
    below = rules.suspicious - 1
    assert decide([sig(below)], rules).verdict == "legitimate"
    assert decide([sig(rules.suspicious)], rules).verdict == "suspicious"
    assert decide([sig(rules.spam - 1)], rules).verdict == "suspicious"
    assert decide([sig(rules.spam)], rules).verdict == "spam"


def test_phishing_needs_enough_phishing_weight(rules):
    mostly_spam = [sig(rules.spam), sig(rules.phishing_weight - 1, "phishing")]
    phishing = [sig(rules.spam - rules.phishing_weight), sig(rules.phishing_weight, "phishing")]
    assert decide(mostly_spam, rules).verdict == "spam"
    assert decide(phishing, rules).verdict == "phishing"
    # Phishing-kind signals below the spam line are only suspicious.
    assert decide([sig(rules.suspicious, "phishing")], rules).verdict == "suspicious"


def test_score_is_held_to_0_100_and_trust_only_offsets(rules):
    assert risk_score([sig(80), sig(70)]) == 100
    assert risk_score([sig(-10, "trust")]) == 0
    assert risk_score([sig(30), sig(-10, "trust")]) == 20


def test_clean_mail_is_automated_bulk_or_legitimate(rules):
    assert (
        decide([], rules, strongly_automated=True, automated=True, is_bulk=True).verdict
        == "automated"
    )
    assert decide([], rules, is_bulk=True, automated=True).verdict == "bulk"
    assert decide([], rules, automated=True).verdict == "automated"
    assert decide([], rules).verdict == "legitimate"
    # Risk wins over every clean verdict.
    assert decide([sig(rules.spam)], rules, is_bulk=True, strongly_automated=True).verdict == "spam"


def test_signals_are_stored_strongest_first():
    ordered = strongest_first(
        [sig(5, name="a"), sig(40, name="b"), sig(-10, "trust", "c"), sig(12, name="d")]
    )
    assert [s.signal for s in ordered] == ["b", "d", "a", "c"]


def test_a_newsletter_is_bulk_and_a_no_reply_receipt_automated():
    rules = offline_rules()
    newsletter = message(
        from_address="news@brightlane.io",
        headers={
            "list-unsubscribe": ["<https://brightlane.io/u/1>"],
            "list-id": ["<news.brightlane.io>"],
        },
        subject="Brightlane monthly: what we shipped",
    )
    receipt = message(from_address="no-reply@brightlane.io", subject="Your receipt for order 4471")
    assert assess_item(newsletter, rules)["verdict"] == "bulk"
    row = assess_item(receipt, rules)
    assert row["verdict"] == "automated" and row["is_automated"] is True


def test_every_row_has_the_stored_shape():
    rules = offline_rules()
    row = assess_item(message(subject="WIN A FREE PRIZE NOW!!!", reply_to="x.y@gmail.com"), rules)
    assert set(row) == {"message_id", "verdict", "risk_score", "signals", "is_automated"}
    assert 0 <= row["risk_score"] <= 100
    for entry in row["signals"]:
        assert set(entry) == {"signal", "weight", "detail", "evidence"}
    weights = [s["weight"] for s in row["signals"]]
    assert weights == sorted(weights, reverse=True)


def test_a_copied_rules_file_changes_weights_and_thresholds(tmp_path):
    (tmp_path / "trust.yaml").write_text(
        "thresholds: {suspicious: 5}\nsignals:\n  reply_to_freemail: {weight: 70}\n",
        encoding="utf-8",
    )
    default = offline_rules()
    mine = offline_rules(tmp_path)
    mail = message(reply_to="dana.private@gmail.com")
    assert assess_item(mail, default)["verdict"] == "suspicious"
    row = assess_item(mail, mine)
    assert row["verdict"] == "spam" and row["risk_score"] == 70
    # Everything not named keeps its packaged value.
    assert mine.trust.spam == default.trust.spam
    assert mine.trust.signals["dmarc_fail"] == default.trust.signals["dmarc_fail"]


def test_a_user_can_add_phrases_and_brands(tmp_path):
    (tmp_path / "trust.yaml").write_text(
        "phrases:\n  pharmacy:\n    phrases: [miracle tonic]\n"
        "brands:\n  acmebank: {names: [acme bank], domains: [acmebank.com], tokens: [acmebank]}\n",
        encoding="utf-8",
    )
    mine = offline_rules(tmp_path)
    tonic = assess_item(message(body_text="Try our miracle tonic today", body="x"), mine)
    assert any(s["signal"] == "pharmacy_phrases" for s in tonic["signals"])
    fake = assess_item(
        message(from_name="Acme Bank", from_address="alerts@acme-bank-login.com"), mine
    )
    assert any(s["signal"] == "brand_impersonation" for s in fake["signals"])


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("signals: [not, a, mapping]", "signals"),
        ("signals:\n  dmarc_fail: {weight: heavy}", "signals.dmarc_fail.weight"),
        ("signals:\n  dmarc_fail: {weight: 5, kind: scary}", "signals.dmarc_fail.kind"),
        ("phrases:\n  pharmacy:\n    patterns: ['(unclosed']", "phrases.pharmacy.patterns"),
        ("brands:\n  nobank: {names: [no bank]}", "brands.nobank.domains"),
    ],
)
def test_a_broken_rules_file_says_what_and_where(tmp_path, text, words):
    (tmp_path / "trust.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as error:
        load_trust_rules(tmp_path)
    assert words in str(error.value) and "trust.yaml" in str(error.value)

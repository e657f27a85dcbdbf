"""A sender's trust from its messages' verdicts: thresholds from the rules file,
the signals merged with the messages that showed them, and the user's word last."""

import pytest

from inboxmine.config import Settings
from inboxmine.opportunities import scoring
from inboxmine.opportunities.rules import scoring_rules
from inboxmine.rules.loader import load_rules
from inboxmine.trust import gate
from inboxmine.trust.rollup import roll_up

RULES = load_rules("sender_trust.yaml")
GATING = RULES["gating"]


def message(mid, verdict="legitimate", risk=0.0, signals=(), automated=False):
    return {
        "message_id": mid,
        "verdict": verdict,
        "risk_score": risk,
        "signals": list(signals),
        "is_automated": automated,
    }


def sig(name, weight, evidence=None, detail=""):
    return {"signal": name, "weight": weight, "detail": detail or name, "evidence": evidence}


def test_one_phishing_message_in_four_makes_a_phishing_sender():
    mail = [message(1, "phishing", 95), message(2), message(3), message(4, "bulk")]
    trust = roll_up("paypa1-secure.com", mail, RULES)
    assert trust.verdict == "phishing" and trust.source == "auto"
    assert trust.verdict_counts == {"legitimate": 2, "bulk": 1, "phishing": 1}
    assert trust.message_count == 4 and trust.risk_score == pytest.approx(23.8)


def test_a_rare_false_alarm_does_not_condemn_a_sender():
    mail = [message(1, "phishing", 80)] + [message(i) for i in range(2, 12)]
    assert roll_up("bank.example", mail, RULES).verdict == "legitimate"


def test_phishing_counts_as_spam_and_spam_as_suspicious():
    # 2 spam + 1 phishing of 5: no verdict alone reaches its share, together they do.
    mail = [message(1, "spam"), message(2, "spam"), message(3, "phishing")]
    mail += [message(4), message(5)]
    rules = {
        **RULES,
        "rollup": {
            **RULES["rollup"],
            "phishing": {**RULES["rollup"]["phishing"], "min_share": 0.5},
        },
    }
    assert roll_up("x.example", mail, rules).verdict == "spam"
    mail = [message(1, "suspicious"), message(2, "spam")] + [message(i) for i in range(3, 7)]
    assert roll_up("y.example", mail, RULES).verdict == "suspicious"


def test_robots_are_automated_by_their_flag_and_bulk_mail_is_bulk():
    robots = [message(1, "legitimate", automated=True), message(2, "automated"), message(3)]
    trust = roll_up("notifications.example", robots, RULES)
    assert trust.verdict == "automated" and trust.automated_ratio == pytest.approx(0.667)
    news = [message(1, "bulk"), message(2, "bulk"), message(3)]
    assert roll_up("news.example", news, RULES).verdict == "bulk"
    assert roll_up("friend.example", [message(1)], RULES).verdict == "legitimate"


def test_signals_are_merged_strongest_first_with_the_messages_that_showed_them():
    mail = [
        message(10, "spam", 60, [sig("shortener", 10, "bit.ly/x"), sig("pharmacy", 40, "Viagra")]),
        message(11, "spam", 70, [sig("pharmacy", 45, "Cialis", "pharmacy words")]),
        message(12, "spam", 20, [sig("shortener", 10, "tinyurl.com/y")]),
    ]
    trust = roll_up("ex.pharmacy@outlook.com", mail, RULES)
    names = [s["signal"] for s in trust.signals]
    assert names == ["pharmacy", "shortener"]
    pharmacy, shortener = trust.signals
    assert pharmacy["weight"] == 45 and pharmacy["detail"] == "pharmacy words"
    assert pharmacy["message_ids"] == [10, 11] and pharmacy["message_count"] == 2
    assert [e["evidence"] for e in pharmacy["evidence"]] == ["Viagra", "Cialis"]
    assert shortener["message_ids"] == [10, 12]


def test_evidence_kept_is_bounded_by_the_rules():
    mail = [message(i, "spam", 50, [sig("lottery", 30, f"you won #{i}")]) for i in range(100)]
    limits = {"max_signals": 1, "max_message_ids": 5, "max_examples": 2}
    [lottery] = roll_up("win.example", mail, {**RULES, "evidence": limits}).signals
    assert lottery["message_count"] == 100
    assert len(lottery["message_ids"]) == 5 and len(lottery["evidence"]) == 2


def test_the_users_override_wins_and_says_what_the_messages_said():
    mail = [message(1, "phishing", 90, [sig("brand_impersonation", 45, "PayPal")])]
    override = {"verdict": "legitimate", "reason": "my own test mail"}
    trust = roll_up("acme.io", mail, RULES, override)
    assert (trust.verdict, trust.source, trust.computed_verdict) == (
        "legitimate",
        "override",
        "phishing",
    )
    first = trust.signals[0]
    assert first["signal"] == "user_override" and "my own test mail" in first["detail"]
    assert trust.signals[1]["signal"] == "brand_impersonation"
    # An override alone (no message verdicts yet) still decides.
    alone = roll_up("new.example", [], RULES, {"verdict": "spam", "reason": None})
    assert alone.verdict == "spam" and alone.message_count == 0 and alone.automated_ratio is None


@pytest.mark.parametrize(
    ("verdict", "blocked", "thread_gems"),
    [
        (None, False, True),
        ("legitimate", False, True),
        ("bulk", False, True),
        ("automated", False, False),
        ("suspicious", False, True),
        ("spam", True, False),
        ("phishing", True, False),
    ],
)
def test_what_each_verdict_allows(verdict, blocked, thread_gems):
    assert gate.blocks_sender(verdict, GATING) is blocked
    assert gate.allows_gem_type(verdict, "dormant_warm_thread", GATING) is thread_gems
    assert gate.allows_gem_type(verdict, "unanswered_ask", GATING) is thread_gems
    assert gate.allows_gem_type(verdict, "partner_program", GATING) is not blocked
    assert gate.is_flagged(verdict, GATING) is (verdict == "suspicious")
    # An unsolicited purchase order from a suspicious sender is the invoice lure.
    procurement = not blocked and verdict != "suspicious"
    assert gate.allows_gem_type(verdict, "procurement_signal", GATING) is procurement


def test_a_suspicious_gem_scores_lower_even_under_a_cap_and_the_breakdown_says_why():
    from datetime import UTC, datetime

    rules = scoring_rules(Settings())["opportunity"]
    now = datetime(2026, 3, 1, tzinfo=UTC)
    profile = {"thread_initiation_ratio": 0.0, "user_reply_rate": 1.0, "company_size": "small"}
    args = (profile, "community", "partner_program", 100, {"partner_program"}, now, rules)
    clean = scoring.score_gem(*args)
    flagged = scoring.score_gem(*args, trust_verdict="suspicious")
    penalty = gate.trust_penalty("suspicious", rules)
    assert clean["cap"]["applied"] and penalty > 0
    assert flagged["total"] == clean["total"] - penalty
    assert flagged["trust"] == {"verdict": "suspicious", "penalty": penalty}
    assert flagged["tiers"][-1]["components"][0]["name"] == "trust_penalty"
    assert scoring.score_gem(*args, trust_verdict="legitimate") == clean

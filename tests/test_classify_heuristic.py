"""The built-in classifier and the sender context, with plain inputs."""

import time
from datetime import UTC, datetime, timedelta

import pytest

from inboxmine.ai.schemas import Classification
from inboxmine.classify.context import build_signals, render_emails, sample_messages
from inboxmine.classify.heuristic import classify_sender, features, load_heuristic_rules
from inboxmine.classify.rollup import rollup

RULES = load_heuristic_rules()
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def signals_of(domain, *messages, total=None):
    dated = [
        {"message_id": i + 1, "sent_at": T0 + timedelta(days=i), **m}
        for i, m in enumerate(messages)
    ]
    return build_signals(domain, sample_messages(dated, 5), total or len(dated), 2000)


def intent_of(domain, *messages):
    result = classify_sender(signals_of(domain, *messages), RULES)
    Classification.model_validate(result)  # always a valid answer
    return result["sender_intent"]


@pytest.mark.parametrize(
    ("domain", "message", "intent"),
    [
        (
            "substack.com",
            {
                "subject": "Growth Notes #12: churn",
                "esp": "substack",
                "is_bulk": True,
                "offer_types": ["newsletter"],
            },
            "newsletter",
        ),
        (
            "trailhead.com",
            {
                "subject": "20% off everything - ends Friday",
                "esp": "klaviyo",
                "is_bulk": True,
                "offer_types": ["discount", "urgency"],
            },
            "promotional",
        ),
        (
            "invoicely.app",
            {
                "subject": "Your receipt from Invoicely [#123]",
                "esp": "postmark",
                "body": "We received your payment of $49.",
            },
            "transactional",
        ),
        (
            "leadspring.io",
            {
                "subject": "quick question",
                "esp": "google_workspace",
                "body": "Would you be open to a 15-minute call next week?",
            },
            "cold_outreach",
        ),
        (
            "brightlane.io",
            {
                "subject": "Re: Q3 plan",
                "esp": "google_workspace",
                "is_reply": True,
                "user_replied": True,
                "body": "Thanks Alex, see you Thursday.",
            },
            "human_1to1",
        ),
        (
            "orbitalretail.com",
            {
                "subject": "RFP for analytics",
                "esp": "microsoft_365",
                "entities": [
                    {"entity_type": "procurement_signal", "entity_value": "RFP", "category": "rfp"}
                ],
            },
            "procurement",
        ),
        (
            "acme.io",
            {
                "subject": "Grow with Acme",
                "esp": "hubspot",
                "is_bulk": True,
                "link_intents": {"partner_program": ["https://acme.io/partners"]},
            },
            "partnership_pitch",
        ),
        (
            "talentharbor.io",
            {
                "subject": "New roles at SaaS companies",
                "is_bulk": True,
                "link_intents": {"job_posting": ["u"]},
            },
            "recruiting",
        ),
        (
            "lumen.com",
            {
                "subject": "We miss you, Alex",
                "is_bulk": True,
                "esp": "klaviyo",
                "offer_types": ["discount"],
            },
            "re_engagement",
        ),
    ],
)
def test_typical_senders_get_the_expected_intent(domain, message, intent):
    assert intent_of(domain, message) == intent


def test_the_sample_follows_real_time_not_the_date_text():
    messages = [
        {
            "message_id": 1,
            "sent_at": datetime(2026, 3, 2, tzinfo=UTC),
            "date_raw": "Mon, 2 Mar 2026",
        },
        {
            "message_id": 2,
            "sent_at": datetime(2026, 3, 6, tzinfo=UTC),
            "date_raw": "Fri, 6 Mar 2026",
        },
        {
            "message_id": 3,
            "sent_at": datetime(2026, 3, 4, tzinfo=UTC),
            "date_raw": "Wed, 4 Mar 2026",
        },
        {"message_id": 4, "sent_at": None},
    ]
    assert [m["message_id"] for m in sample_messages(messages, 3)] == [2, 3, 1]


def test_odd_and_huge_input_is_bounded_and_never_crashes():
    hostile = {
        "subject": "a" * 100_000,
        "body": ("((((" * 50_000) + "@" * 10_000,
        "offer_types": "discount",  # a string where a list is expected
        "link_intents": ["pricing_page"],
        "cta_texts": None,
        "entities": [{"entity_type": "money", "entity_value": None}],
        "template_complexity_score": "high",
    }
    started = time.monotonic()
    signals = signals_of("weird.example", hostile)
    result = classify_sender(signals, RULES)
    assert time.monotonic() - started < 2
    assert len(signals["messages"][0]["subject"]) <= 200
    assert signals["offer_types"] == {"discount": 1}
    Classification.model_validate(result)


def test_features_are_shares_of_the_sampled_messages():
    signals = signals_of(
        "shop.example",
        {"offer_types": ["discount"], "is_bulk": True, "esp": "klaviyo"},
        {"offer_types": [], "is_bulk": True, "esp": "klaviyo"},
    )
    feats = features(signals, RULES)
    assert feats["offer:discount"] == 0.5
    assert feats["bulk"] == 1.0
    assert feats["esp_category:ecommerce_marketing"] == 1.0
    assert feats["personal"] == 0.0


def test_emails_are_rendered_as_delimited_data_cut_to_the_body_limit():
    text = render_emails([{"subject": "Hi", "body": "x" * 5000}], max_body_chars=100)
    assert text.startswith("<email>\nSubject: Hi") and text.count("x") == 100


def test_a_retrain_correction_for_the_sender_is_followed():
    signals = signals_of("substack.com", {"subject": "Issue #1", "offer_types": ["newsletter"]})
    fixed = classify_sender(
        signals,
        RULES,
        [
            {"sender_domain": "substack.com", "field_name": "industry", "corrected_value": "SaaS"},
            {"sender_domain": "substack.com", "field_name": "industry", "corrected_value": "HR"},
            {"sender_domain": "other.com", "field_name": "industry", "corrected_value": "Travel"},
        ],
    )
    assert fixed["industry"] == "SaaS"  # the newest correction (listed first) wins


def test_the_rollup_takes_the_majority_the_mean_and_any_flag():
    t = [T0 + timedelta(days=d) for d in range(3)]
    rows = [
        {
            "message_id": 1,
            "classified_at": t[0],
            "sender_intent": "newsletter",
            "marketing_sophistication": 4,
            "partner_program_detected": False,
            "product_description": "old",
        },
        {
            "message_id": 2,
            "classified_at": t[1],
            "sender_intent": "newsletter",
            "marketing_sophistication": 6,
            "partner_program_detected": True,
            "product_description": "mid",
        },
        {
            "message_id": 3,
            "classified_at": t[2],
            "sender_intent": "promotional",
            "marketing_sophistication": 8,
            "partner_program_detected": False,
            "product_description": "new",
        },
    ]
    rolled = rollup(rows)
    assert rolled["sender_intent"] == "newsletter"
    assert rolled["marketing_sophistication"] == 6
    assert rolled["partner_program_detected"] is True
    assert rolled["product_description"] == "new"
    assert rolled["message_count"] == 3

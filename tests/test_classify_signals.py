"""The heuristic's industry and size signals, its evidence and its confidence, on plain inputs.

The senders here are made up (none is in the demo corpus), so these examples
check that the signals generalise rather than remember names.
"""

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from tests.test_classify_stage import received

from inboxmine.ai.schemas import Classification
from inboxmine.classify.context import (
    build_signals,
    company_names,
    link_words,
    sample_messages,
    sender_volume,
)
from inboxmine.classify.heuristic import (
    address_country,
    claimed_audience,
    classify_sender,
    features,
    load_heuristic_rules,
)
from inboxmine.classify.store import compact_evidence
from inboxmine.db.tables.classify import ai_classification, sender_classification
from inboxmine.runner.executor import run_stages

RULES = load_heuristic_rules()
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def signals_of(domain, *messages, all_messages=None):
    dated = [
        {"message_id": i + 1, "sent_at": T0 + timedelta(days=7 * i), **m}
        for i, m in enumerate(messages)
    ]
    return build_signals(
        domain, sample_messages(dated, 5), len(dated), 2000, all_messages=all_messages or dated
    )


def classify(domain, *messages):
    result = classify_sender(signals_of(domain, *messages), RULES)
    Classification.model_validate(result)  # evidence included, always a valid answer
    return result


def promo(name, product, **extra):
    """A promotional email whose copy is the same for every shop; only the product differs."""
    return {
        "subject": "30% off - ends Friday",
        "from_name": name,
        "body": f"Hi Alex, take 30% off your next order of {product} plus free shipping. "
        "Shop the sale before it ends.",
        "offer_types": ["discount", "urgency"],
        "is_bulk": True,
        **extra,
    }


# ------------------------------------------------------------------ industry


def test_the_senders_name_decides_the_industry_over_the_shop_words_every_promo_uses():
    result = classify("alpineair.com", *[promo("Alpine Airlines", "weekend fares")] * 3)
    assert result["industry"] == "Travel"
    assert "name=airlines" in result["evidence"]["industry"]["signals"]


def test_a_word_glued_into_the_domain_name_counts():
    result = classify("harborbakery.com", *[promo("Harbor", "sourdough")] * 3)
    assert result["industry"] == "Food & Beverage"
    assert "domain=bakery" in result["evidence"]["industry"]["signals"]


def test_a_word_inside_a_longer_domain_word_does_not_count_again():
    result = classify("glowskincare.com", *[promo("Glow", "serums")] * 3)
    assert result["industry"] == "E-commerce"
    assert not any("care" == s.split("=")[-1] for s in result["evidence"]["industry"]["signals"])


def test_what_a_sender_keeps_talking_about_beats_a_topic_mentioned_once():
    roaster = {"subject": "New roast", "body": "Our single-origin coffee is back in stock."}
    once = {"subject": "A note", "body": "We read a great piece on SEO and marketing funnels."}
    result = classify("northbeans.com", roaster, roaster, roaster, roaster, once)
    assert result["industry"] == "Food & Beverage"


def test_a_newsletter_about_one_industry_belongs_to_it_and_a_general_one_to_media():
    def issue(name, topic):
        return {
            "subject": f"{name} #12",
            "from_name": name,
            "body": f"Welcome to this week's issue. {topic}",
            "offer_types": ["newsletter"],
            "esp": "convertkit",
            "is_bulk": True,
        }

    topical = classify("payweekly.example", *[issue("Banking Brief", "Three bank charts.")] * 3)
    general = classify("morning.example", *[issue("The Morning", "Five good reads.")] * 3)
    assert topical["industry"] == "Financial Services"
    assert general["industry"] == "Media"


def test_own_link_paths_are_evidence_and_tracker_links_are_not():
    message = {
        "subject": "This week",
        "link_intents": {
            "job_posting": ["https://www.hirewell.example/jobs/view/12"],
            "other": ["https://click.tracker.example/mortgage/offer"],
        },
    }
    assert link_words("hirewell.example", [message]) == ["jobs", "view"]
    result = classify("hirewell.example", message, message)
    assert "links=jobs" in result["evidence"]["industry"]["signals"]


def test_government_mail_is_other_not_the_industry_of_its_subject():
    notice = {"subject": "Your tax filing", "body": "Your tax account has a new notice."}
    assert classify("revenue.gov", notice, notice)["industry"] == "Other"


def test_with_little_to_go_on_the_industry_is_other_and_the_confidence_low():
    result = classify("somecorp.example", {"subject": "Tuesday?", "body": "Are you free?"})
    assert result["industry"] == "Other"
    assert result["evidence"]["industry"] == {"confidence": 0.15, "signals": []}
    assert result["confidence"] < 0.5


# ------------------------------------------------------------------ size


def test_an_enterprise_esp_and_a_mail_subdomain_mean_enterprise():
    message = promo("Brightmart", "kitchenware", esp="salesforce_mc", sender_subdomain="e.x")
    result = classify("brightmart.example", message, message, message)
    assert result["company_size_estimate"] == "enterprise"
    assert "esp_tier=enterprise" in result["evidence"]["company_size_estimate"]["signals"]


def test_a_creator_on_a_shared_platform_is_small_even_from_a_subdomain():
    post = {"subject": "Notes #3", "esp": "substack", "sender_subdomain": "notes.substack.com"}
    feats = features(signals_of("substack.com", post), RULES)
    assert feats["platform_hosted"] == 1.0 and "brand_subdomain" not in feats
    assert classify("substack.com", post, post)["company_size_estimate"] == "small"


def test_designed_mail_from_its_own_servers_is_own_infrastructure_plain_mail_is_not():
    designed = {"esp": "custom_smtp", "template_complexity_score": 80}
    plain = {"esp": "custom_smtp", "template_complexity_score": 5}
    assert features(signals_of("bigco.example", designed), RULES)["own_infrastructure"] == 1.0
    assert "own_infrastructure" not in features(signals_of("corner.example", plain), RULES)


def person(role):
    return {
        "subject": "Following up",
        "esp": "microsoft_365",
        "entities": [{"entity_type": "person", "entity_value": "Jo Park", "role": role}],
    }


def test_titles_hint_at_size_owners_are_small_specialists_large():
    assert classify("a.example", person("Founder & CEO"))["company_size_estimate"] == "small"
    big = classify("b.example", person("Senior Procurement Manager"))
    assert big["company_size_estimate"] == "enterprise"
    assert big["evidence"]["company_size_estimate"]["signals"][0] == "role=specialist"


def test_legal_forms_in_the_footer_company_line_are_size_features():
    footer = {"footer_text": "Unsubscribe\n\n© 2025 Northwind Holdings plc. All rights reserved."}
    assert company_names([footer]) == ["Northwind Holdings plc"]
    assert features(signals_of("northwind.example", footer), RULES)["legal:group"] == 1.0
    gmbh = {"footer_text": "(c) 2024 Datenhaus GmbH"}
    assert features(signals_of("datenhaus.example", gmbh), RULES)["legal:incorporated"] == 1.0


def test_claimed_audiences_are_read_as_numbers():
    assert claimed_audience("join 12,000+ teams who switched") == 12_000
    assert claimed_audience("trusted by 3 million users") == 3_000_000
    assert claimed_audience("loved by 40k customers") == 40_000
    assert claimed_audience("we have 12 offices") == 0
    started = time.monotonic()
    assert claimed_audience("9" * 200_000 + " teams") == 0  # absurd numbers are not claims
    assert time.monotonic() - started < 1


def test_address_countries_and_several_of_them():
    markers = RULES["size_signals"]["countries"]
    assert address_country("Torstraße 123, 10119 Berlin, Deutschland", markers) == "de"
    assert address_country("12 Clerkenwell Road, London EC1M 5PQ, United Kingdom", markers) == "uk"
    assert address_country("somewhere", markers) is None
    messages = [
        {"physical_address_text": "548 Market Street, San Francisco, CA 94104, USA"},
        {"physical_address_text": "Keizersgracht 1, Amsterdam, Netherlands"},
    ]
    feats = features(signals_of("global.example", *messages), RULES)
    assert feats["country:us"] == feats["country:nl"] == feats["multinational"] == 1.0


def test_volume_and_sending_addresses_come_from_all_the_senders_mail():
    mail = [
        {"sent_at": T0 + timedelta(days=6 * i), "from_address": f"team{i % 3}@x.example"}
        for i in range(11)
    ]
    assert sender_volume(mail, len(mail)) == {"messages_per_month": 5.5, "sending_addresses": 3}
    assert sender_volume([], 0) == {"messages_per_month": None, "sending_addresses": 0}


# ------------------------------------------------------------------ confidence, evidence


def test_more_evidence_means_more_confidence():
    one = classify("alpineair.com", promo("Alpine Airlines", "flights"))
    five = classify("alpineair.com", *[promo("Alpine Airlines", "flights")] * 5)
    assert five["industry"] == one["industry"] == "Travel"
    assert five["confidence"] > one["confidence"]


def test_a_users_correction_shows_in_the_evidence():
    signals = signals_of("alpineair.com", promo("Alpine Airlines", "flights"))
    fixed = classify_sender(
        signals,
        RULES,
        [{"sender_domain": "alpineair.com", "field_name": "industry", "corrected_value": "Media"}],
    )
    assert fixed["industry"] == "Media"
    assert fixed["evidence"]["industry"]["signals"] == ["your correction"]


def test_evidence_from_a_model_is_bounded_before_it_is_stored():
    hostile = {
        f"k{i}": {"confidence": 7, "signals": ["x" * 10_000] * 50, "other": "dropped"}
        for i in range(100)
    }
    stored = compact_evidence(hostile)
    assert len(stored) == 12
    assert stored["k0"] == {"confidence": 1.0, "signals": ["x" * 120] * 6}
    assert compact_evidence("not a mapping") is None
    assert compact_evidence({"industry": "the name says bakery"}) == {
        "industry": "the name says bakery"
    }


def test_the_stage_stores_the_evidence_per_message_and_per_sender(engine, settings):
    ids = [
        received(
            engine,
            "alpineair.com",
            days=i,
            subject="30% off flights - ends Friday",
            body="Take 30% off flights to 40 destinations.",
            esp="braze",
            bulk=True,
            offers=["discount", "urgency"],
        )
        for i in range(3)
    ]
    ok, _ = run_stages(engine, settings, ["classify"])
    assert ok
    with engine.connect() as conn:
        rows = list(conn.execute(select(ai_classification)))
        sender = conn.execute(select(sender_classification)).one()
    assert {r.message_id for r in rows} == set(ids)
    assert sender.industry == "Travel" and sender.company_size_estimate == "enterprise"
    assert "esp_tier=enterprise" in sender.evidence["company_size_estimate"]["signals"]
    assert rows[0].evidence == sender.evidence
    assert 0 < sender.evidence["industry"]["confidence"] <= 1

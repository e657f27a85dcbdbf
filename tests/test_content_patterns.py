"""Case-insensitive rule patterns run on lower-cased text find exactly what IGNORECASE finds."""

import re

from inboxmine.content.offers import OfferRules, detect_offers
from inboxmine.content.patterns import folded, lowered
from inboxmine.rules.loader import load_rules


def test_a_folded_pattern_is_lower_cased_but_its_escapes_keep_their_case():
    assert folded(re.compile(r"(?<!\w)RFQ|[A-Z]{2}\d", re.I)).pattern == r"(?<!\w)rfq|[a-z]{2}\d"
    assert folded(re.compile(r"\D\W\S", re.I)).pattern == r"\D\W\S"
    assert folded(re.compile(r"\x41BC", re.I)) is None  # a character by number: left alone
    assert folded(re.compile("free trial")) is None  # case-sensitive stays as it is
    assert folded(re.compile(r"\bSLA\b", re.I)).search("our sla and slack") is not None


def test_lowering_that_would_move_offsets_is_refused():
    assert lowered("FREE Trial") == "free trial"
    assert lowered("İstanbul SALE") is None  # İ lower-cases to two characters


def test_folded_offers_match_the_ignorecase_search_with_quotes_from_the_original_text():
    rules = OfferRules.from_rules(load_rules("offers.yaml"))
    assert rules.folded is not None
    text = (
        "Hello!\nOur BIGGEST SALE of the year: 30% OFF everything.\n"
        "Start your Free Trial today - No Credit Card Required. Use code SPRING."
    )
    slow = OfferRules(rules.pattern, rules.names, rules.order, rules.exclude, folded=None)
    assert detect_offers(text, rules) == detect_offers(text, slow)
    offers, evidence = detect_offers(text, rules)
    assert {"discount", "free_trial"} <= set(offers)
    assert "30% OFF" in evidence["discount"] or "BIGGEST SALE" in evidence["discount"]
    # Text whose lower-casing moves offsets takes the case-insensitive path.
    turkish = "İ" + text
    assert detect_offers(turkish, rules) == detect_offers(turkish, slow)


def test_named_groups_keep_their_names():
    pattern = folded(re.compile(r"(?P<Offer>SALE)|(?P=Offer)x", re.I))
    assert pattern.pattern == r"(?P<Offer>sale)|(?P=Offer)x"

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


def test_first_characters_of_a_fragment_are_known_or_honestly_unknown():
    from inboxmine.content.patterns import first_chars

    assert first_chars("coupons?") == {"c"}
    assert first_chars(r"save (?:up to )?[$€£]?\d") == {"s"}
    assert first_chars(r"(?:up )?[$€£]?\d") == {"u", "$", "€", "£", r"\d"}
    assert first_chars(r"\*\|[A-Z]") == {"*"}
    assert first_chars(r"[a-c\-]x|(?<!\w)\d+") == {"a-c", "\\-", r"\d"}
    assert first_chars(r"x?") is None  # can match nothing: any position may start it
    assert first_chars(r"[^a]b") is None  # a negated class: anything may start
    assert first_chars(r"(?i:sale)") is None  # its own case rule


def test_the_start_guard_finds_exactly_what_the_unguarded_groups_find():
    from inboxmine.content.patterns import compile_groups

    groups = {
        "discount": [r"\d{1,3} ?% off", r"save (?:up to )?[$€£]?\d[\d,.]{0,9} ?%?", "coupons?"],
        "trial": ["free trial", r"try (?:it )?free"],
        "merge": [r"\*\|[A-Z]+\|\*"],
    }
    guarded, names = compile_groups(groups, "test", "t.*")
    assert guarded.pattern.startswith("(?=[")
    # The same groups, each with its own word boundaries and no guard.
    plain = re.compile(
        "|".join(
            rf"(?P<g{i}>(?<!\w)(?:{'|'.join(f'(?:{f})' for f in fragments)})(?!\w))"
            for i, fragments in enumerate(groups.values())
        ),
        re.IGNORECASE,
    )
    text = (
        "SAVE up to $20 today, 30 % OFF and a coupon. Try it free! Free Trial, "
        "xcoupon, coupons. *|FNAME|* 15% offer, save 5%."
    )
    found = [(m.span(), names[m.lastgroup]) for m in guarded.finditer(text)]
    assert found == [(m.span(), names[m.lastgroup]) for m in plain.finditer(text)]
    assert [kind for _, kind in found] == [
        "discount", "discount", "discount", "trial", "trial", "discount", "merge", "discount",
    ]  # fmt: skip
    # A fragment that can start anywhere turns the guard off, never the matching.
    unguarded, _ = compile_groups({"any": [r"[^a]y"]}, "test", "t.*")
    assert not unguarded.pattern.startswith("(?=")
    assert unguarded.search("a by") is not None

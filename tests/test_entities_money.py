"""Money: amounts in any common currency and format, with what they are."""

from functools import lru_cache

import pytest

from inboxmine.entities.money import find_money, parse_number
from inboxmine.entities.rules import load_entity_rules


@lru_cache(maxsize=1)
def rules():
    return load_entity_rules().money


def money(text):
    return [(m.amount, m.currency) for m in find_money(rules(), text, "body")]


@pytest.mark.parametrize(
    "text, amount, currency",
    [
        ("The Business plan is $1,200.", 1200.0, "USD"),
        ("Budget: USD 1.2k for the pilot.", 1200.0, "USD"),
        ("Der Preis beträgt €4.800,00 netto.", 4800.0, "EUR"),
        ("Total 4.800,00 € inkl. MwSt", 4800.0, "EUR"),
        ("Just £99/mo after the trial.", 99.0, "GBP"),
        ("a deal worth 2 million dollars", 2_000_000.0, "USD"),
        ("We are at 12k ARR.", 12_000.0, None),
        ("Invoice total: 1,250.50 USD", 1250.5, "USD"),
        ("Fee of CHF 1'500.", 1500.0, "CHF"),
        ("quoted at $1.5M", 1_500_000.0, "USD"),
        ("₹75,000 per seat", 75_000.0, "INR"),
    ],
)
def test_amounts_in_common_formats_are_normalised(text, amount, currency):
    assert money(text) == [(amount, currency)]


def test_what_the_amount_is_comes_from_the_nearest_words():
    text = (
        "Our retainer: $9,500/month, with a fixed-price audit option at $14,000. "
        "We just crossed 40k MRR. Partners earn a 20% commission on every referral."
    )
    found = {m.entity_value: m for m in find_money(rules(), text, "body")}
    assert found["$9,500/month"].category == "contract_value"
    assert found["$9,500/month"].entity_normalized == "9500.00 USD/month"
    assert found["$14,000"].category == "contract_value"
    assert found["40k MRR"].category == "mrr"
    assert found["20%"].category == "commission"
    assert found["20%"].currency == "%"


def test_a_price_with_a_period_is_a_price():
    [price] = find_money(rules(), "Metricly Pro: $2,388/year.", "body")
    assert price.category == "price"
    assert price.entity_normalized == "2388.00 USD/year"
    assert "Metricly Pro" in price.context


def test_percentages_that_are_not_offers_are_not_money():
    assert money("50% of teams say so; uptime was 99.9% last month") == []
    assert money("Save 30% off this week") == [(30.0, "%")]


def test_numbers_without_a_currency_are_not_money():
    assert money("Call me at 555 1234, we have 1,200 users and version 2.1") == []


@pytest.mark.parametrize(
    "text, value",
    [
        ("1,200", 1200.0),
        ("4.800,00", 4800.0),
        ("1.2", 1.2),
        ("1,234,567.89", 1234567.89),
        ("12,5", 12.5),
        ("1.000.000", 1_000_000.0),
    ],
)
def test_numbers_read_with_either_decimal_mark(text, value):
    assert parse_number(text) == value

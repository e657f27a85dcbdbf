"""Dates in context: renewal, expiration, deadline, meeting - relative to the message."""

from datetime import UTC, date, datetime
from functools import lru_cache

import pytest

from inboxmine.entities.base import MessageText
from inboxmine.entities.dates import find_dates
from inboxmine.entities.rules import load_entity_rules

SENT = datetime(2026, 1, 10, 15, 30, tzinfo=UTC)  # a Saturday


@lru_cache(maxsize=1)
def rules():
    return load_entity_rules().dates


def dates(text, sent=SENT):
    message = MessageText(message_id=1, sent_at=sent, body=text)
    return [
        (d.date_kind, d.date_value, d.is_future) for d in find_dates(rules(), text, "body", message)
    ]


@pytest.mark.parametrize(
    "text, kind, value",
    [
        ("Your Business plan renews on March 3, 2026.", "renewal", date(2026, 3, 3)),
        ("Your subscription will automatically renew on 2026-02-19.", "renewal", date(2026, 2, 19)),
        ("Metricly Pro auto-renews in 3 weeks.", "renewal", date(2026, 1, 31)),
        ("Renewal date: 19 February 2026", "renewal", date(2026, 2, 19)),
        ("Your card expires on 03/15/2026", "expiration", date(2026, 3, 15)),
        ("The offer expires tomorrow", "expiration", date(2026, 1, 11)),
        ("Responses are due by Friday.", "deadline", date(2026, 1, 16)),
        ("Please send it no later than Jan 20", "deadline", date(2026, 1, 20)),
        ("Could you return both by the end of the month?", "deadline", date(2026, 1, 31)),
        ("Shall we meet on Tuesday, January 13th?", "meeting", date(2026, 1, 13)),
        ("Invoice due in 30 days", "deadline", date(2026, 2, 9)),
    ],
)
def test_a_phrase_gives_the_date_its_meaning(text, kind, value):
    assert dates(text) == [(kind, value, True)]


def test_a_date_without_a_year_is_the_next_one_after_the_message():
    # Sent in January: "renews on January 5" is next year's January 5.
    assert dates("Your plan renews on January 5") == [("renewal", date(2027, 1, 5), True)]


def test_past_dates_are_kept_with_their_date_and_marked_past():
    [(kind, value, is_future)] = dates("Your plan was renewed on December 6, 2025.")
    assert (kind, value, is_future) == ("renewal", date(2025, 12, 6), False)


def test_the_entity_keeps_the_iso_date_and_the_phrase():
    message = MessageText(message_id=1, sent_at=SENT)
    [found] = find_dates(
        rules(), "Heads up: it renews on March 3, 2026 at $4,800.", "body", message
    )
    assert found.entity_normalized == "2026-03-03"
    assert found.date_value == date(2026, 3, 3)
    assert found.entity_value == "renews on March 3, 2026"
    assert "Heads up" in found.context


def test_dates_without_a_trigger_phrase_are_not_taken():
    assert dates("We met on the 3rd. March 3, 2026 was great. May I ask 2 questions?") == []


def test_words_that_only_look_like_dates_are_not_dates():
    assert dates("Sign up by marketing 2024 or by Mayor Smith") == []


# --- promotion deadlines: the end of a sale is a promotion_end, never a renewal


@pytest.mark.parametrize(
    "text, value",
    [
        ("Offer valid until March 3, 2026.", date(2026, 3, 3)),
        ("Sale ends Friday!", date(2026, 1, 16)),
        ("Hurry - the offer ends Friday at midnight.", date(2026, 1, 16)),
        ("Your 20% code expires tomorrow", date(2026, 1, 11)),
        ("Black Friday deals end Monday", date(2026, 1, 12)),
        # An expiration or deadline in a sentence about a sale.
        ("Early-bird tickets are 20% off until Friday.", date(2026, 1, 16)),
        ("Use code SPRING by Sunday for free shipping.", date(2026, 1, 11)),
        ("Everything in the clearance section: valid through Jan 31", date(2026, 1, 31)),
    ],
)
def test_the_end_of_a_sale_is_a_promotion_end(text, value):
    assert dates(text) == [("promotion_end", value, True)]


@pytest.mark.parametrize(
    "text, kind",
    [
        # The same words around something the reader pays for keep their kind.
        ("Your trial offer ends on March 3, 2026.", "expiration"),
        ("Your plan expires on March 3, 2026 - renew now and get 20% off.", "expiration"),
        ("Your subscription code expires on March 3, 2026.", "expiration"),
        # No sale words: an ordinary deadline or expiration.
        ("Please return the signed contract by March 3, 2026.", "deadline"),
        ("Your card expires on 03/03/2026", "expiration"),
    ],
)
def test_expirations_of_what_you_pay_for_are_not_promotions(text, kind):
    assert dates(text) == [(kind, date(2026, 3, 3), True)]


def test_sale_words_in_another_sentence_do_not_change_a_renewal():
    found = dates("Your subscription renews on March 3, 2026. Our spring sale ends Friday.")
    assert found == [
        ("renewal", date(2026, 3, 3), True),
        ("promotion_end", date(2026, 1, 16), True),
    ]


def test_the_sentence_looked_at_is_bounded():
    # Sale words far before the trigger, with no sentence end between, are not read.
    text = "20% off " + "x" * 500 + " expires on March 3, 2026"
    assert dates(text) == [("expiration", date(2026, 3, 3), True)]

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

"""Email is hostile input: bounded work on crafted text, no exception on any text.

The sizes below stalled an existing system for minutes (a 35 KB signature of
blank lines) or would for days (1 MB); here each is a linear scan.
"""

import time
from datetime import UTC, datetime
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inboxmine.entities import MessageText, extract_with_rules, load_entity_rules
from inboxmine.entities.dates import find_dates
from inboxmine.entities.money import find_money
from inboxmine.entities.orgs import find_legal_names
from inboxmine.entities.procurement import find_procurement
from inboxmine.entities.signature import read_signature

MB = 1_000_000
#: Generous on a loaded 2-core machine; each case takes well under a second.
SECONDS = 10.0
SENT = datetime(2026, 1, 10, tzinfo=UTC)


@lru_cache(maxsize=1)
def rules():
    return load_entity_rules()


def message(**fields):
    return MessageText(message_id=1, sent_at=SENT, **fields)


HOSTILE = {
    "a 1 MB signature of blank lines": lambda: read_signature(
        rules().signature, " \n\t\n" * (MB // 4)
    ),
    "a 1 MB run of digits and commas": lambda: list(
        find_money(rules().money, "1,234," * (MB // 6), "body")
    ),
    "a 1 MB run of digits": lambda: list(find_money(rules().money, "9" * MB, "body")),
    "a 1 MB line of 'renews on'": lambda: list(
        find_dates(rules().dates, "renews on " * (MB // 10), "body", message())
    ),
    "a 1 MB line of 'renews on 1'": lambda: list(
        find_dates(rules().dates, "renews on 1 " * (MB // 12), "body", message())
    ),
    "1 MB of capitalised words before a suffix": lambda: list(
        find_legal_names(rules().orgs, "Acme " * (MB // 5) + "Inc", "body")
    ),
    "1 MB of almost-signals": lambda: list(
        find_procurement(rules().procurement, "SOC " * (MB // 4), "body")
    ),
    "a whole 1 MB message": lambda: extract_with_rules(
        message(
            subject="$1," * (MB // 3),
            body="renews on $1,0 " * (MB // 15),
            signature="\n" * MB,
            footer="Acme Inc " * (MB // 9),
            cc_addresses=["a@b.c"] * 10_000,
        ),
        rules(),
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_crafted_megabytes_finish_in_seconds(case):
    rules()  # compile outside the timing
    started = time.perf_counter()
    HOSTILE[case]()
    assert time.perf_counter() - started < SECONDS


# Random characters mixed with the pieces the patterns look for.
PIECES = st.sampled_from(
    list("$€£%,.:/-+() \n\t0123456789")
    + [
        "renews on ",
        "expires ",
        "due by ",
        "RFP",
        "SOC 2",
        " Inc",
        "k ARR",
        "March 3",
        "2026",
        "@",
        "www.",
    ]
)
TEXT = st.lists(st.one_of(st.text(max_size=20), PIECES), max_size=40).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    subject=TEXT,
    body=TEXT,
    signature=TEXT,
    footer=TEXT,
    name=st.none() | TEXT,
    address=st.none() | TEXT,
)
def test_no_exception_escapes_on_random_text(subject, body, signature, footer, name, address):
    entities = extract_with_rules(
        message(
            subject=subject,
            body=body,
            signature=signature,
            footer=footer,
            from_name=name,
            from_address=address,
            reply_to=body[:50],
            cc_addresses=[signature[:40]],
        ),
        rules(),
    )
    for entity in entities:
        row = entity.as_row(1, SENT)
        assert row["entity_type"] in (
            "person",
            "organization",
            "money",
            "date",
            "procurement_signal",
            "phone",
            "url",
        )
        assert row["source"] in ("body", "signature", "header", "subject")
        assert row["entity_value"]

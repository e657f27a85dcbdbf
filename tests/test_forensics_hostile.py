"""Email is hostile input: random, truncated and huge headers never break stage 1."""

import time
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inboxmine.forensics.analyze import analyze, prepare_rules
from inboxmine.rules.loader import load_rules

NAMES = [
    "received",
    "authentication-results",
    "arc-authentication-results",
    "arc-seal",
    "received-spf",
    "dkim-signature",
    "return-path",
    "message-id",
    "list-unsubscribe",
    "list-unsubscribe-post",
    "list-id",
    "feedback-id",
    "x-feedback-id",
    "x-mailer",
    "user-agent",
    "precedence",
    "date",
    "sender",
    "x-sg-eid",
]
REAL = [
    "from o1.ptr1234.shop.com (o1.ptr1234.shop.com. [167.89.1.2]) by mx.google.com with ESMTPS id x;"
    " Mon, 03 Mar 2025 10:00:04 -0800 (PST)",
    "mx.google.com; dkim=pass header.i=@shop.com header.s=s1 header.b=AbC; spf=pass (google.com:"
    ' domain of a@b.com designates 1.2.3.4 as permitted sender) smtp.mailfrom="a@b.com"; dmarc=pass',
    "spf=pass (sender IP is 40.107.1.2) smtp.mailfrom=contoso.com; dkim=pass header.d=contoso.com;",
    "v=1; a=rsa-sha256; c=relaxed/relaxed; d=shop.com; s=s1; h=from:to; bh=abc=; b=def",
    "<https://u1.ct.sendgrid.net/lu?oc=1>, <mailto:unsubscribe@em1.shop.com?subject=unsubscribe>",
    "i=1; a=rsa-sha256; t=1786017252; cv=none; d=google.com; s=arc-20240605; b=PW",
    "Mon, 3 Mar 2025 10:00:00 -0800",
    "<abc.def@geopod-ismtpd-3>",
    "1.us-east-1.abc=:AmazonSES",
]

PREPARED = prepare_rules(load_rules("esp.yaml"), load_rules("freemail.yaml"))


def _message(headers, from_address="a@b.com", body=None):
    return {
        "id": 1,
        "headers": headers,
        "from_address": from_address,
        "sent_at": datetime(2025, 3, 3, tzinfo=UTC),
        "sent_at_source": "date",
        "date_raw": None,
        "is_sent": False,
        "body": body,
    }


truncated = st.builds(lambda text, cut: text[:cut], st.sampled_from(REAL), st.integers(0, 300))
values = st.one_of(
    st.text(max_size=300), truncated, st.text(alphabet='()[]<>;=@.:"\\ ', max_size=200)
)
headers = st.dictionaries(
    st.one_of(st.sampled_from(NAMES), st.text(max_size=20)),
    st.one_of(st.lists(values, max_size=4), values, st.none(), st.integers()),
    max_size=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    headers=headers,
    from_address=st.one_of(st.none(), st.text(max_size=60)),
    body=st.one_of(st.none(), st.text(max_size=300)),
)
def test_random_and_truncated_headers_never_raise(headers, from_address, body):
    row = analyze(_message(headers, from_address, body), PREPARED)
    assert row["authentication_quality"] in ("excellent", "good", "poor", "unknown")
    assert row["esp_confidence"] in (None, "high", "medium", "low")


@pytest.mark.parametrize("headers", [None, [], "text", {"received": "not a list"}, {1: [2]}])
def test_headers_of_the_wrong_shape_are_ignored(headers):
    assert analyze(_message(headers), PREPARED)["sender_domain"] == "b.com"


def test_a_one_megabyte_header_finishes_in_well_under_a_second():
    big = 1_000_000
    headers = {
        "received": ["from " + "a." * (big // 2) + " (" * 1000 + "[1.2.3.4]" * 1000],
        "authentication-results": [
            "x; " + "spf=pass (" * (big // 10),
            "mx; dkim=pass " + '"' * big,
        ],
        # Quoted ";" sends a value to authres, the slow parser: many near its limit.
        "arc-authentication-results": ["i=1; " + "a=" * (big // 2)]
        + ['x; dkim=pass header.d="a;" ; ' * 70] * 8,
        "dkim-signature": ["d=" + "x" * big, "v=1; " + "d=a;" * (big // 4)],
        "list-unsubscribe": ["<" * big, "<https://" + "a" * big + ">"],
        "message-id": ["<" + "@" * big + ">"],
        "x-mailer": ["m" * big],
        "feedback-id": [":" * big],
        "date": ["Mon, " * (big // 5)],
        "return-path": ["<" + "a@" * (big // 2) + ">"],
    }
    body = "https://" + "a" * big + " href=" * (big // 6)
    started = time.perf_counter()
    row = analyze(_message(headers, from_address="x@" + "b" * big, body=body), PREPARED)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"took {elapsed:.2f}s"
    assert row["sender_domain"] is None

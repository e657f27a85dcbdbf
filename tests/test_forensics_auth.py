"""Authentication results as receivers write them: Gmail, Microsoft, ARC, broken ones."""

import authres
import pytest

from inboxmine.forensics.auth import (
    Authentication,
    authentication_quality,
    normalise_authres,
    parse_authentication_results,
    parse_dkim_signature,
    read_authentication,
)

GMAIL = (
    "mx.google.com;\n       dkim=pass header.i=@shop.com header.s=s1 header.b=AbC;"
    "       dkim=pass header.i=@sendgrid.info header.s=smtpapi header.b=xyz;"
    "       spf=pass (google.com: domain of bounces+1@em1.shop.com designates 167.89.1.2 as"
    ' permitted sender) smtp.mailfrom="bounces+1@em1.shop.com";'
    "       dmarc=pass (p=QUARANTINE sp=QUARANTINE dis=NONE) header.from=shop.com"
)
MICROSOFT = (
    "spf=pass (sender IP is 40.107.1.2) smtp.mailfrom=contoso.com; dkim=pass (signature was"
    " verified) header.d=contoso.com;dmarc=pass action=none header.from=contoso.com;"
    "compauth=pass reason=100;"
)


def _triples(results):
    return [(r.method, r.result, r.domain) for r in results]


def test_gmail_results_every_dkim_signature_and_its_domain():
    assert _triples(parse_authentication_results(GMAIL)) == [
        ("dkim", "pass", "shop.com"),
        ("dkim", "pass", "sendgrid.info"),
        ("spf", "pass", "em1.shop.com"),
        ("dmarc", "pass", None),
    ]


def test_microsofts_header_without_authserv_id_is_normalised():
    assert normalise_authres(MICROSOFT).startswith("x; spf=pass")
    assert not normalise_authres(MICROSOFT).endswith(";")
    assert _triples(parse_authentication_results(MICROSOFT)) == [
        ("spf", "pass", "contoso.com"),
        ("dkim", "pass", "contoso.com"),
        ("dmarc", "pass", None),
    ]


@pytest.mark.parametrize("value", [GMAIL, MICROSOFT, "i=1; mx.google.com; arc=pass; spf=fail"])
def test_the_fast_reading_agrees_with_authres(value):
    ours = [(r.method, r.result) for r in parse_authentication_results(value)]
    theirs = [
        (r.method, r.result)
        for r in authres.AuthenticationResultsHeader.parse_value(normalise_authres(value)).results
        if r.method in ("spf", "dkim", "dmarc", "arc")
    ]
    assert ours == theirs


def test_semicolons_inside_comments_and_quotes_do_not_split_clauses():
    value = (
        "mx.example.com; spf=softfail (transitioning; see policy) smtp.mailfrom=a.com; dkim=none"
    )
    assert _triples(parse_authentication_results(value)) == [
        ("spf", "softfail", "a.com"),
        ("dkim", "none", None),
    ]
    quoted = 'mx.example.com; spf=pass smtp.mailfrom="odd;local@b.com"; dmarc=fail'
    assert _triples(parse_authentication_results(quoted)) == [
        ("spf", "pass", "b.com"),
        ("dmarc", "fail", None),
    ]


def test_a_broken_header_still_yields_the_clauses_it_has():
    value = 'mx; spf=pass smtp.mailfrom=a.com; dkim=fail ((( header.d=b.com; dmarc="unterminated'
    methods = {r.method: r.result for r in parse_authentication_results(value)}
    assert methods["spf"] == "pass"


def test_dkim_signature_tags_are_read_even_when_malformed():
    assert parse_dkim_signature("v=1; a=rsa-sha256; d=Shop.COM; s=s1; bh=x; b=y") == {
        "domain": "shop.com",
        "selector": "s1",
    }
    # A duplicate tag makes dkimpy refuse it; the d= is still found.
    assert parse_dkim_signature("v=1; d=a.com; d=b.com; s=x")["domain"] == "a.com"
    assert parse_dkim_signature("garbage without tags") == {"domain": None, "selector": None}


def test_read_authentication_matches_results_to_signatures():
    auth = read_authentication(
        {
            "authentication-results": [GMAIL],
            "dkim-signature": [
                "v=1; d=shop.com; s=s1; b=x",
                "v=1; d=sendgrid.info; s=smtpapi; b=y",
            ],
        },
        "shop.com",
    )
    assert auth.dkim_signatures == [
        {"domain": "shop.com", "selector": "s1", "result": "pass"},
        {"domain": "sendgrid.info", "selector": "smtpapi", "result": "pass"},
    ]
    assert (auth.spf_result, auth.dkim_result, auth.dmarc_result) == ("pass", "pass", "pass")
    assert auth.spf_client_ip == "167.89.1.2"
    assert auth.quality == "excellent"


def test_received_spf_and_arc_seal_fill_in_what_authentication_results_lacks():
    auth = read_authentication(
        {
            "received-spf": [
                "SoftFail (mx: domain of a.com does not designate 1.2.3.4) client-ip=1.2.3.4;"
            ],
            "arc-seal": ["i=1; a=rsa-sha256; cv=none; d=google.com", "i=2; cv=pass; d=x.com"],
        },
        "a.com",
    )
    assert auth.spf_result == "softfail"
    assert auth.arc_result == "pass"
    assert auth.spf_client_ip == "1.2.3.4"
    assert auth.quality == "poor"


@pytest.mark.parametrize(
    ("spf", "dkim", "dmarc", "signatures", "expected"),
    [
        ("pass", "pass", "pass", [], "excellent"),
        ("fail", "pass", "pass", [], "good"),
        (None, "pass", None, [{"domain": "mail.shop.com", "result": "pass"}], "good"),
        ("pass", "fail", "fail", [], "poor"),
        ("softfail", None, None, [], "poor"),
        (None, None, None, [], "unknown"),
    ],
)
def test_authentication_quality(spf, dkim, dmarc, signatures, expected):
    auth = Authentication(
        spf_result=spf, dkim_result=dkim, dmarc_result=dmarc, dkim_signatures=signatures
    )
    assert authentication_quality(auth, "shop.com") == expected

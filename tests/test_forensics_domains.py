"""Sender identity: registered domains, free-mail people, platform tenants."""

import pytest

from inboxmine.forensics.domains import (
    clean_host,
    registered_domain,
    sender_identity,
    tenant_host,
)

FREEMAIL = frozenset({"gmail.com", "outlook.com", "yahoo.com"})


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("mail.service.x.com", "x.com"),
        ("news.shop.co.uk", "shop.co.uk"),
        ("EM123.Brand.IO.", "brand.io"),
        ("localhost", "localhost"),  # no public suffix: kept as it is
        ("mail.internal", "mail.internal"),
    ],
)
def test_registered_domain_collapses_subdomains(host, expected):
    assert registered_domain(host) == expected


@pytest.mark.parametrize("junk", ["", None, "a b.com", "x" * 300 + ".com", "bad..dots", "<>"])
def test_junk_is_not_a_host(junk):
    assert clean_host(junk) is None
    assert registered_domain(junk) is None


def test_a_company_is_its_registered_domain_and_keeps_the_subdomain():
    identity = sender_identity("Deals <deals@news.shop.co.uk>", FREEMAIL)
    assert identity.sender_domain == "shop.co.uk"
    assert identity.from_domain == "shop.co.uk"
    assert identity.sender_subdomain == "news.shop.co.uk"
    assert identity.is_freemail is False


def test_free_mail_people_are_never_merged_into_one_company():
    ann = sender_identity("Ann.Smith@GMail.com", FREEMAIL)
    bob = sender_identity("bob@gmail.com", FREEMAIL)
    assert (ann.sender_domain, bob.sender_domain) == ("ann.smith@gmail.com", "bob@gmail.com")
    assert ann.is_freemail and ann.from_domain == "gmail.com"


def test_no_address_gives_no_identity():
    assert sender_identity(None, FREEMAIL).sender_domain is None
    assert sender_identity("undisclosed-recipients", FREEMAIL).sender_domain is None


def test_a_platform_tenant_is_told_apart_from_the_platform():
    platforms = frozenset({"zendesk.com"})
    assert tenant_host("acme.zendesk.com", platforms) == "acme.zendesk.com"
    assert tenant_host("mail.acme.zendesk.com", platforms) == "acme.zendesk.com"
    assert tenant_host("zendesk.com", platforms) is None
    assert tenant_host("news.example.com", platforms) is None


def test_a_lookalike_unicode_domain_is_a_sender_of_its_own():
    # Phishing sends from "раypal.com" with a Cyrillic "р": it was no host at
    # all (sender_domain NULL), now it is its punycode, apart from paypal.com.
    fake = sender_identity("billing@\u0440aypal.com", FREEMAIL)
    assert fake.sender_domain == "xn--aypal-uye.com" != "paypal.com"
    assert registered_domain("mail.m\u00fcnchen.de") == "xn--mnchen-3ya.de"
    assert clean_host("x" * 300 + "\u00e9.com") is None


def test_a_message_without_a_usable_from_still_names_who_claims_it():
    from inboxmine.forensics.analyze import claimed_sender

    headers = {"reply-to": ["Claims Desk <claims@payouts.example>"]}
    assert claimed_sender("ann@shop.example", headers, None) == ("ann@shop.example", "from")
    assert claimed_sender("PayPal Security", headers, None) == (
        "claims@payouts.example",
        "reply_to",
    )
    assert claimed_sender(None, {"sender": ["list@lists.example"]}, None) == (
        "list@lists.example",
        "sender",
    )
    assert claimed_sender(None, {}, "bounces+123@mail.example") == (
        "bounces+123@mail.example",
        "return_path",
    )
    # A bounce's system address names a mail server, not who wrote.
    assert claimed_sender(None, {}, "mailer-daemon@mx.example") == (None, None)
    assert claimed_sender(None, None, None) == (None, None)

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


PUBLICATIONS = frozenset({"substack.com", "mail.beehiiv.com"})


def test_each_newsletter_on_a_shared_platform_is_a_sender_of_its_own():
    saas = sender_identity("The SaaS Signal <TheSaaSSignal@substack.com>", FREEMAIL, PUBLICATIONS)
    fintech = sender_identity("fintechinsider@substack.com", FREEMAIL, PUBLICATIONS)
    assert (saas.sender_domain, fintech.sender_domain) == (
        "thesaassignal@substack.com",
        "fintechinsider@substack.com",
    )
    # A publication, not a person: only free-mail senders are people.
    assert saas.is_publication and not saas.is_freemail
    assert saas.from_domain == "substack.com"


def test_a_platform_listed_by_its_sending_host_keeps_its_own_company_mail():
    post = sender_identity("thesaassignal@mail.beehiiv.com", FREEMAIL, PUBLICATIONS)
    company = sender_identity("hello@beehiiv.com", FREEMAIL, PUBLICATIONS)
    assert post.sender_domain == "thesaassignal@mail.beehiiv.com"
    assert (company.sender_domain, company.is_publication) == ("beehiiv.com", False)
    # Without the list, the platform is one sender, as before.
    assert sender_identity("x@substack.com", FREEMAIL).sender_domain == "substack.com"


def test_a_publication_is_still_sent_by_its_platform():
    from inboxmine.forensics.analyze import analyze, prepare_rules
    from inboxmine.rules.loader import load_rules

    prepared = prepare_rules(load_rules("esp.yaml"), load_rules("freemail.yaml"))
    row = analyze(
        {
            "id": 1,
            "from_address": "Growth Notes <growthnotes@substack.com>",
            "headers": {
                "return-path": ["<bounce+a1b2c3.d4e5f6-me=example.com@mg1.substack.com>"],
                "dkim-signature": [
                    "v=1; a=rsa-sha256; d=substack.com; s=krs; h=from; bh=x; b=y",
                    "v=1; a=rsa-sha256; d=mg1.substack.com; s=mg; h=from; bh=x; b=y",
                ],
                "message-id": ["<20260101.abc@mg1.substack.com>"],
                "list-id": ["<growthnotes.substack.com>"],
            },
        },
        prepared,
    )
    assert row["sender_domain"] == "growthnotes@substack.com"
    assert row["from_domain"] == "substack.com"
    assert row["is_freemail"] is False
    assert row["esp_identified"] == "substack"


def test_a_user_can_add_a_publication_platform(tmp_path):
    from inboxmine.forensics.analyze import analyze, prepare_rules
    from inboxmine.rules.loader import load_rules

    (tmp_path / "freemail.yaml").write_text("publication_platforms: [letters.example]\n")
    prepared = prepare_rules(load_rules("esp.yaml"), load_rules("freemail.yaml", tmp_path))
    row = analyze({"id": 1, "from_address": "weekly@letters.example", "headers": {}}, prepared)
    assert row["sender_domain"] == "weekly@letters.example"
    assert "substack.com" in prepared.publication_platforms  # the packaged list stays


def test_a_malformed_publication_list_names_the_key_and_the_fix():
    from inboxmine.forensics.analyze import prepare_rules
    from inboxmine.rules.loader import RulesError, load_rules

    with pytest.raises(RulesError, match="publication_platforms.*list of domains"):
        prepare_rules(load_rules("esp.yaml"), {"domains": [], "publication_platforms": "x.com"})

"""Each trust signal fires on the evidence it names, and stays quiet without it (pure)."""

from __future__ import annotations

import pytest

from inboxmine.trust.offline import assess_item, offline_rules


@pytest.fixture(scope="module")
def rules():
    return offline_rules()


def message(**fields):
    """A message as stage 1 loads it; plain person-to-person mail by default."""
    item = {
        "id": 1,
        "headers": {},
        "from_address": "dana@brightlane.io",
        "from_name": "Dana Whitfield",
        "reply_to": None,
        "subject": "Pricing for the Q3 engagement",
        "labels": None,
        "sent_at": None,
        "sent_at_source": "date",
        "date_raw": None,
        "is_sent": False,
        "body": "Hi Alex, could you send pricing for a three-month engagement? Thanks, Dana",
        "body_text": "Hi Alex, could you send pricing for a three-month engagement? Thanks, Dana",
        "attachments": [],
    }
    item.update(fields)
    return item


def signals_of(rules, **fields) -> dict[str, dict]:
    row = assess_item(message(**fields), rules)
    return {s["signal"]: s for s in row["signals"]}


def auth(value: str) -> dict:
    return {"authentication-results": [value]}


def test_plain_mail_between_people_fires_nothing(rules):
    row = assess_item(message(), rules)
    assert row["verdict"] == "legitimate"
    assert row["risk_score"] == 0 and row["signals"] == [] and row["is_automated"] is False


# ------------------------------------------------------------ authentication


def test_dmarc_failure_fires_and_an_enforced_policy_adds_to_it(rules):
    monitored = signals_of(
        rules, headers=auth("mx.x; dmarc=fail (p=NONE sp=NONE) header.from=brightlane.io")
    )
    enforced = signals_of(
        rules, headers=auth("mx.x; dmarc=fail (p=REJECT sp=REJECT) header.from=brightlane.io")
    )
    assert "dmarc_fail" in monitored and "dmarc_fail_enforced" not in monitored
    assert {"dmarc_fail", "dmarc_fail_enforced"} <= enforced.keys()
    assert "p=REJECT" in enforced["dmarc_fail_enforced"]["evidence"]


def test_dmarc_pass_vouches_for_the_domain_and_spf_failures_count(rules):
    passed = signals_of(
        rules,
        headers=auth(
            "mx.x; spf=pass smtp.mailfrom=brightlane.io; dmarc=pass header.from=brightlane.io"
        ),
        subject="Act now!!!",  # something to offset, so the trust signal is kept
    )
    assert passed["authenticated_sender"]["weight"] < 0
    failed = signals_of(rules, headers=auth("mx.x; spf=fail smtp.mailfrom=brightlane.io"))
    soft = signals_of(rules, headers=auth("mx.x; spf=softfail smtp.mailfrom=brightlane.io"))
    assert "spf_fail" in failed and "spf_softfail" in soft and "spf_fail" not in soft


def test_unaligned_authentication_needs_a_foreign_envelope_and_no_dmarc(rules):
    foreign = signals_of(
        rules,
        headers={
            **auth("mx.x; spf=pass smtp.mailfrom=bounce.esp-mailer.net"),
            "return-path": ["<b123@bounce.esp-mailer.net>"],
        },
    )
    own = signals_of(
        rules,
        headers={
            **auth("mx.x; spf=pass smtp.mailfrom=brightlane.io"),
            "return-path": ["<dana@brightlane.io>"],
        },
    )
    assert "unaligned_authentication" in foreign and "unaligned_authentication" not in own


def test_reply_to_on_free_mail_or_another_domain(rules):
    freemail = signals_of(rules, reply_to="ceo.private@gmail.com")
    other = signals_of(rules, reply_to="billing@another-company.com")
    same = signals_of(rules, reply_to="sales@brightlane.io")
    assert "reply_to_freemail" in freemail
    assert "reply_to_other_domain" in other
    assert not same


def test_a_lists_reply_to_is_not_a_mismatch(rules):
    found = signals_of(
        rules,
        reply_to="discuss@lists.example.org",
        headers={"list-id": ["Discussion <discuss.lists.example.org>"]},
    )
    assert "reply_to_other_domain" not in found


# ------------------------------------------------------------ brands


@pytest.mark.parametrize(
    ("name", "address", "signal"),
    [
        ("PayPal Service", "service@paypal-secure.top", "brand_impersonation"),
        ("Microsoft account team", "ms.team@outlook-verify.net", "brand_impersonation"),
        ("Apple Support", "appleid.support@gmail.com", "brand_on_freemail"),
        ("", "paypal.security@yahoo.com", "brand_on_freemail"),
        ("Billing", "billing@paypa1.com", "lookalike_domain"),
        ("Accounts", "alerts@secure-netflix.xyz", "lookalike_domain"),
        ("Notice", "notice@micros0ft.net", "lookalike_domain"),
    ],
)
def test_brand_impersonation_fires(rules, name, address, signal):
    assert signal in signals_of(rules, from_name=name, from_address=address)


@pytest.mark.parametrize(
    ("name", "address"),
    [
        ("PayPal", "service@paypal.com"),
        ("Amazon Web Services", "aws-marketing@amazon.com"),
        ("Apple Store eNews", "news@euromailer.lists.apple.com"),
        ("Lockergnome Apple Core", "subscriptions@lockergnome.com"),
        ("Chase Miller", "chase.miller@gmail.com"),
        ("Apple Jones", "apple.jones@gmail.com"),
        ("Leader Insights", "team@leaderinsights.com"),
        ("Finance Desk", "desk@acme-finance.com"),
        ("Cloud Team", "team@cloud.com"),
    ],
)
def test_the_brand_itself_and_names_that_only_mention_one_do_not(rules, name, address):
    found = signals_of(rules, from_name=name, from_address=address)
    assert not {"brand_impersonation", "brand_on_freemail", "lookalike_domain"} & found.keys()


@pytest.mark.parametrize(
    ("address", "name", "expected"),
    [
        ("tours@big-apple-tours.com", "Big Apple Tours", False),  # a word, used as a word
        ("office@paper-chase.org", "Paper Chase Books", False),
        ("alerts@apple-support.top", "Notice", True),  # with a service word
        ("alerts@chase-secure.com", "Alerts", True),
        ("team@general-ledger.net", "Ledger", True),  # the name claims the brand
    ],
)
def test_brands_that_are_also_words(rules, address, name, expected):
    found = signals_of(rules, from_name=name, from_address=address)
    claimed = {"lookalike_domain", "brand_impersonation"} & found.keys()
    assert bool(claimed) is expected, found


def test_a_punycode_lookalike_of_a_brand_is_a_lookalike(rules):
    # "pаypal.com" with a Cyrillic "а"
    found = signals_of(rules, from_name="Service", from_address="service@xn--pypal-4ve.com")
    assert "lookalike_domain" in found
    other = signals_of(rules, from_name="Büro", from_address="info@xn--bro-hoa.de")
    assert "punycode_domain" in other and "lookalike_domain" not in other


# ------------------------------------------------------------ links


def html_with(link: str) -> dict:
    body = f"<html><body><p>Please review.</p>{link}</body></html>"
    return {"body": body, "body_text": None}


def test_link_text_showing_another_domain(rules):
    deceptive = signals_of(
        rules, **html_with('<a href="https://evil-host.top/x">https://www.dropbox.com/s/file</a>')
    )
    plain = signals_of(
        rules, **html_with('<a href="https://www.some-site.org/x">www.other-site.org</a>')
    )
    honest = signals_of(
        rules, **html_with('<a href="https://www.dropbox.com/s/file">www.dropbox.com/s/file</a>')
    )
    words = signals_of(rules, **html_with('<a href="https://evil-host.top/x">Click here</a>'))
    assert "brand_link_mismatch" in deceptive
    assert "link_text_mismatch" in plain
    assert not honest and not words


def test_click_tracking_and_own_redirects_are_not_deception(rules):
    esp = signals_of(
        rules, **html_with('<a href="https://mandrillapp.com/track/click/1">www.brightlane.io</a>')
    )
    own = signals_of(
        rules, **html_with('<a href="https://go.brightlane.io/r/1">www.partner-site.com</a>')
    )
    assert not esp and not own


def test_list_mail_mismatches_weigh_less(rules):
    found = signals_of(
        rules,
        headers={"list-unsubscribe": ["<https://x.example.org/u>"]},
        **html_with('<a href="https://clicks.tracker-co.net/1">www.store-example.com</a>'),
    )
    assert "list_link_mismatch" in found
    assert found["list_link_mismatch"]["weight"] < rules.trust.signals["link_text_mismatch"].weight


def test_raw_ip_punycode_and_shortener_links(rules):
    text = "Log in at http://192.168.14.3/login.php or https://bit.ly/3xYz and http://xn--80ak6aa92e.com/"
    found = signals_of(rules, body=text, body_text=text)
    assert {"raw_ip_link", "url_shortener", "punycode_link"} <= found.keys()
    clean = signals_of(rules, body="See https://www.brightlane.io/pricing", body_text=None)
    assert not clean


# ------------------------------------------------------------ attachments


@pytest.mark.parametrize(
    ("filename", "signal"),
    [
        ("Invoice_2231.pdf.exe", "dangerous_attachment"),
        ("update.js", "dangerous_attachment"),
        ("payment.iso", "dangerous_attachment"),
        ("Remittance.htm", "html_attachment"),
    ],
)
def test_dangerous_and_html_attachments(rules, filename, signal):
    assert signal in signals_of(rules, attachments=[(filename, "application/octet-stream")])


def test_a_document_completes_a_lure_but_alone_is_fine(rules):
    lure = "Please find attached invoice 2231, overdue since May."
    found = signals_of(
        rules, body=lure, body_text=lure, attachments=[("inv2231.zip", "application/zip")]
    )
    assert "lure_with_attachment" in found
    alone = signals_of(rules, attachments=[("proposal.pdf", "application/pdf")])
    assert not alone


# ------------------------------------------------------------ phrases and subjects


def test_phrase_families_fire_with_more_weight_for_more_phrases(rules):
    one = signals_of(rules, body_text="Buy cheap viagra here.", body="x")
    three = signals_of(
        rules, body_text="Viagra, Cialis and Levitra from our online pharmacy.", body="x"
    )
    assert one["pharmacy_phrases"]["weight"] < three["pharmacy_phrases"]["weight"]
    assert "'cialis'" in three["pharmacy_phrases"]["evidence"]


def test_phrases_match_whole_words_across_lines_and_punctuation(rules):
    found = signals_of(
        rules, body_text="Your account\nhas been  suspended. (Verify your-identity)", body="x"
    )
    assert "credential_lure_phrases" in found
    assert not signals_of(rules, body_text="We discussed the lotteryfund project.", body="x")


def test_subject_tricks(rules):
    assert "subject_all_caps" in signals_of(rules, subject="URGENT PAYMENT NOTIFICATION FOR YOU")
    assert "subject_emoji_run" in signals_of(rules, subject="Big news 🚀🚀🚀 inside")
    assert "subject_money_symbols" in signals_of(rules, subject="Make $$$ from home")
    assert "subject_random_token" in signals_of(rules, subject="Your offer x7Kq9PzL2m")
    assert "fake_reply" in signals_of(rules, subject="Re: your order")
    calm = signals_of(
        rules,
        subject="Re: Q3 pricing, order #123456 and MP3 files",
        headers={"in-reply-to": ["<a@b>"]},
    )
    assert not calm


# ------------------------------------------------------------ the receiving server


@pytest.mark.parametrize(
    ("headers", "signal"),
    [
        ({"x-spam-flag": ["YES"]}, "server_spam_flag"),
        ({"x-spam-status": ["Yes, score=9.1 required=5.0 tests=BAYES_99"]}, "server_spam_flag"),
        ({"x-spam-status": ["score=7.5 required=5.0"]}, "server_spam_score"),
        ({"x-spam-level": ["********"]}, "server_spam_score"),
        ({"x-forefront-antispam-report": ["CIP:1.2.3.4;SCL:5;SFV:SPM;CAT:SPM;"]}, "microsoft_spam"),
        ({"x-ms-exchange-organization-scl": ["6"]}, "microsoft_spam"),
        ({"x-forefront-antispam-report": ["SCL:9;SFV:SPM;CAT:PHSH;"]}, "microsoft_phish"),
    ],
)
def test_server_spam_verdicts(rules, headers, signal):
    assert signal in signals_of(rules, headers=headers)


@pytest.mark.parametrize(
    "headers",
    [
        {"x-spam-status": ["No, hits=-4.4 required=5.0 tests=KNOWN_MAILING_LIST"]},
        {"x-spam-level": ["**"]},
        {"x-forefront-antispam-report": ["CIP:1.2.3.4;SCL:1;SFV:NSPM;CAT:NONE;"]},
        {"x-ms-exchange-organization-scl": ["-1"]},
    ],
)
def test_server_says_not_spam(rules, headers):
    assert not signals_of(rules, headers=headers)


@pytest.mark.parametrize("label", ["Junk", "[Gmail]/Spam", "INBOX.Junk", "Junk E-mail", "Spam"])
def test_junk_folders_and_gmail_spam_label(rules, label):
    assert "junk_folder" in signals_of(rules, labels=["Inbox", label])


def test_ordinary_folders_are_not_junk(rules):
    assert not signals_of(rules, labels=["Inbox", "Clients/Spamalot Ltd", "Archive"])


# ------------------------------------------------------------ robots


@pytest.mark.parametrize(
    "fields",
    [
        {"from_address": "no-reply@brightlane.io"},
        {"from_address": "notifications@github.com"},
        {"headers": {"auto-submitted": ["auto-replied"]}},
        {"subject": "Automatic reply: Pricing"},
        {"subject": "Invitation: Kickoff @ Tue 3pm"},
        {
            "from_address": "mailer-daemon@mx.brightlane.io",
            "subject": "Undelivered Mail Returned to Sender",
        },
        {"headers": {"content-type": ["multipart/report; report-type=delivery-status"]}},
    ],
)
def test_robots_are_automated(rules, fields):
    row = assess_item(message(**fields), rules)
    assert row["is_automated"] is True
    assert row["verdict"] == "automated"
    assert any(s["signal"] == "automated" for s in row["signals"])


def test_people_are_not_automated(rules):
    for address in ("dana@brightlane.io", "info.desk@brightlane.io", "noreen@brightlane.io"):
        assert assess_item(message(from_address=address), rules)["is_automated"] is False
    assert assess_item(message(headers={"auto-submitted": ["no"]}), rules)["is_automated"] is False


def test_the_users_own_sent_mail_is_trusted(rules):
    row = assess_item(message(is_sent=True, subject="VIAGRA!!!"), rules)
    assert row["verdict"] == "legitimate" and row["signals"] == []


def test_hostile_input_never_raises(rules):
    odd = message(
        headers={"x-spam-status": [None, 5], "authentication-results": "dmarc=fail", "list-id": 3},
        from_address="not an address",
        from_name="\x00" * 5000,
        reply_to=",,,@,",
        subject="\ud800" * 3 + "A" * 10_000,
        labels="Junk",
        body="<a href=" + "x" * 100_000,
        body_text=None,
        attachments=[None, ("a",), ("x.exe", None)],
    )
    row = assess_item(odd, rules)
    assert row["verdict"] in ("legitimate", "bulk", "automated", "suspicious", "spam", "phishing")

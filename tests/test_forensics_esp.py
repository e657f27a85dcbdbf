"""ESP fingerprinting: evidence, precedence, confidence, and rules users can extend."""

import pickle
from datetime import UTC, datetime

import pytest
from tests.helpers import REQUIRED_ESP_KEYS

from inboxmine.forensics.analyze import analyze, prepare_rules
from inboxmine.forensics.esp import compile_rules
from inboxmine.rules.loader import RulesError, load_rules

REQUIRED_KEYS = list(REQUIRED_ESP_KEYS)


@pytest.fixture(scope="module")
def prepared():
    return prepare_rules(load_rules("esp.yaml"), load_rules("freemail.yaml"))


def received(host, ip, by="mx.recipient.example"):
    return f"from {host} ({host}. [{ip}]) by {by} with ESMTPS id 1; Mon, 3 Mar 2025 10:00:00 +0000"


def message(from_address, body=None, **headers):
    return {
        "id": 1,
        "from_address": from_address,
        "headers": {name.replace("_", "-"): value for name, value in headers.items()},
        "sent_at": datetime(2025, 3, 3, 10, tzinfo=UTC),
        "sent_at_source": "date",
        "date_raw": None,
        "is_sent": False,
        "body": body,
    }


def esp_of(row):
    return row["esp_identified"], row["esp_confidence"]


def test_the_packaged_rules_know_every_required_esp(prepared):
    assert set(REQUIRED_KEYS) <= set(prepared.esp.names)
    assert len(prepared.esp.names) >= 30


def test_compiled_rules_travel_to_worker_processes(prepared):
    assert pickle.loads(pickle.dumps(prepared)) == prepared


def test_plain_amazon_ses_with_several_signals_is_high_confidence(prepared):
    row = analyze(
        message(
            "orders@shop.com",
            received=[received("a8-1.smtp-out.amazonses.com", "54.240.8.1")],
            return_path=["<0100018abc@amazonses.com>"],
            dkim_signature=["v=1; d=shop.com; s=a; b=x", "v=1; d=amazonses.com; s=b; b=y"],
            feedback_id=["1.us-east-1.abc=:AmazonSES"],
        ),
        prepared,
    )
    assert esp_of(row) == ("amazon_ses", "high")
    signals = {e["signal"] for e in row["esp_evidence"]}
    assert {"received_host", "return_path", "dkim_domain", "feedback_id"} <= signals


def test_a_platform_sending_through_ses_is_the_platform(prepared):
    row = analyze(
        message(
            "team@acme.io",
            received=[received("a8-2.smtp-out.amazonses.com", "54.240.8.2")],
            return_path=["<0100018abc@intercom-mail.com>"],
            dkim_signature=["v=1; d=acme.io; s=a; b=x", "v=1; d=intercom-mail.com; s=b; b=y"],
            x_intercom_message_id=["123"],
            feedback_id=["1.us-east-1.abc=:AmazonSES"],
        ),
        prepared,
    )
    assert esp_of(row) == ("intercom", "high")
    assert row["esp_infrastructure"] == "amazon_ses"


def test_braze_over_sendgrid_and_marketo_over_sparkpost(prepared):
    braze = message(
        "hello@e.streamly.tv",
        x_sg_eid=["u001.x"],
        x_braze_dispatch_id=["abc"],
        dkim_signature=["v=1; d=streamly.tv; s=a; b=x", "v=1; d=sendgrid.info; s=b; b=y"],
    )
    marketo = message(
        "events@bigco.com",
        x_msfbl=["abc"],
        x_marketoid=["123-ABC-456"],
        dkim_signature=["v=1; d=bigco.com; s=m1; b=x", "v=1; d=mktdns.com; s=m1; b=y"],
    )
    assert analyze(braze, prepared)["esp_identified"] == "braze"
    assert analyze(marketo, prepared)["esp_identified"] == "marketo"


def test_a_person_on_gmail_has_no_esp(prepared):
    row = analyze(
        message(
            "ann@gmail.com",
            received=[received("mail-sor-f41.google.com", "209.85.220.41")],
            message_id=["<CAabc@mail.gmail.com>"],
            dkim_signature=["v=1; d=gmail.com; s=20230601; b=x"],
            x_gm_message_state=["AOJu0Y"],
        ),
        prepared,
    )
    assert esp_of(row) == (None, None)
    assert row["esp_evidence"] == []


def test_a_company_on_google_workspace_is_google_workspace(prepared):
    row = analyze(
        message(
            "sam@acme.io",
            received=[received("mail-sor-f41.google.com", "209.85.220.41")],
            message_id=["<CAabc@mail.gmail.com>"],
            dkim_signature=["v=1; d=acme.io; s=google; b=x"],
            x_gm_message_state=["AOJu0Y"],
        ),
        prepared,
    )
    assert esp_of(row) == ("google_workspace", "high")


def test_an_esp_employee_writing_from_workspace_is_not_the_esp(prepared):
    # hubspot.com is a HubSpot ESP domain, but here it is the sender's own.
    row = analyze(
        message(
            "rep@hubspot.com",
            return_path=["<rep@hubspot.com>"],
            received=[received("mail-sor-f41.google.com", "209.85.220.41")],
            message_id=["<CAabc@mail.gmail.com>"],
            dkim_signature=["v=1; d=hubspot.com; s=google; b=x"],
        ),
        prepared,
    )
    assert row["esp_identified"] == "google_workspace"


def test_the_senders_own_server_is_custom_smtp(prepared):
    row = analyze(
        message(
            "info@harlowprint.com",
            received=[received("mail.harlowprint.com", "185.1.2.3")],
            message_id=["<abc@mail.harlowprint.com>"],
            x_mailer=["PHPMailer 6.8.1"],
        ),
        prepared,
    )
    assert esp_of(row) == ("custom_smtp", "high")
    assert {"signal": "x_mailer", "value": "phpmailer 6.8.1"} in row["esp_evidence"]


def test_a_mailer_name_alone_is_no_own_server(prepared):
    row = analyze(message("info@harlowprint.com", x_mailer=["PHPMailer 6.8.1"]), prepared)
    assert row["esp_identified"] is None


def test_a_tracking_link_alone_is_low_confidence(prepared):
    body = '<a href="https://acme.us5.list-manage.com/track/click?u=1">Read</a>'
    row = analyze(message("news@acme.org", body=body), prepared)
    assert esp_of(row) == ("mailchimp", "low")
    assert row["esp_evidence"] == [{"signal": "link_domain", "value": "acme.us5.list-manage.com"}]


def test_a_link_to_an_esps_website_is_no_evidence(prepared):
    body = "We moved our newsletter: see https://mailchimp.com/pricing and https://sendgrid.com"
    assert analyze(message("bob@smallfirm.com", body=body), prepared)["esp_identified"] is None


def test_users_add_their_own_esp_in_rules_dir(tmp_path):
    (tmp_path / "esp.yaml").write_text(
        "esps:\n"
        "  acme_mailer:\n"
        "    name: Acme Mailer\n"
        "    domains: [acmemailer.net]\n"
        "    headers: [x-acme-campaign]\n"
        "  sendgrid:\n"
        "    links: [click.example-alias.com]\n"
    )
    rules = prepare_rules(load_rules("esp.yaml", tmp_path), load_rules("freemail.yaml"))
    row = analyze(
        message("x@brand.com", return_path=["<b@bounce.acmemailer.net>"], x_acme_campaign=["1"]),
        rules,
    )
    assert esp_of(row) == ("acme_mailer", "high")
    alias = analyze(message("x@brand.com", body="https://click.example-alias.com/c/1"), rules)
    assert alias["esp_identified"] == "sendgrid"


@pytest.mark.parametrize(
    ("rules", "message_part"),
    [
        ({}, "`esps`"),
        ({"esps": {"x": {"tier": "gold"}}}, "tier 'gold'"),
        ({"esps": {"x": {"domain": ["a.com"]}}}, "unknown key(s) ['domain']"),
        ({"esps": {"x": {"headers": "x-a"}}, "signals": {"smell": "strong"}}, "smell"),
        ({"esps": {"Bad Key": {}}}, "Bad Key"),
        ({"esps": {"x": {"domains": [1]}}}, "list of strings"),
        ({"esps": {"x": {}}, "own_infrastructure": "nope"}, "nope"),
    ],
)
def test_unusable_rules_say_what_to_fix(rules, message_part):
    with pytest.raises(RulesError, match="esp.yaml") as caught:
        compile_rules(rules)
    assert message_part in str(caught.value)

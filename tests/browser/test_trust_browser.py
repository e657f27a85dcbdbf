"""The Suspicious senders page in a real browser: a phishing sender with its evidence,
corrected to legitimate, leaves the list (and the CLI agrees)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import insert
from tests.browser.conftest import shot
from tests.helpers import insert_message
from tests.test_web_support import HOSTILE_NAME
from tests.trust_data import NOW, PHISHING_SIGNALS, plant
from typer.testing import CliRunner

from inboxmine.cli.main import app
from inboxmine.db.engine import write_tx
from inboxmine.db.tables import metadata
from inboxmine.rules.loader import load_rules
from inboxmine.trust import store

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
PHISHER = "paypa1-secure.example"


def _judge(engine, sender, verdict, signals, risk):
    mid = insert_message(
        engine,
        from_address=f"alerts@{sender}",
        from_name=HOSTILE_NAME,
        subject="Your account is limited",
        body_text="Verify your account now.",
    )
    with write_tx(engine) as conn:
        conn.execute(
            insert(metadata.tables["parsed_metadata"]).values(
                message_id=mid, sender_domain=sender, parsed_at=NOW
            )
        )
    plant(engine, sender, verdict, risk_score=risk, signals=signals)
    with write_tx(engine) as conn:
        store.reapply(conn, sender, load_rules("sender_trust.yaml"))


def test_a_phishing_sender_corrected_to_legitimate_leaves_the_list(page, server):
    engine = server["engine"]
    _judge(engine, PHISHER, "phishing", PHISHING_SIGNALS, 93)
    _judge(engine, "lottery-win.example", "spam", [{"signal": "lottery", "weight": 30,
           "detail": "lottery words", "evidence": "You have WON $1,000,000"}], 70)  # fmt: skip

    page.goto(server["url"] + "/admin/suspicious-senders")
    rows = page.locator("tr.trust-sender")
    # Phishing first, then spam.
    assert rows.nth(0).get_attribute("data-sender") == PHISHER
    assert rows.nth(1).get_attribute("data-sender") == "lottery-win.example"
    phisher = page.locator(f'tr[data-sender="{PHISHER}"]')
    assert phisher.locator(".trust-verdict").inner_text() == "phishing"
    text = phisher.inner_text()
    assert "brand_impersonation" in text and "From: PayPal Security <alerts@acme.io>" in text
    assert "dmarc=fail" in text
    assert page.dialogs == []  # nothing from the mail ran as script
    shot(page, "suspicious-senders")

    phisher.locator('select[name="verdict"]').select_option("legitimate")
    phisher.locator('input[name="reason"]').fill("my real bank")
    phisher.locator('button[value="set"]').click()
    page.wait_for_url("**/admin/suspicious-senders?saved=*")
    assert f"{PHISHER}: legitimate (set by you)" in page.locator("#trust-saved").inner_text()
    assert page.locator(f'tr[data-sender="{PHISHER}"]').count() == 0
    assert page.locator('tr[data-sender="lottery-win.example"]').count() == 1

    db_url = engine.url.render_as_string(hide_password=False)
    shown = CliRunner().invoke(app, ["--db", db_url, "trust", "show", PHISHER, "--json"])
    assert shown.exit_code == 0, shown.output
    detail = json.loads(shown.stdout)
    assert (detail["verdict"], detail["source"]) == ("legitimate", "override")
    assert detail["override"]["source"] == "web" and detail["override"]["reason"] == "my real bank"

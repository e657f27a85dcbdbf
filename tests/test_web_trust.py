"""Sender trust over real HTTP: the API (list, show, report, correct, clear, message
verdicts) and the admin's Suspicious senders page, profile and message views."""

from __future__ import annotations

import pytest
from tests.test_web_support import HOSTILE_NAME, login, make_client
from tests.trust_data import PHISHING_SIGNALS, partner_mail, plant, run_5_and_6, warm_thread

from inboxmine.opportunities import queries

HOSTILE_SIGNAL = {
    "signal": "display_name_brand",
    "weight": 40,
    "detail": f"display name {HOSTILE_NAME}",
    "evidence": "<script>alert('evidence')</script>",
}


@pytest.fixture
def client(settings, engine):
    partner_mail(engine)
    warm_thread(engine)
    plant(engine, "acme.io", "phishing", risk_score=92, signals=[*PHISHING_SIGNALS, HOSTILE_SIGNAL])
    plant(engine, "brightlane.io", "legitimate", risk_score=2)
    run_5_and_6(engine, settings)
    with make_client(settings, engine) as c:
        c.headers["X-CSRF-Token"] = login(c)
        yield c


def test_the_api_lists_senders_the_worst_first_and_filters(client):
    body = client.get("/api/trust/senders").json()
    assert body["total"] == 2
    assert [(r["sender_domain"], r["verdict"]) for r in body["items"]] == [
        ("acme.io", "phishing"),
        ("brightlane.io", "legitimate"),
    ]
    only = client.get("/api/trust/senders?verdict=legitimate").json()
    assert [r["sender_domain"] for r in only["items"]] == ["brightlane.io"]
    assert client.get("/api/trust/senders?verdict=evil").status_code == 422


def test_the_api_shows_a_sender_with_evidence_messages_and_a_message_verdict(client):
    detail = client.get("/api/trust/senders/acme.io").json()
    assert detail["verdict"] == "phishing"
    assert detail["signals"][0]["signal"] == "brand_impersonation"
    [message] = detail["messages"]
    assert message["subject"] == "Join the Acme Partner Program"
    own = client.get(f"/api/trust/messages/{message['id']}").json()
    assert own["verdict"] == "phishing" and own["risk_score"] == 92
    assert client.get("/api/trust/senders/nobody.example").status_code == 404
    assert client.get("/api/trust/messages/99999").status_code == 404
    report = client.get("/api/trust/report").json()
    assert [r["sender_domain"] for r in report] == ["acme.io"]


def test_a_correction_through_the_api_applies_at_once_and_is_validated(client, engine, settings):
    bad = client.post("/api/trust/overrides", json={"sender_domain": "acme.io", "verdict": "ok"})
    assert bad.status_code == 422
    response = client.post(
        "/api/trust/overrides",
        json={"sender_domain": "ACME.io", "verdict": "legitimate", "reason": "our partner"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["verdict"], body["source"], body["computed_verdict"]) == (
        "legitimate",
        "override",
        "phishing",
    )
    assert client.get("/api/trust/report").json() == []
    run_5_and_6(engine, settings)
    assert [g["gem_type"] for g in queries.list_gems(engine, sender="acme.io")] == [
        "partner_program"
    ]

    cleared = client.delete("/api/trust/overrides/acme.io")
    assert cleared.status_code == 200 and cleared.json()["trust"]["verdict"] == "phishing"
    assert client.delete("/api/trust/overrides/acme.io").status_code == 404


def test_a_correction_needs_the_csrf_token_with_a_session(client):
    del client.headers["X-CSRF-Token"]
    response = client.post(
        "/api/trust/overrides", json={"sender_domain": "acme.io", "verdict": "legitimate"}
    )
    assert response.status_code == 403
    assert client.get("/api/trust/report").json()[0]["verdict"] == "phishing"


def test_the_suspicious_senders_page_shows_phishing_with_escaped_evidence(client):
    page = client.get("/admin/suspicious-senders")
    assert page.status_code == 200
    html = page.text
    assert 'data-sender="acme.io"' in html and 'data-sender="brightlane.io"' not in html
    assert "brand_impersonation" in html and "dmarc=fail" in html
    assert "<script>alert('evidence')</script>" not in html and HOSTILE_NAME not in html
    assert "&lt;script&gt;alert(" in html
    assert client.get("/admin/suspicious-senders?verdict=bogus").status_code == 422
    focus = client.get("/admin/suspicious-senders?sender=acme.io").text
    assert 'id="trust-focus"' in focus


def test_correcting_in_the_admin_takes_the_sender_off_the_page(client):
    form = {
        "csrf_token": client.headers["X-CSRF-Token"],
        "sender_domain": "acme.io",
        "verdict": "legitimate",
        "reason": "my partner",
        "action": "set",
    }
    response = client.post("/admin/suspicious-senders", data=form, follow_redirects=False)
    assert response.status_code == 303
    after = client.get(response.headers["location"]).text
    assert 'data-sender="acme.io"' not in after and "acme.io: legitimate (set by you)" in after
    wrong = client.post("/admin/suspicious-senders", data=form | {"verdict": "trusted"})
    assert wrong.status_code == 422 and "unknown trust verdict" in wrong.text


def test_profile_and_message_views_show_the_verdict_with_its_evidence(client):
    profile = client.get("/admin/profiles/details/acme.io").text
    assert 'id="sender-trust"' in profile and 'data-verdict="phishing"' in profile
    assert "brand_impersonation" in profile and "&lt;script&gt;" in profile
    [message] = client.get("/api/trust/senders/acme.io").json()["messages"]
    view = client.get(f"/admin/messages/details/{message['id']}").text
    assert 'id="message-trust"' in view and 'data-verdict="phishing"' in view
    assert "dmarc=fail" in view
    clean = client.get("/admin/profiles/details/brightlane.io").text
    assert 'data-verdict="legitimate"' in clean


def test_a_suspicious_senders_gem_says_so_in_the_explorer_and_its_view(client, engine, settings):
    plant(engine, "acme.io", "suspicious", risk_score=40)
    run_5_and_6(engine, settings)
    [gem] = queries.list_gems(engine, sender="acme.io")
    explorer = client.get("/admin/gem-explorer").text
    assert "suspicious sender</a>" in explorer
    view = client.get(f"/admin/gems/details/{gem['id']}").text
    assert 'id="gem-trust"' in view and "<b>suspicious</b>" in view
    other = next(g for g in queries.list_gems(engine) if g["sender_domain"] == "brightlane.io")
    assert 'id="gem-trust"' not in client.get(f"/admin/gems/details/{other['id']}").text

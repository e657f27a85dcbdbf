"""Stage 1 writes one message_trust row per message (SQLite and PostgreSQL), and
``--reprocess`` replaces them."""

from __future__ import annotations

from sqlalchemy import insert, select, update
from tests.helpers import insert_message

from inboxmine.db.engine import write_tx
from inboxmine.db.tables.ingest import attachments, messages
from inboxmine.db.tables.trust import TRUST_VERDICTS, message_trust
from inboxmine.runner.executor import run_stages


def _trust(engine) -> dict[int, dict]:
    with engine.connect() as conn:
        return {r["message_id"]: dict(r) for r in conn.execute(select(message_trust)).mappings()}


def _mailbox(engine) -> dict[str, int]:
    ids = {
        "person": insert_message(
            engine,
            from_address="dana@brightlane.io",
            from_name="Dana Whitfield",
            subject="Pricing for the Q3 engagement",
            body_text="Could you send pricing for a three-month engagement?",
            headers={
                "authentication-results": ["mx; spf=pass smtp.mailfrom=brightlane.io; dmarc=pass"]
            },
        ),
        "newsletter": insert_message(
            engine,
            from_address="news@brightlane.io",
            subject="What we shipped in May",
            body_html="<p>Our May release notes.</p>",
            headers={
                "list-unsubscribe": ["<https://brightlane.io/u/1>"],
                "list-id": ["<news.brightlane.io>"],
            },
        ),
        "phish": insert_message(
            engine,
            from_address="service@paypa1-secure.top",
            from_name="PayPal Service",
            subject="Your account has been limited",
            body_html='<p>Confirm your identity within 24 hours.</p><a href="http://203.0.113.9/login">https://www.paypal.com/signin</a>',
            headers={
                "authentication-results": ["mx; spf=softfail smtp.mailfrom=paypa1-secure.top"]
            },
        ),
        "junk": insert_message(
            engine,
            from_address="deals@cheap-meds.top",
            subject="Cheap meds",
            body_text="Viagra and Cialis without prescription from our online pharmacy.",
            labels=["[Gmail]/Spam"],
            headers={},
        ),
        "robot": insert_message(
            engine,
            from_address="no-reply@brightlane.io",
            subject="Your receipt for order 4471",
            body_text="Thanks for your payment.",
            headers={},
        ),
        "invoice": insert_message(
            engine,
            from_address="accounts@unknown-supplier.biz",
            subject="Outstanding invoice",
            body_text="Please find attached invoice 2231.",
            headers={},
        ),
    }
    with write_tx(engine) as conn:
        conn.execute(
            insert(attachments),
            [{"message_id": ids["invoice"], "filename": "Invoice_2231.pdf.exe",
              "mime_type": "application/octet-stream", "size_bytes": 10, "is_inline": False}],
        )  # fmt: skip
    return ids


def test_stage_1_writes_a_trust_verdict_per_message(engine, settings):
    ids = _mailbox(engine)

    ok, _ = run_stages(engine, settings, ["metadata"])

    assert ok
    rows = _trust(engine)
    assert set(rows) == set(ids.values())
    verdict = {name: rows[i]["verdict"] for name, i in ids.items()}
    assert verdict == {
        "person": "legitimate",
        "newsletter": "bulk",
        "phish": "phishing",
        "junk": "spam",
        "robot": "automated",
        "invoice": "phishing",
    }
    phish = rows[ids["phish"]]
    names = [s["signal"] for s in phish["signals"]]
    assert {"brand_impersonation", "lookalike_domain", "brand_link_mismatch", "raw_ip_link"} <= set(
        names
    )
    weights = [s["weight"] for s in phish["signals"]]
    assert weights == sorted(weights, reverse=True)
    assert phish["risk_score"] == 100 and phish["computed_at"] is not None
    assert rows[ids["robot"]]["is_automated"] is True
    assert rows[ids["person"]]["is_automated"] is False
    assert {s["signal"] for s in rows[ids["invoice"]]["signals"]} >= {"dangerous_attachment"}
    assert all(r["verdict"] in TRUST_VERDICTS for r in rows.values())


def test_reprocess_replaces_the_rows_and_a_plain_rerun_keeps_them(engine, settings):
    ids = _mailbox(engine)
    run_stages(engine, settings, ["metadata"])
    first = _trust(engine)

    # The user files the person's message under Junk; a plain run does no new work.
    with write_tx(engine) as conn:
        conn.execute(update(messages).where(messages.c.id == ids["person"]).values(labels=["Junk"]))
    run_stages(engine, settings, ["metadata"])
    assert _trust(engine)[ids["person"]]["computed_at"] == first[ids["person"]]["computed_at"]

    ok, _ = run_stages(engine, settings, ["metadata"], parameters={"reprocess": True})

    assert ok
    again = _trust(engine)
    assert set(again) == set(first)  # replaced, never duplicated
    assert again[ids["person"]]["verdict"] == "suspicious"
    assert "junk_folder" in {s["signal"] for s in again[ids["person"]]["signals"]}
    assert again[ids["phish"]]["verdict"] == "phishing"


def test_a_broken_rules_file_fails_the_run_with_the_reason(engine, settings, tmp_path):
    insert_message(engine, from_address="dana@brightlane.io", headers={})
    (tmp_path / "trust.yaml").write_text("thresholds: {spam: lots}\n", encoding="utf-8")
    settings = settings.model_copy(update={"rules_dir": str(tmp_path)})

    ok, [run_id] = run_stages(engine, settings, ["metadata"])

    from inboxmine.runner import ledger

    run = ledger.get_run(engine, run_id)
    assert not ok and run["status"] == "failed"
    assert "trust.yaml" in run["error_message"] and "thresholds.spam" in run["error_message"]

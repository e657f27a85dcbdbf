"""Stage 1 end to end: messages in, parsed_metadata and sender_temporal out."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from tests.helpers import insert_message

from inboxmine.db.tables.ledger import item_errors
from inboxmine.db.tables.metadata_stage import parsed_metadata, sender_temporal
from inboxmine.runner import ledger
from inboxmine.runner.executor import run_stages

SENDGRID_HEADERS = {
    "received": [
        "from o1.ptr1234.shop.com (o1.ptr1234.shop.com. [167.89.1.2]) by mx.example.com "
        "with ESMTPS id x12; Mon, 03 Mar 2025 10:00:04 -0800",
    ],
    "authentication-results": [
        "mx.example.com; dkim=pass header.i=@shop.com header.s=s1; "
        "dkim=pass header.i=@sendgrid.info header.s=smtpapi; "
        "spf=pass smtp.mailfrom=em123.shop.com; dmarc=pass header.from=shop.com"
    ],
    "dkim-signature": ["v=1; d=shop.com; s=s1; b=x", "v=1; d=sendgrid.info; s=smtpapi; b=y"],
    "return-path": ["<bounces+1@em123.shop.com>"],
    "x-sg-eid": ["u001.abc"],
    "list-unsubscribe": ["<https://u1.ct.sendgrid.net/lu/unsubscribe?oc=1>"],
    "list-unsubscribe-post": ["List-Unsubscribe=One-Click"],
}


def _rows(engine, table):
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(table)).mappings()]


def test_the_stage_writes_one_metadata_row_per_message(engine, settings):
    shop = insert_message(
        engine,
        from_address="deals@news.shop.com",
        headers=SENDGRID_HEADERS,
        date_raw="Mon, 3 Mar 2025 10:00:00 -0800",
        sent_at=datetime(2025, 3, 3, 18, 0, tzinfo=UTC),
    )
    friend = insert_message(
        engine,
        from_address="ann.smith@gmail.com",
        headers={"dkim-signature": ["v=1; d=gmail.com; s=20230601; b=x"]},
    )
    mine = insert_message(engine, from_address="me@example.com", is_sent=True, headers={})

    ok, [run_id] = run_stages(engine, settings, ["metadata"])

    assert ok and ledger.get_run(engine, run_id)["items_processed"] == 3
    rows = {row["message_id"]: row for row in _rows(engine, parsed_metadata)}
    assert rows[shop]["sender_domain"] == "shop.com"
    assert rows[shop]["sender_subdomain"] == "news.shop.com"
    assert rows[shop]["esp_identified"] == "sendgrid"
    assert rows[shop]["esp_confidence"] == "high"
    assert {"signal": "header", "value": "x-sg-eid"} in rows[shop]["esp_evidence"]
    assert rows[shop]["authentication_quality"] == "excellent"
    assert rows[shop]["sending_ip"] == "167.89.1.2"
    assert rows[shop]["list_unsubscribe_one_click"] is True
    assert rows[shop]["sent_hour_local"] == 10 and rows[shop]["sent_hour_utc"] == 18
    # A free-mail sender is a person, not the "gmail.com company".
    assert rows[friend]["sender_domain"] == "ann.smith@gmail.com"
    assert rows[friend]["is_freemail"] is True
    assert rows[friend]["esp_identified"] is None
    # The user's own sent mail is kept, flagged, under the user's identity.
    assert rows[mine]["is_sent"] is True and rows[mine]["sender_domain"] == "example.com"


def test_sender_temporal_is_rebuilt_for_the_senders_of_the_run(engine, settings):
    start = datetime(2025, 1, 6, 9, 30, tzinfo=UTC)  # a Monday
    for days in (0, 1, 3, 7):
        insert_message(
            engine,
            from_address="news@brand.io",
            sent_at=start + timedelta(days=days),
            date_raw="Mon, 6 Jan 2025 10:30:00 +0100",
            headers={},
        )
    run_stages(engine, settings, ["metadata"])
    [row] = [r for r in _rows(engine, sender_temporal) if r["sender_domain"] == "brand.io"]
    assert row["total_messages"] == 4
    assert row["first_seen"] == start and row["last_seen"] == start + timedelta(days=7)
    assert row["avg_gap_days"] == round(7 / 3, 4)
    assert row["median_gap_days"] == 2.0
    assert row["most_common_hour_utc"] == 9
    assert row["most_common_hour_local"] == 10

    # A new message updates only its sender's row.
    insert_message(
        engine, from_address="news@brand.io", sent_at=start + timedelta(days=8), headers={}
    )
    run_stages(engine, settings, ["metadata"])
    [row] = [r for r in _rows(engine, sender_temporal) if r["sender_domain"] == "brand.io"]
    assert row["total_messages"] == 5 and row["last_seen"] == start + timedelta(days=8)


def test_odd_headers_never_fail_the_run(engine, settings):
    insert_message(engine, from_address=None, headers={"received": [None, 42], "x": "y"})
    insert_message(engine, from_address="not an address", headers=None)
    insert_message(engine, from_address="a@b.com", headers=["not", "a", "mapping"])

    ok, [run_id] = run_stages(engine, settings, ["metadata"])

    assert ok
    assert ledger.get_run(engine, run_id)["items_failed"] == 0
    assert _rows(engine, item_errors) == []
    assert len(_rows(engine, parsed_metadata)) == 3


def test_a_message_that_cannot_be_analysed_is_recorded_and_the_run_goes_on(
    engine, settings, monkeypatch
):
    from inboxmine.stages import metadata as stage_module

    real = stage_module.analyze

    def fragile(item, prepared):
        if item["from_address"] == "boom@bad.com":
            raise ValueError("cannot read this message")
        return real(item, prepared)

    monkeypatch.setattr(stage_module, "analyze", fragile)
    good = insert_message(engine, from_address="ok@fine.com", headers={})
    bad = insert_message(engine, from_address="boom@bad.com", headers={})

    ok, [run_id] = run_stages(engine, settings, ["metadata"])

    assert ok
    run = ledger.get_run(engine, run_id)
    assert (run["items_processed"], run["items_failed"]) == (2, 1)
    [error] = _rows(engine, item_errors)
    assert error["item_id"] == str(bad) and "cannot read this message" in error["error"]
    assert [r["message_id"] for r in _rows(engine, parsed_metadata)] == [good]


def test_reprocessing_with_new_free_mail_rules_moves_the_sender(engine, settings, tmp_path):
    insert_message(engine, from_address="joe@smallisp.net", headers={})
    run_stages(engine, settings, ["metadata"])
    assert [r["sender_domain"] for r in _rows(engine, sender_temporal)] == ["smallisp.net"]

    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "freemail.yaml").write_text("domains: [smallisp.net]\n")
    settings = settings.model_copy(update={"rules_dir": rules})
    run_stages(engine, settings, ["metadata"], parameters={"reprocess": True})

    assert [r["sender_domain"] for r in _rows(engine, sender_temporal)] == ["joe@smallisp.net"]


def test_a_broken_rules_file_fails_the_run_with_what_to_fix(engine, settings, tmp_path):
    insert_message(engine, from_address="a@b.com", headers={})
    (tmp_path / "esp.yaml").write_text("esps:\n  mine:\n    tier: gold\n")
    settings = settings.model_copy(update={"rules_dir": tmp_path})

    ok, [run_id] = run_stages(engine, settings, ["metadata"])

    assert not ok
    message = ledger.get_run(engine, run_id)["error_message"]
    assert "esp.yaml" in message and "tier 'gold'" in message

"""The timeline from plain rows: order, who owes a reply, what was mentioned."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from inboxmine.timeline.build import THEY_OWE, YOU_OWE, build_timeline, who_owes

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def msg(id, hours, *, sent=False, thread=1, **kw):
    return {
        "id": id,
        "thread_id": thread,
        "sent_at": T0 + timedelta(hours=hours),
        "from_address": "me@mine.example" if sent else "ann@acme.example",
        "subject": kw.pop("subject", "Quote"),
        "is_sent": sent,
        **kw,
    }


def test_their_last_message_means_you_owe_a_reply_and_yours_means_they_do():
    assert who_owes([msg(1, 0), msg(2, 1, sent=True), msg(3, 2)]) == YOU_OWE
    assert who_owes([msg(1, 0), msg(2, 1, sent=True)]) == THEY_OWE
    # Input order does not matter: time does.
    assert who_owes([msg(3, 5, sent=True), msg(1, 0), msg(2, 1)]) == THEY_OWE


def test_newsletters_and_automated_mail_owe_nothing():
    assert who_owes([msg(1, 0, is_bulk=True)]) is None
    assert who_owes([msg(1, 0, sent=True), msg(2, 1, is_automated=True)]) == THEY_OWE
    assert who_owes([msg(1, 0), msg(2, 1, trust_verdict="phishing")]) == YOU_OWE


def test_entries_are_newest_first_with_gems_and_drafts_between_messages():
    messages = [msg(1, 0), msg(2, 48, sent=True), msg(3, 24)]
    timeline = build_timeline(
        messages=messages,
        gems=[{"id": 7, "gem_type": "renewal_leverage", "created_at": T0 + timedelta(hours=30)}],
        drafts=[{"id": 9, "gem_id": 7, "generated_at": T0 + timedelta(hours=60)}],
    )
    order = [(e["kind"], e["id"]) for e in timeline["entries"]]
    assert order == [("draft", 9), ("message", 2), ("gem", 7), ("message", 3), ("message", 1)]
    assert timeline["entries"][1]["direction"] == "out"
    assert timeline["totals"] == {
        "messages": 3,
        "from_them": 2,
        "from_you": 1,
        "threads": 1,
        "you_owe": 0,
        "they_owe": 1,
        "gems": 1,
        "entries": 5,
    }


def test_the_limit_keeps_the_newest_and_the_totals_count_everything():
    messages = [msg(i, i, thread=i) for i in range(1, 11)]
    timeline = build_timeline(messages=messages, limit=3)
    assert [e["id"] for e in timeline["entries"]] == [10, 9, 8]
    assert timeline["totals"]["messages"] == 10 and timeline["totals"]["you_owe"] == 10
    # Same time: the higher id (stored later) first, every time.
    same = build_timeline(messages=[msg(1, 0), msg(2, 0)])
    assert [e["id"] for e in same["entries"]] == [2, 1]


def test_the_stored_thread_verdict_wins_where_threading_decided():
    messages = [msg(1, 0), msg(2, 1, thread=2), msg(3, 2, thread=3)]
    stored = {
        1: {"subject": "Quote", "awaiting_response_from": "none"},  # "thanks, all set"
        2: {"subject": "Renewal", "awaiting_response_from": "user"},
    }
    threads = {
        t["thread_id"]: t
        for t in build_timeline(messages=messages, stored_threads=stored)["threads"]
    }
    assert threads[1]["owes"] is None
    assert threads[2]["owes"] == YOU_OWE and threads[2]["subject"] == "Renewal"
    assert threads[3]["owes"] == YOU_OWE  # no stored row: the last message decides
    assert list(threads) == [3, 2, 1]  # the most recently active thread first


def test_money_dates_and_files_are_attached_to_their_message():
    timeline = build_timeline(
        messages=[msg(1, 0), msg(2, 1)],
        entities=[
            {"message_id": 1, "entity_type": "money", "entity_value": "$4,800/year", "amount": 4800.0, "currency": "USD", "category": "price"},
            {"message_id": 1, "entity_type": "date", "entity_value": "renews on March 3", "date_value": date(2027, 3, 3), "date_kind": "renewal", "is_future": True},
            {"message_id": 2, "entity_type": "person", "entity_value": "Ann"},
        ],
        attachments=[{"message_id": 2, "filename": "quote.pdf", "mime_type": "application/pdf", "size_bytes": 900}],
    )  # fmt: skip
    first = next(e for e in timeline["entries"] if e["id"] == 1)
    second = next(e for e in timeline["entries"] if e["id"] == 2)
    assert first["money"][0]["amount"] == 4800.0 and first["files"] == []
    assert first["dates"][0] == {
        "text": "renews on March 3",
        "date": "2027-03-03",
        "kind": "renewal",
        "is_future": True,
        "message_id": 1,
    }
    assert second["files"][0]["filename"] == "quote.pdf" and second["money"] == []
    assert [m["text"] for m in timeline["money"]] == ["$4,800/year"]
    assert [f["filename"] for f in timeline["files"]] == ["quote.pdf"]


def test_a_shared_thread_that_ended_with_someone_else_is_decided_from_the_timeline():
    # The list thread's stored verdict is about a third person's last message.
    stored = {1: {"awaiting_response_from": "user", "last_sender": "carl@elsewhere.example"}}
    timeline = build_timeline(messages=[msg(1, 0), msg(2, 1, sent=True)], stored_threads=stored)
    assert timeline["threads"][0]["owes"] == THEY_OWE
    stored[1]["last_sender"] = "ann@acme.example"  # hers: the stored verdict holds
    timeline = build_timeline(messages=[msg(1, 0), msg(2, 1, sent=True)], stored_threads=stored)
    assert timeline["threads"][0]["owes"] == YOU_OWE

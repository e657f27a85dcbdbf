"""Threads: grouping, derived fields, who owes a reply, incremental rebuild."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from inboxmine.db.tables.ingest import messages, threads
from inboxmine.sources.base import RawMessage
from inboxmine.sources.importer import import_messages
from inboxmine.sources.replies import awaiting_response_from, new_text, strip_quoted
from inboxmine.sources.threads import (
    ThreadMessage,
    group_messages,
    normalize_subject,
    rebuild_all_threads,
    summarize_thread,
    thread_key,
)

T0 = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


def tm(id, mid=None, minutes=0, **kw):
    kw.setdefault("from_address", "ann@vendor.com")
    kw.setdefault("to_addresses", ["me@example.com"])
    return ThreadMessage(id=id, message_id=mid, sent_at=T0 + timedelta(minutes=minutes), **kw)


# --- pure rules --------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Re: Price list", "price list"),
        ("RE: Fwd: [sales] AW:  Price   list", "price list"),
        ("WG: SV: Re[2]: Price list", "price list"),
        ("Fw: Price list", "price list"),
        ("Price list", "price list"),
        ("Relocation plans", "relocation plans"),
        (None, ""),
    ],
)
def test_normalize_subject_strips_prefixes_and_tags(subject, expected):
    assert normalize_subject(subject) == expected


def test_replies_are_grouped_by_references_even_when_the_root_is_missing():
    root_missing = [
        tm(2, "b@x", 10, in_reply_to="a@x", references=["a@x"]),
        tm(3, "c@x", 20, references=["a@x", "b@x"]),
        tm(4, "d@x", 30),  # unrelated
    ]
    groups = group_messages(root_missing)
    assert sorted(len(g) for g in groups) == [1, 2]
    thread = next(g for g in groups if len(g) == 2)
    assert thread_key(thread) == "a@x"
    # When the root arrives later, it joins and the key does not change.
    with_root = group_messages([*root_missing, tm(1, "a@x", 0)])
    joined = next(g for g in with_root if len(g) == 3)
    assert [m.id for m in joined] == [1, 2, 3] and thread_key(joined) == "a@x"


def test_gmail_thread_id_groups_and_names_the_thread():
    groups = group_messages(
        [tm(1, "a@x", 0, gmail_thread_id="177"), tm(2, "z@x", 5, gmail_thread_id="177")]
    )
    assert len(groups) == 1 and thread_key(groups[0]) == "177"


def test_reply_that_lost_its_headers_joins_by_subject_between_the_same_people():
    original = tm(
        1,
        "a@x",
        0,
        subject="Price list",
        from_address="me@example.com",
        to_addresses=["ann@vendor.com"],
    )
    lost = tm(2, "b@x", 60, subject="RE: price list")  # from ann to me, no In-Reply-To
    stranger = tm(3, "c@x", 90, subject="Re: Price list", from_address="bob@other.com")
    too_late = tm(4, "d@x", 60 * 24 * 45, subject="Re: Price list")
    groups = {tuple(m.id for m in g) for g in group_messages([original, lost, stranger, too_late])}
    assert groups == {(1, 2), (3,), (4,)}


def test_summary_uses_real_time_across_time_zones():
    # Sent "later" by wall clock (10:30 -0800 = 18:30 UTC) but earlier than 19:00 UTC.
    pacific = tm(1, "a@x", 0, from_address="ann@vendor.com", cc_addresses=["cc@vendor.com"])
    pacific.sent_at = datetime(2026, 3, 3, 10, 30, tzinfo=UTC).replace(tzinfo=None).replace(
        tzinfo=UTC
    ) + timedelta(hours=8)
    london = tm(
        2,
        "b@x",
        0,
        from_address="me@example.com",
        to_addresses=["ann@vendor.com"],
        in_reply_to="a@x",
        is_sent=True,
    )
    london.sent_at = datetime(2026, 3, 3, 19, 0, tzinfo=UTC)
    (group,) = group_messages([london, pacific])
    assert [m.id for m in group] == [1, 2]
    summary = summarize_thread(group, "Here it is. Does it work for you?", None, NOW)
    assert summary["first_message_at"] == datetime(2026, 3, 3, 18, 30, tzinfo=UTC)
    assert summary["last_message_at"] == datetime(2026, 3, 3, 19, 0, tzinfo=UTC)
    assert summary["last_sender"] == "me@example.com"
    assert summary["participant_count"] == 3  # ann, cc, me
    assert summary["message_count"] == 2
    assert summary["user_participated"] is True
    assert summary["user_last_replied_at"] == london.sent_at
    assert summary["awaiting_response_from"] == "other"
    assert summary["days_dormant"] == 16


QUOTED_QUESTION = """Thanks, all set.

On Tue, Mar 3, 2026 at 10:02 AM Ann Vendor <
ann@vendor.com> wrote:
> Could you confirm the order?
> Any update?
"""

OUTLOOK = """Attached is the signed copy.

Best regards,
Ann

________________________________
From: Me <me@example.com>
Sent: Tuesday, March 3, 2026 10:02 AM
To: Ann
Subject: order
Can you send the signed copy?
"""


@pytest.mark.parametrize(
    ("sent_by_user", "text", "html", "expected"),
    [
        (False, "Could you send the price list by Friday?\n\nBest,\nAnn", None, "user"),
        (True, "Here is the price list. What do you think?", None, "other"),
        (False, "Please let me know when you are free", None, "user"),
        (False, QUOTED_QUESTION, None, "none"),
        (False, OUTLOOK, None, "none"),
        (
            False,
            "Could you confirm?\n\nActually never mind, got it. Thanks, all set.",
            None,
            "none",
        ),
        (False, "FYI, the invoice is attached.\n-- \nAnn\nQuestions? Call us", None, "none"),
        (
            False,
            None,
            '<div>Sounds good.</div><div class="gmail_quote">On Mon, Ann wrote:<blockquote>Can you call?</blockquote></div>',
            "none",
        ),
        (False, None, "<div>Any update on the proposal?</div>", "user"),
        (
            True,
            "Following up.\n\n-----Original Message-----\nFrom: Ann\nCould you call me?",
            None,
            "none",
        ),
    ],
)
def test_who_owes_a_reply_ignores_quoted_questions(sent_by_user, text, html, expected):
    assert awaiting_response_from(sent_by_user, new_text(text, html)) == expected


def test_strip_quoted_removes_quote_lines_and_attribution():
    assert strip_quoted("Yes.\n> Can you?\n>> Really?\nOn Mon, Bob wrote:\nold") == "Yes."


def test_bulk_mail_asking_questions_owes_nothing_unless_the_user_took_part():
    promo = tm(1, "a@x", 0)
    summary = summarize_thread(
        [promo],
        "Any questions?\nReply to this email.",
        None,
        NOW,
        {"list-unsubscribe": ["<mailto:u@x>"]},
    )
    assert summary["awaiting_response_from"] == "none"
    personal = summarize_thread([promo], "Any questions?\nReply to this email.", None, NOW, {})
    assert personal["awaiting_response_from"] == "user"


# --- database ------------------------------------------------------------------


def raw(mid, sender, to, subject, date, body, extra=""):
    text = f"Message-ID: <{mid}>\nFrom: {sender}\nTo: {to}\nSubject: {subject}\nDate: {date}\n{extra}\n{body}\n"
    return RawMessage(text.encode(), "eml", "test", position=mid)


def run_import(engine, items):
    return import_messages(
        engine, items, source_kind="eml", path="test", my_addresses={"me@example.com"}, now=NOW
    )


def thread_rows(engine):
    with engine.connect() as conn:
        rows = conn.execute(select(threads).order_by(threads.c.id)).mappings().all()
        links = dict(conn.execute(select(messages.c.message_id, messages.c.thread_id)).all())
    return [dict(r) for r in rows], links


def test_incremental_import_merges_threads_when_the_missing_link_arrives(engine):
    ask = raw(
        "1@v",
        "ann@vendor.com",
        "me@example.com",
        "Offer",
        "Tue, 3 Mar 2026 10:00:00 +0000",
        "Could you review the offer?",
    )
    answer = raw(
        "3@m",
        "me@example.com",
        "ann@vendor.com",
        "Re: Offer",
        "Tue, 3 Mar 2026 12:00:00 +0000",
        "Looks fine. Can you send the contract?",
        extra="In-Reply-To: <2@v>\nReferences: <1@v> <2@v>\n",
    )
    first = run_import(engine, [ask, answer])
    assert first.threads_updated == 1
    rows, links = thread_rows(engine)
    assert len(rows) == 1 and rows[0]["thread_key"] == "1@v"
    assert rows[0]["awaiting_response_from"] == "other"

    middle = raw(
        "2@v",
        "ann@vendor.com",
        "me@example.com",
        "Re: Offer",
        "Tue, 3 Mar 2026 11:00:00 +0000",
        "Any update?",
        extra="In-Reply-To: <1@v>\n",
    )
    later = raw(
        "9@x", "bob@x.com", "me@example.com", "Other", "Tue, 3 Mar 2026 13:00:00 +0000", "Hello"
    )
    run_import(engine, [middle, later])
    rows, links = thread_rows(engine)
    offer = next(r for r in rows if r["thread_key"] == "1@v")
    assert offer["message_count"] == 3
    assert links["1@v"] == links["2@v"] == links["3@m"] == offer["id"]
    assert links["9@x"] != offer["id"]
    assert offer["last_sender"] == "me@example.com"
    assert offer["days_dormant"] == 17
    before = {r["thread_key"]: r for r in rows}

    # The daily refresh recomputes the same threads, with a new days_dormant.
    assert rebuild_all_threads(engine, now=NOW + timedelta(days=3)) == 2
    rows, links2 = thread_rows(engine)
    assert links2 == links
    after = {r["thread_key"]: r for r in rows}
    assert after["1@v"]["days_dormant"] == before["1@v"]["days_dormant"] + 3
    assert after["1@v"]["message_count"] == 3


def test_root_arriving_after_its_reply_is_found_through_in_reply_to(engine):
    reply = raw(
        "2@v",
        "ann@vendor.com",
        "me@example.com",
        "Re: Q",
        "Tue, 3 Mar 2026 11:00:00 +0000",
        "Answer",
        extra="In-Reply-To: <1@m>\n",
    )
    run_import(engine, [reply])
    root = raw(
        "1@m",
        "me@example.com",
        "ann@vendor.com",
        "Q",
        "Tue, 3 Mar 2026 10:00:00 +0000",
        "Question?",
    )
    run_import(engine, [root])
    rows, links = thread_rows(engine)
    assert len(rows) == 1 and rows[0]["message_count"] == 2
    assert links["1@m"] == links["2@v"]


def _mailbox_of_threads():
    """Threads whose messages lie far apart in time and arrive out of order:
    references chains, replies that lost their headers, and lone messages."""
    import random

    items = []
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def date(hours):
        return (start + timedelta(hours=hours)).strftime("%a, %d %b %Y %H:%M:%S +0000")

    for k in range(12):
        who = f"p{k}@firm{k}.com"
        base = k * 30
        items.append(raw(f"r{k}@x", who, "me@example.com", f"Topic {k}", date(base), "Hi?"))
        items.append(
            raw(
                f"a{k}@m",
                "me@example.com",
                who,
                f"Re: Topic {k}",
                date(base + 50),
                "Yes.",
                extra=f"In-Reply-To: <r{k}@x>\nReferences: <r{k}@x>\n",
            )
        )
        items.append(
            raw(
                f"b{k}@x",
                who,
                "me@example.com",
                f"Re: Topic {k}",
                date(base + 200),
                "Thanks!",
                extra=f"References: <r{k}@x> <a{k}@m>\n",
            )
        )
        # Lost its headers: joins by subject, between the same people, days later.
        items.append(
            raw(f"l{k}@x", who, "me@example.com", f"RE: Topic {k}", date(base + 400), "And?")
        )
        items.append(raw(f"n{k}@y", f"x{k}@news.com", "me@example.com", "Weekly", date(base), "."))
    # Siblings whose shared parent was never stored, told apart by their roots.
    items.append(
        raw(
            "s1@y",
            "cy@w.com",
            "me@example.com",
            "Re: Plan",
            date(10),
            "One.",
            extra="In-Reply-To: <z@gone>\nReferences: <q@gone> <z@gone>\n",
        )
    )
    items.append(
        raw(
            "s2@y",
            "dee@w.com",
            "me@example.com",
            "Re: Plan",
            date(300),
            "Two.",
            extra="In-Reply-To: <z@gone>\n",
        )
    )
    random.Random(7).shuffle(items)
    return items


def test_threading_in_small_batches_finds_the_threads_of_the_whole_mailbox(engine, monkeypatch):
    """A first import threads its messages a few at a time (memory stays flat),
    oldest first; the threads are those of grouping every message at once."""
    from inboxmine.sources import threads as threading

    monkeypatch.setattr(threading, "THREAD_BATCH", 3)
    summary = run_import(engine, _mailbox_of_threads())
    with engine.connect() as conn:
        everything = [
            threading._to_thread_message(row) for row in conn.execute(select(*threading._COLUMNS))
        ]
        stored = conn.execute(select(messages.c.message_id, messages.c.thread_id)).all()
    whole = {frozenset(m.message_id for m in group) for group in group_messages(everything)}
    by_thread: dict[int, set[str]] = {}
    for message_id, thread_id in stored:
        assert thread_id is not None, f"{message_id} was left without a thread"
        by_thread.setdefault(thread_id, set()).add(message_id)
    assert {frozenset(ids) for ids in by_thread.values()} == whole
    assert frozenset({"r3@x", "a3@m", "b3@x", "l3@x"}) in whole  # the lost reply joined
    assert frozenset({"s1@y", "s2@y"}) in whole
    rows, _ = thread_rows(engine)
    assert len(rows) == len(whole) == summary.threads_updated
    assert {r["message_count"] for r in rows if r["thread_key"].endswith("@x")} == {4}

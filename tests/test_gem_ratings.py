"""Judging the gems: one rating per gem, what a bad rating teaches gem detection,
the spam mark, and precision from the ratings (SQLite and PostgreSQL).

The feedback is checked end to end on the demo mailbox: rate, run stages 5-6
again, and the judged sender/thread is not proposed again for that type.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select
from tests.helpers import demo_database

from inboxmine.db.engine import read_tx, write_tx
from inboxmine.db.tables.opportunities import gems
from inboxmine.db.tables.trust import gem_ratings, gem_suppressions
from inboxmine.opportunities import feedback, quality, queries
from inboxmine.opportunities.gems.base import GemCandidate
from inboxmine.runner.executor import run_stages
from inboxmine.services import ratings
from inboxmine.trust import overrides

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _gem(engine, gem_type="partner_program", sender="acme.io", score=50, thread_key="", **extra):
    values = {
        "gem_type": gem_type,
        "sender_domain": sender,
        "thread_key": thread_key,
        "thread_id": int(thread_key) if thread_key else None,
        "status": "new",
        "score": score,
        "detector_score": score,
        "summary": f"{gem_type} from {sender}",
        "created_at": NOW,
        **extra,
    }
    with write_tx(engine) as conn:
        return int(conn.execute(insert(gems).values(**values)).inserted_primary_key[0])


def _rate(engine, gem_id, rating, reason=None, note=None):
    with write_tx(engine) as conn:
        return ratings.rate(conn, gem_id, rating, reason, note)


def _unrate(engine, gem_id):
    with write_tx(engine) as conn:
        return ratings.unrate(conn, gem_id)


def _rows(engine, table):
    with read_tx(engine) as conn:
        return [dict(r) for r in conn.execute(select(table).order_by(table.c.id)).mappings()]


def _suppressions(engine):
    return {
        (r["sender_domain"], r["gem_type"], r["thread_key"])
        for r in _rows(engine, gem_suppressions)
    }


def _status(engine, gem_id):
    return queries.gem_detail(engine, gem_id)["status"]


# ------------------------------------------------------------------ the rating


def test_a_rating_keeps_the_gems_facts_and_re_rating_replaces_it(engine):
    _gem(engine, "vendor_upsell", "top.io", score=90)
    thread_gem = _gem(engine, "unanswered_ask", "dana@gmail.com", score=70, thread_key="41")
    _gem(engine, "industry_intel", "low.io", score=10)

    first = _rate(engine, thread_gem, "good", note="  worth a call  ")["rating"]
    assert (first["gem_type"], first["sender_domain"], first["thread_key"]) == (
        "unanswered_ask",
        "dana@gmail.com",
        "41",
    )
    assert (first["rank_at_rating"], first["score_at_rating"]) == (2, 70)
    assert first["note"] == "worth a call" and first["rated_by"] == "cli"

    again = _rate(engine, thread_gem, "bad", "already_handled", "replied by phone")["rating"]
    [row] = _rows(engine, gem_ratings)
    assert row["id"] == first["id"] == again["id"]
    assert (row["rating"], row["reason"], row["note"]) == (
        "bad",
        "already_handled",
        "replied by phone",
    )
    assert row["created_at"] == first["created_at"] and row["updated_at"] is not None
    assert _status(engine, thread_gem) == "dismissed"


@pytest.mark.parametrize(
    ("rating", "reason", "expected"),
    [
        ("bad", "boring", "choose one of spam, not_a_business, already_handled, my_vendor, other"),
        ("good", "spam", "a reason is for bad ratings only"),
        ("meh", None, "choose good or bad"),
    ],
)
def test_an_invalid_rating_is_refused_and_nothing_is_stored(engine, rating, reason, expected):
    gem_id = _gem(engine)
    with pytest.raises(ratings.InvalidRating, match=expected):
        _rate(engine, gem_id, rating, reason)
    assert _rows(engine, gem_ratings) == [] and _status(engine, gem_id) == "new"


def test_reasons_may_be_written_as_words_and_a_missing_gem_is_named(engine):
    gem_id = _gem(engine)
    assert _rate(engine, gem_id, "bad", "Not a business")["rating"]["reason"] == "not_a_business"
    with pytest.raises(ratings.NotFound, match="gem 4040 does not exist"):
        _rate(engine, 4040, "good")
    with pytest.raises(ratings.NotFound, match="gem 4040 does not exist"):
        _unrate(engine, 4040)


# ------------------------------------------------------------------ feedback rules


def _candidate(gem_type, sender, thread_id=None):
    return GemCandidate(gem_type, sender, "s", [], 50, 0.5, "low", "low", [], thread_id=thread_id)


def test_the_filter_drops_only_what_a_suppression_covers():
    found = [
        _candidate("unanswered_ask", "dana@gmail.com", 7),
        _candidate("unanswered_ask", "dana@gmail.com", 8),
        _candidate("partner_program", "dana@gmail.com"),
        _candidate("partner_program", "acme.io"),
        _candidate("vendor_upsell", "acme.io"),
    ]
    suppressed = {("dana@gmail.com", "unanswered_ask", "7"), ("acme.io", "partner_program", "")}
    kept = feedback.without_suppressed(found, suppressed)
    assert [(c.gem_type, c.sender_domain, c.thread_key) for c in kept] == [
        ("unanswered_ask", "dana@gmail.com", "8"),
        ("partner_program", "dana@gmail.com", ""),
        ("vendor_upsell", "acme.io", ""),
    ]


def test_the_reason_decides_the_scope_of_what_is_suppressed():
    rules = feedback.feedback_rules()
    thread = {
        "rating": "bad",
        "sender_domain": "d@x.io",
        "gem_type": "dormant_warm_thread",
        "thread_key": "9",
    }
    assert feedback.suppression_for({**thread, "reason": "already_handled"}, rules)[2] == "9"
    assert feedback.suppression_for({**thread, "reason": "other"}, rules)[2] == "9"
    assert feedback.suppression_for({**thread, "reason": None}, rules)[2] == "9"
    for sender_wide in ("spam", "not_a_business", "my_vendor"):
        assert feedback.suppression_for({**thread, "reason": sender_wide}, rules)[2] == ""
    assert feedback.suppression_for({**thread, "rating": "good", "reason": None}, rules) is None
    assert feedback.trust_verdict_of("spam", rules) == "spam"
    assert feedback.trust_verdict_of("my_vendor", rules) is None


def test_a_rules_file_of_your_own_changes_a_scope_and_a_bad_one_is_named(tmp_path):
    (tmp_path / "gem_feedback.yaml").write_text("reasons:\n  other:\n    scope: sender\n")
    assert feedback.scope_of("other", feedback.feedback_rules(tmp_path)) == "sender"
    (tmp_path / "gem_feedback.yaml").write_text("reasons:\n  other:\n    scope: galaxy\n")
    with pytest.raises(Exception, match="gem_feedback.yaml: reasons.other.scope is 'galaxy'"):
        feedback.feedback_rules(tmp_path)


def test_a_suppression_taught_by_two_ratings_stays_until_both_are_gone(engine):
    one = _gem(engine, "dormant_warm_thread", "bob@corp.io", thread_key="1")
    two = _gem(engine, "dormant_warm_thread", "bob@corp.io", thread_key="2")
    _rate(engine, one, "bad", "not_a_business")
    _rate(engine, two, "bad", "not_a_business")
    assert _suppressions(engine) == {("bob@corp.io", "dormant_warm_thread", "")}
    _unrate(engine, one)
    [row] = _rows(engine, gem_suppressions)
    assert row["gem_rating_id"] == _rows(engine, gem_ratings)[0]["id"]
    assert _status(engine, one) == "new" and _status(engine, two) == "dismissed"
    _rate(engine, two, "good")
    assert _suppressions(engine) == set() and _status(engine, two) == "new"


# ------------------------------------------------------------------ spam marks the sender


def test_a_spam_rating_marks_the_sender_and_rating_it_good_again_clears_the_mark(engine):
    gem_id = _gem(engine, "weak_marketing_lead", "ex.pharmacy@outlook.com")
    result = _rate(engine, gem_id, "bad", "spam")
    assert result["trust"] == {"verdict": "spam", "source": "rating", "changed": True}
    with read_tx(engine) as conn:
        mark = overrides.get_override(conn, "ex.pharmacy@outlook.com")
    assert (mark["verdict"], mark["source"]) == ("spam", "rating")
    assert f"gem {gem_id}" in mark["reason"]

    _rate(engine, gem_id, "bad", "my_vendor")
    with read_tx(engine) as conn:
        assert overrides.get_override(conn, "ex.pharmacy@outlook.com") is None


def test_your_own_trust_verdict_is_never_replaced_or_cleared_by_a_rating(engine):
    gem_id = _gem(engine, "partner_program", "pharmacist.example")
    with write_tx(engine) as conn:
        overrides.set_override(conn, "pharmacist.example", "legitimate", "my pharmacist", "cli")
    result = _rate(engine, gem_id, "bad", "spam")
    assert result["trust"] == {"verdict": "legitimate", "source": "cli", "changed": False}
    _unrate(engine, gem_id)
    with read_tx(engine) as conn:
        assert overrides.get_override(conn, "pharmacist.example")["verdict"] == "legitimate"


# ------------------------------------------------------------------ on the demo mailbox


@pytest.fixture
def demo_gems(engine, settings, demo_corpus):
    """The demo mailbox through stages 1-6; returns (settings, {gem_type: gem})."""
    demo = demo_corpus(seed=7, messages=300, now=NOW)
    settings, _ = demo_database(
        engine, settings, demo, ["all"], now=NOW, parameters={"now": NOW.isoformat()}
    )
    found = {g["gem_type"]: g for g in queries.list_gems(engine)}
    assert {"weak_marketing_lead", "unanswered_ask", "partner_program"} <= set(found)
    return settings, found


def _rerun(engine, settings):
    ok, _ = run_stages(
        engine, settings, ["profile", "segment"], parameters={"now": NOW.isoformat()}
    )
    assert ok
    return {(g["gem_type"], g["sender_domain"]): g for g in queries.list_gems(engine)}


def test_a_bad_gem_is_not_proposed_again_for_that_type_while_the_others_stay(engine, demo_gems):
    settings, found = demo_gems
    lead, ask = found["weak_marketing_lead"], found["unanswered_ask"]
    before = _rerun(engine, settings)
    _rate(engine, lead["id"], "bad", "not_a_business")
    _rate(engine, ask["id"], "bad", "already_handled")
    assert _suppressions(engine) == {
        (lead["sender_domain"], "weak_marketing_lead", ""),
        (ask["sender_domain"], "unanswered_ask", str(ask["thread_id"])),
    }
    # A suppression of another type leaves that sender's gem alone.
    partner = found["partner_program"]
    with write_tx(engine) as conn:
        conn.execute(
            insert(gem_suppressions).values(
                sender_domain=partner["sender_domain"],
                gem_type="vendor_upsell",
                thread_key="",
                created_at=NOW,
            )
        )

    after = _rerun(engine, settings)
    judged = {
        ("weak_marketing_lead", lead["sender_domain"]),
        ("unanswered_ask", ask["sender_domain"]),
    }
    assert set(after) == set(before) - judged
    assert after[("partner_program", partner["sender_domain"])]["status"] == "new"
    assert _status(engine, lead["id"]) == "expired"

    # Taking the rating back lets detection propose the gem again, as new.
    _unrate(engine, lead["id"])
    again = _rerun(engine, settings)
    assert again[("weak_marketing_lead", lead["sender_domain"])]["id"] == lead["id"]
    assert again[("weak_marketing_lead", lead["sender_domain"])]["status"] == "new"


def test_a_good_rating_suppresses_nothing(engine, demo_gems):
    settings, found = demo_gems
    partner = found["partner_program"]
    result = _rate(engine, partner["id"], "good")
    assert result["suppressions"] == [] and result["status"] == "new"
    after = _rerun(engine, settings)
    assert after[("partner_program", partner["sender_domain"])]["status"] == "new"
    assert _suppressions(engine) == set()


# ------------------------------------------------------------------ quality


def test_quality_is_honest_when_nothing_is_rated(engine):
    _gem(engine)
    with read_tx(engine) as conn:
        report = quality.quality(conn)
    assert report["rated"] == 0 and report["precision"] is None and report["by_type"] == []
    assert all(t["precision"] is None for t in report["top"])
    assert "inboxmine gems rate" in report["note"]


def test_precision_overall_per_type_and_for_the_top_ranks_follows_the_ratings():
    rows = [
        {"rating": "good" if rank % 3 else "bad", "reason": None if rank % 3 else "spam",
         "gem_type": "a" if rank % 2 else "b", "rank_at_rating": rank}
        for rank in range(1, 26)
    ]  # fmt: skip
    report = quality.precision_report(rows)
    bad_ranks = [r for r in range(1, 26) if r % 3 == 0]
    assert (report["rated"], report["bad"]) == (25, len(bad_ranks))
    assert report["precision"] == round((25 - len(bad_ranks)) / 25, 4)
    top10, top20 = report["top"]
    assert (top10["rated"], top10["bad"]) == (10, 3) and top10["precision"] == 0.7
    assert (top20["rated"], top20["bad"]) == (20, 6) and top20["precision"] == 0.7
    by_type = {t["gem_type"]: t for t in report["by_type"]}
    assert by_type["a"]["rated"] == 13 and by_type["b"]["rated"] == 12
    assert by_type["a"]["bad"] + by_type["b"]["bad"] == len(bad_ranks)
    assert report["bad_reasons"] == {"spam": len(bad_ranks)}


def test_quality_reads_the_stored_ratings(engine):
    ids = [
        _gem(engine, t, f"s{n}.io", score=90 - n)
        for n, t in enumerate(["a_type", "a_type", "b_type", "b_type"])
    ]
    _rate(engine, ids[0], "good")
    _rate(engine, ids[1], "bad", "my_vendor")
    _rate(engine, ids[2], "good")
    _rate(engine, ids[3], "bad")
    with read_tx(engine) as conn:
        report = quality.quality(conn)
    assert (report["rated"], report["good"], report["precision"]) == (4, 2, 0.5)
    assert [(t["gem_type"], t["good"], t["bad"]) for t in report["by_type"]] == [
        ("a_type", 1, 1),
        ("b_type", 1, 1),
    ]
    assert report["bad_reasons"] == {"my_vendor": 1, "none": 1}
    assert report["suppressions"] == 2 and report["note"] is None

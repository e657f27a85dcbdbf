"""The digest, pure: what counts as new and changed, the renewals window, drafts waiting, since."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from inboxmine.digest.build import build_digest, renewals_due
from inboxmine.digest.since import SinceError, resolve_since
from inboxmine.rules.loader import load_rules

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
SINCE = NOW - timedelta(days=2)
RULES = load_rules("digest.yaml")


def gem(id, created, gem_type="partner_program", score=50, status="new", **stamps):
    return {
        "id": id,
        "gem_type": gem_type,
        "sender_domain": f"s{id}.example",
        "company_name": None,
        "score": score,
        "status": status,
        "urgency": "low",
        "estimated_value": "medium",
        "summary": f"gem {id}",
        "created_at": created,
        **stamps,
    }


def digest(gems=(), profiles=(), drafts=(), baseline=None, since=SINCE, **kw):
    return build_digest(
        gems=list(gems),
        profiles=list(profiles),
        drafts=list(drafts),
        since=resolve_since(since.isoformat(), NOW, None, 7),
        now=NOW,
        baseline=baseline,
        rules=RULES,
        **kw,
    )


OLD = NOW - timedelta(days=30)
RECENT = NOW - timedelta(hours=3)


def test_a_gem_created_in_the_window_is_new_and_an_older_one_is_not():
    made = digest([gem(1, RECENT), gem(2, OLD)])
    assert [g["id"] for g in made.new_gems] == [1]
    assert made.counts["new_gems"] == 1 and not made.nothing_new


def test_new_gems_that_already_expired_are_not_news():
    assert digest([gem(1, RECENT, status="expired")]).new_gems == []


def test_unanswered_asks_have_their_own_section():
    made = digest([gem(1, RECENT, gem_type="unanswered_ask"), gem(2, RECENT)])
    assert [g["id"] for g in made.new_asks] == [1]
    assert [g["id"] for g in made.new_gems] == [2]


def test_a_score_or_status_that_moved_since_the_snapshot_is_a_change():
    gems = [gem(1, OLD, score=70), gem(2, OLD, status="acted"), gem(3, OLD, score=40)]
    baseline = {"1": [55, "new"], "2": [60, "new"], "3": [40, "new"]}
    made = digest(gems, baseline=baseline)
    changes = {g["id"]: g for g in made.changed_gems}
    assert set(changes) == {1, 2}  # gem 3 was detected again, unchanged
    assert (changes[1]["before_score"], changes[1]["score_change"]) == (55, 15)
    assert (changes[2]["before_status"], changes[2]["status"]) == ("new", "acted")
    assert made.compared_with_snapshot


def test_a_revived_gem_is_a_change_from_expired():
    made = digest([gem(1, OLD)], baseline={"1": [50, "expired"]})
    [change] = made.changed_gems
    assert change["before_status"] == "expired" and change["status"] == "new"


def test_without_a_snapshot_only_stamped_status_changes_count():
    gems = [
        gem(1, OLD, status="acted", acted_at=RECENT),
        gem(2, OLD, status="dismissed", dismissed_at=OLD),
        gem(3, OLD, score=99),
    ]
    made = digest(gems)
    assert [g["id"] for g in made.changed_gems] == [1]
    assert made.changed_gems[0]["before_status"] is None
    assert not made.compared_with_snapshot


def test_the_snapshot_holds_every_gem_for_the_next_digest():
    made = digest([gem(1, OLD, score=61, status="acted"), gem(2, RECENT)])
    assert made.gem_snapshot == {"1": [61, "acted"], "2": [50, "new"]}


def _renewal_profile(*days_ahead):
    today = NOW.date()
    return {
        "sender_domain": "vendor.example",
        "company_name": "Vendor",
        "renewal_dates": [
            {"date": (today + timedelta(days=d)).isoformat(), "kind": "renewal", "message_id": 9}
            for d in days_ahead
        ],
    }


def test_renewals_due_are_today_up_to_n_days_ahead_nearest_first():
    due = renewals_due([_renewal_profile(31, 30, 0, -1)], NOW.date(), 30, {"vendor.example": 4})
    assert [r["days_until"] for r in due] == [0, 30]
    assert due[0]["gem_id"] == 4


def test_the_renewal_window_follows_the_flag_over_the_rules():
    profile = _renewal_profile(10, 60)
    assert digest(profiles=[profile]).counts["renewals_due"] == 1  # rules: 30 days
    assert digest(profiles=[profile], renewal_days=90).counts["renewals_due"] == 2
    assert digest(profiles=[profile], renewal_days=5).counts["renewals_due"] == 0


def test_a_malformed_renewal_date_is_skipped():
    profile = {"sender_domain": "v.example", "renewal_dates": [{"date": "someday"}]}
    assert renewals_due([profile], date(2026, 3, 10), 30) == []


def draft(id, gem_id, version=1, status="draft", gem_status="new", generated=OLD, strategy="x"):
    return {
        "id": id,
        "gem_id": gem_id,
        "sender_domain": "d.example",
        "company_name": None,
        "strategy": strategy,
        "version": version,
        "subject_line": f"draft {id}",
        "status": status,
        "generated_at": generated,
        "gem_status": gem_status,
    }


def test_drafts_waiting_are_the_latest_unsent_version_of_open_gems():
    drafts = [
        draft(1, 10, version=1),
        draft(2, 10, version=2, generated=RECENT),  # replaces draft 1
        draft(3, 11, status="sent"),
        draft(4, 12, gem_status="acted"),
        draft(5, 13, status="approved"),
    ]
    made = digest(drafts=drafts)
    assert [d["id"] for d in made.drafts_waiting] == [2, 5]
    assert made.drafts_waiting[0]["is_new"] and not made.drafts_waiting[1]["is_new"]
    assert made.counts["new_drafts"] == 1


def test_nothing_new_when_only_standing_items_remain():
    made = digest([gem(1, OLD)], profiles=[_renewal_profile(5)], drafts=[draft(1, 1)])
    assert made.nothing_new and made.counts["renewals_due"] == 1


def test_since_last_uses_the_previous_digest_or_says_it_is_the_first():
    previous = NOW - timedelta(hours=5)
    assert resolve_since("last", NOW, previous, 7).at == previous
    first = resolve_since("last", NOW, None, 7)
    assert first.at == NOW - timedelta(days=7) and "first digest" in first.note


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-01", datetime(2026, 3, 1, tzinfo=UTC)),
        ("2026-03-01T09:30+01:00", datetime(2026, 3, 1, 8, 30, tzinfo=UTC)),
        ("24h", NOW - timedelta(hours=24)),
        ("2w", NOW - timedelta(weeks=2)),
    ],
)
def test_since_takes_dates_and_spans(value, expected):
    assert resolve_since(value, NOW, None, 7).at == expected


@pytest.mark.parametrize("value", ["yesterday-ish", "2027-01-01", "5y"])
def test_an_unusable_since_says_what_is_accepted(value):
    with pytest.raises(SinceError, match="since"):
        resolve_since(value, NOW, None, 7)

"""Send times and the temporal pattern of a sender."""

from datetime import UTC, datetime, timedelta

from inboxmine.forensics.temporal import send_time, summarize, utc_offset_minutes


def test_the_senders_offset_comes_from_its_date_header():
    assert utc_offset_minutes("Mon, 3 Mar 2025 10:00:00 -0800") == -480
    assert utc_offset_minutes("Mon, 3 Mar 2025 10:00:00 +0530 (IST)") == 330
    assert utc_offset_minutes("Mon, 3 Mar 2025 10:00:00 GMT") == 0
    # -0000 means "local time unknown"; garbage and absurd offsets give nothing.
    assert utc_offset_minutes("Mon, 3 Mar 2025 10:00:00 -0000") is None
    assert utc_offset_minutes("yesterday-ish") is None
    assert utc_offset_minutes("Mon, 3 Mar 2025 10:00:00 +9900") is None
    assert utc_offset_minutes(None) is None


def test_send_time_in_utc_and_local():
    moment = datetime(2025, 3, 3, 2, 30, tzinfo=UTC)  # Monday 02:30 UTC
    local = send_time(moment, -480)
    assert (local.hour_utc, local.hour_local, local.weekday) == (2, 18, 6)  # Sunday evening
    assert send_time(moment, None).hour_local is None


def test_summary_of_a_sender():
    start = datetime(2025, 1, 6, 9, tzinfo=UTC)
    rows = [
        (start + timedelta(days=d), 9, 10, 0)
        for d in (7, 0, 1)  # any order
    ] + [(None, None, None, None)]  # imported without a real date: counted only
    summary = summarize(rows)
    assert summary["total_messages"] == 4 and summary["timed_messages"] == 3
    assert summary["first_seen"] == start and summary["last_seen"] == start + timedelta(days=7)
    assert summary["avg_gap_days"] == 3.5 and summary["median_gap_days"] == 3.5
    assert (summary["most_common_hour_utc"], summary["most_common_hour_local"]) == (9, 10)
    assert summary["most_common_weekday"] == 0


def test_one_message_has_no_gaps_and_ties_go_to_the_earliest_hour():
    one = summarize([(datetime(2025, 1, 1, tzinfo=UTC), 5, None, 2)])
    assert one["avg_gap_days"] is None and one["median_gap_days"] is None
    assert one["most_common_hour_local"] is None
    tie = summarize([(datetime(2025, 1, 1, h, tzinfo=UTC), h, h, 2) for h in (14, 8)])
    assert tie["most_common_hour_utc"] == 8

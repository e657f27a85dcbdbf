"""Reading habits: pure figures, then counted from a real database (SQLite
and PostgreSQL), the CLI, and the CSV export."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime

import pytest
from tests.people_mail import load_people_mail
from typer.testing import CliRunner

from inboxmine.cli.main import app
from inboxmine.habits.export import csv_text
from inboxmine.habits.figures import HabitRules, habit_rows, never_read, read_rate, sort_rows
from inboxmine.habits.queries import HabitsError, reading_habits

RULES = HabitRules(min_messages=3, max_read_ratio=0.0)

# ------------------------------------------------------------------ pure


def test_read_rate_counts_only_mail_whose_read_state_is_known():
    assert read_rate(1, 3) == 0.25
    assert read_rate(0, 0) is None


def test_never_read_needs_enough_known_mail_and_none_read():
    assert never_read({"read": 0, "unread": 3}, RULES)
    assert not never_read({"read": 0, "unread": 2}, RULES)  # too little to say
    assert not never_read({"read": 1, "unread": 9}, RULES)
    assert never_read({"read": 1, "unread": 9}, HabitRules(3, 0.1))
    assert not never_read({"read": 0, "unread": 0, "read_unknown": 50}, RULES)


def test_rows_sorted_busiest_unread_first_and_by_read_rate():
    counted = [
        {"key": "a.example", "messages": 10, "read": 5, "unread": 5, "replied": 1},
        {"key": "b.example", "messages": 8, "read": 0, "unread": 8, "replied": 0},
        {"key": "c.example", "messages": 3, "read": 0, "unread": 0, "replied": 0},
    ]
    rows = habit_rows(counted, RULES)
    assert [r["key"] for r in sort_rows(rows, "unread")] == ["b.example", "a.example", "c.example"]
    assert [r["key"] for r in sort_rows(rows, "read_rate")] == [
        "b.example",
        "a.example",
        "c.example",
    ]
    assert [r["key"] for r in habit_rows(counted, RULES, only_never_read=True)] == ["b.example"]
    assert rows[0]["reply_rate"] == 0.1
    with pytest.raises(ValueError, match="sort must be one of"):
        sort_rows(rows, "name")


def test_csv_cells_that_would_be_formulas_are_neutralized():
    rows = [{"sender": "=cmd|'/c calc'!A1", "messages": 3, "last_at": datetime(2026, 1, 1, tzinfo=UTC), "unsubscribe_url": "@SUM(1)"}]  # fmt: skip
    table = list(csv.reader(csv_text(rows).splitlines()))
    assert table[0][0] == "sender"
    assert table[1][0] == "'=cmd|'/c calc'!A1"
    assert "'@SUM(1)" in table[1]
    assert "2026-01-01T00:00:00+00:00" in table[1]


# ------------------------------------------------------------ database


@pytest.fixture
def mail(engine, settings, tmp_path):
    return load_people_mail(engine, settings, tmp_path)


def _by_key(rows):
    return {r["key"]: r for r in rows}


def test_habits_per_sender_count_read_unread_unknown_and_replies(engine, mail):
    rows = _by_key(reading_habits(engine))
    weekly = rows["weekly.example"]
    assert (weekly["messages"], weekly["read"], weekly["unread"], weekly["read_unknown"]) == (
        4,
        0,
        4,
        0,
    )
    assert weekly["never_read"] and weekly["read_rate"] == 0.0
    # The newest one-click link (RFC 8058), not the mailto.
    assert weekly["unsubscribe_url"] == "https://weekly.example/unsub/23"
    assert weekly["unsubscribe_one_click"] is True
    assert weekly["unsubscribe_email"] == "leave@weekly.example"
    shop = rows["shop.example"]
    assert (shop["read"], shop["unread"], shop["never_read"]) == (1, 2, False)
    assert (
        shop["unsubscribe_url"] is None and shop["unsubscribe_email"] == "unsubscribe@shop.example"
    )
    nostatus = rows["nostatus.example"]
    assert (nostatus["read_unknown"], nostatus["read_rate"], nostatus["never_read"]) == (
        3,
        None,
        False,
    )
    newco = rows["newco.example"]
    # Ann's "Hello from Newco" and Bob's "Partnership" got the user's replies.
    assert newco["replied"] == 2 and newco["messages"] == 4
    assert rows["oldco.example"]["replied"] == 1
    # Sent mail is not a habit.
    assert "mine.example" not in rows


def test_never_read_report_and_per_list_grouping(engine, mail):
    never = reading_habits(engine, never_read_only=True)
    assert [r["key"] for r in never] == ["weekly.example"]
    lists = reading_habits(engine, by="list")
    assert [r["list"] for r in lists] == ["weekly.list.weekly.example"]
    assert lists[0]["sender_domain"] == "weekly.example" and lists[0]["unread"] == 4
    assert [r["key"] for r in reading_habits(engine, search="SHOP")] == ["shop.example"]
    with pytest.raises(HabitsError, match="group by one of sender, list"):
        reading_habits(engine, by="folder")


# ------------------------------------------------------------------ CLI


def _cli(db_url, *args):
    return CliRunner().invoke(app, ["--db", db_url, *args])


def test_cli_never_read_json_and_csv(db_url, engine, mail, tmp_path):
    result = _cli(db_url, "habits", "--never-read", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["sender"] for r in rows] == ["weekly.example"]
    assert rows[0]["unread"] == 4 and rows[0]["unsubscribe_one_click"] is True

    out = tmp_path / "never.csv"
    result = _cli(db_url, "habits", "--csv", str(out))
    assert result.exit_code == 0 and "wrote 6 rows" in result.output
    table = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {r["sender"] for r in table} >= {"weekly.example", "shop.example", "newco.example"}

    text = _cli(db_url, "habits", "--by", "list")
    assert text.exit_code == 0 and "weekly.list.weekly.example" in text.output
    assert "never unsubscribes or sends anything" in text.output
    bad = _cli(db_url, "habits", "--sort", "size")
    assert bad.exit_code != 0 and "sort must be one of" in bad.output

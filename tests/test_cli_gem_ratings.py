"""``inboxmine gems rate / unrate / quality`` as a user types them (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from tests.test_gem_ratings import _gem, _rows, _status, _suppressions
from typer.testing import CliRunner

from inboxmine.cli.main import app
from inboxmine.db.engine import read_tx
from inboxmine.db.tables.trust import gem_ratings
from inboxmine.trust import overrides


def cli(db_url, *args, code=0):
    result = CliRunner().invoke(app, ["--db", db_url, *args])
    assert result.exit_code == code, result.output
    return result


def test_rating_a_gem_bad_says_what_it_taught(engine, db_url):
    gem_id = _gem(engine, "weak_marketing_lead", "ex.pharmacy@outlook.com")
    out = cli(
        db_url, "gems", "rate", str(gem_id), "bad", "--reason", "spam", "--note", "viagra"
    ).output
    assert f"gem {gem_id} rated bad (spam); status dismissed" in out
    assert (
        "not proposed again: ex.pharmacy@outlook.com for weak_marketing_lead (every thread)" in out
    )
    assert "sender marked spam" in out
    [row] = _rows(engine, gem_ratings)
    assert (row["rating"], row["reason"], row["note"], row["rated_by"]) == (
        "bad",
        "spam",
        "viagra",
        "cli",
    )
    with read_tx(engine) as conn:
        assert overrides.get_override(conn, "ex.pharmacy@outlook.com")["source"] == "rating"
    assert "rated bad (spam): viagra" in cli(db_url, "gems", "explain", str(gem_id)).output


def test_a_thread_gem_already_handled_is_suppressed_for_that_thread_only(engine, db_url):
    gem_id = _gem(engine, "dormant_warm_thread", "dana@acme.io", thread_key="12")
    out = cli(db_url, "gems", "rate", str(gem_id), "bad", "--reason", "already handled").output
    assert "rated bad (already_handled)" in out and "(thread 12)" in out
    assert _suppressions(engine) == {("dana@acme.io", "dormant_warm_thread", "12")}


def test_re_rating_good_and_unrating_undo_the_feedback(engine, db_url):
    gem_id = _gem(engine)
    cli(db_url, "gems", "rate", str(gem_id), "bad", "--reason", "my_vendor")
    out = cli(db_url, "gems", "rate", str(gem_id), "good").output
    assert "rated good; status new" in out and _suppressions(engine) == set()
    cli(db_url, "gems", "rate", str(gem_id), "bad")
    assert _status(engine, gem_id) == "dismissed" and len(_suppressions(engine)) == 1
    out = cli(db_url, "gems", "unrate", str(gem_id)).output
    assert "rating bad removed; status new" in out
    assert _rows(engine, gem_ratings) == [] and _suppressions(engine) == set()
    again = cli(db_url, "gems", "unrate", str(gem_id), code=1).output
    assert f"gem {gem_id} has no rating" in again


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["bad", "--reason", "boring"], "choose one of spam, not_a_business, already_handled, my_vendor, other"),
        (["good", "--reason", "spam"], "a reason is for bad ratings only"),
        (["fine"], "unknown rating 'fine': choose good or bad"),
    ],
)  # fmt: skip
def test_a_bad_rating_command_fails_with_one_clear_line(engine, db_url, args, expected):
    gem_id = _gem(engine)
    result = cli(db_url, "gems", "rate", str(gem_id), *args, code=1)
    [line] = result.output.strip().splitlines()
    assert line.startswith("error: ") and expected in line
    assert _rows(engine, gem_ratings) == []


def test_quality_prints_precision_and_says_when_nothing_is_rated(engine, db_url):
    assert "no gem is rated yet" in cli(db_url, "gems", "quality").output
    assert json.loads(cli(db_url, "gems", "quality", "--json").output)["precision"] is None

    ids = [_gem(engine, "partner_program", f"p{n}.io", score=80 - n) for n in range(3)]
    ids.append(_gem(engine, "vendor_upsell", "v.io", score=10))
    for gem_id, verdict in zip(ids, ["good", "good", "bad", "bad"], strict=True):
        cli(db_url, "gems", "rate", str(gem_id), verdict)
    cli(db_url, "gems", "rate", str(ids[3]), "bad", "--reason", "not_a_business")

    report = json.loads(cli(db_url, "gems", "quality", "--json").output)
    assert (report["rated"], report["good"], report["bad"], report["precision"]) == (4, 2, 2, 0.5)
    assert report["bad_reasons"] == {"not_a_business": 1, "none": 1}
    table = cli(db_url, "gems", "quality").output
    lines = {line.split("│")[1].strip(): line for line in table.splitlines() if line.count("│") > 3}
    assert (
        "50%" in lines["all"]
        and "67%" in lines["partner_program"]
        and "0%" in lines["vendor_upsell"]
    )
    assert "50%" in lines["top 10"]
    assert "bad because: not_a_business 1, none 1" in table

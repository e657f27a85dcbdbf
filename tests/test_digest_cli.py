"""``inboxmine digest`` and ``GET /api/digest`` on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select, update
from tests.test_web_support import login, make_client, plan  # noqa: F401 (plan is a fixture)
from typer.testing import CliRunner

from inboxmine.cli.main import app
from inboxmine.db.engine import write_tx
from inboxmine.db.tables.digest import digest_runs
from inboxmine.db.tables.engage import engagement_drafts
from inboxmine.db.tables.opportunities import gems, sender_profiles

HOSTILE = "<script>alert('digest')</script> \x1b[31mred\x1b[0m & co"


def _now():
    return datetime.now(UTC)


def seed(engine) -> dict:
    now = _now()
    ids = {}
    with write_tx(engine) as conn:
        conn.execute(
            insert(sender_profiles).values(
                sender_domain="vendor.example",
                company_name="Vendor & Sons",
                total_messages=4,
                profiled_at=now,
                next_renewal_date=(now.date() + timedelta(days=12)).isoformat(),
                renewal_dates=[
                    {
                        "date": (now.date() + timedelta(days=12)).isoformat(),
                        "kind": "renewal",
                        "message_id": 1,
                        "quote": "renews soon",
                    }
                ],
            )
        )
        for key, gem_type, summary, created in (
            ("hostile", "partner_program", HOSTILE, now - timedelta(hours=1)),
            ("ask", "unanswered_ask", "'Pricing?': they asked you", now - timedelta(hours=2)),
            ("old", "renewal_leverage", "Vendor renews", now - timedelta(days=40)),
        ):
            ids[key] = conn.execute(
                insert(gems)
                .values(
                    gem_type=gem_type,
                    sender_domain="vendor.example",
                    thread_key=key,
                    status="new",
                    score=60,
                    detector_score=60,
                    summary=summary,
                    created_at=created,
                )
                .returning(gems.c.id)
            ).scalar_one()
        ids["draft"] = conn.execute(
            insert(engagement_drafts)
            .values(
                gem_id=ids["old"],
                sender_domain="vendor.example",
                strategy="renewal_negotiation",
                version=1,
                subject_line="About our renewal",
                body_text="Hello",
                status="draft",
                generated_at=now - timedelta(hours=1),
            )
            .returning(engagement_drafts.c.id)
        ).scalar_one()
    return ids


def run(db_url, *args):
    result = CliRunner().invoke(app, ["--db", db_url, "digest", *args])
    assert result.exit_code == 0, result.output
    return result


def test_json_digest_parses_and_sorts_what_changed_into_sections(engine, settings, db_url):
    ids = seed(engine)
    data = json.loads(run(db_url, "--format", "json").stdout)
    assert "first digest" in data["since_note"]
    assert [g["id"] for g in data["new_gems"]] == [ids["hostile"]]
    assert [g["id"] for g in data["new_asks"]] == [ids["ask"]]
    [renewal] = data["renewals_due"]
    assert (renewal["days_until"], renewal["gem_id"]) == (12, ids["old"])
    [waiting] = data["drafts_waiting"]
    assert waiting["id"] == ids["draft"] and waiting["is_new"]
    assert data["nothing_new"] is False


def test_since_last_twice_in_a_row_shows_nothing_new_the_second_time(engine, settings, db_url):
    ids = seed(engine)
    first = json.loads(run(db_url, "--format", "json").stdout)
    second = json.loads(run(db_url, "--format", "json").stdout)
    assert first["counts"]["new_gems"] == 1
    assert second["nothing_new"] is True
    assert second["new_gems"] == second["new_asks"] == second["changed_gems"] == []
    assert "previous digest" in second["since_note"]
    assert second["counts"]["renewals_due"] == 1  # still due: standing items stay listed

    # A score moves and a gem is acted on: the third digest reports both, with the before.
    with write_tx(engine) as conn:
        conn.execute(update(gems).where(gems.c.id == ids["old"]).values(score=85))
        conn.execute(update(gems).where(gems.c.id == ids["ask"]).values(status="acted"))
    assert "score 60 -> 85" in run(db_url, "--no-record").stdout
    third = json.loads(run(db_url, "--format", "json").stdout)
    changes = {g["id"]: g for g in third["changed_gems"]}
    assert (changes[ids["old"]]["before_score"], changes[ids["old"]]["score"]) == (60, 85)
    assert changes[ids["ask"]]["before_status"] == "new"
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(digest_runs)).scalar() == 3


def test_no_record_is_a_peek_that_does_not_move_since_last(engine, settings, db_url):
    seed(engine)
    run(db_url, "--no-record", "--format", "json")
    again = json.loads(run(db_url, "--format", "json").stdout)
    assert "first digest" in again["since_note"] and again["counts"]["new_gems"] == 1


def test_html_digest_is_a_standalone_document_that_escapes_mail_text(
    engine, settings, db_url, tmp_path
):
    seed(engine)
    out = tmp_path / "digest.html"
    run(db_url, "-o", str(out))  # the format follows the file name
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "&lt;script&gt;alert(&#x27;digest&#x27;)&lt;/script&gt;" in html
    assert "<script" not in html and "\x1b" not in html
    assert "Vendor &amp; Sons" in html
    assert "src=" not in html and "href=" not in html and "http" not in html.split("</style>", 1)[1]


def test_text_digest_reads_as_sections_without_terminal_escapes(engine, settings, db_url):
    seed(engine)
    text = run(db_url).stdout
    assert "New gems: 1" in text and "New unanswered asks: 1" in text
    assert "Renewals coming due (next 30 days): 1" in text
    assert "Drafts waiting: 1" in text and "About our renewal" in text
    assert "<script>alert('digest')</script>" in text  # text, shown as text
    assert "\x1b" not in text


def test_an_unusable_since_fails_with_the_accepted_forms(engine, settings, db_url):
    result = CliRunner().invoke(app, ["--db", db_url, "digest", "--since", "soonish"])
    assert result.exit_code == 1 and "use last, a date" in result.stderr
    result = CliRunner().invoke(app, ["--db", db_url, "digest", "--format", "pdf"])
    assert result.exit_code == 1 and "text, html, json" in result.stderr


def test_the_api_shows_what_changed_without_recording_a_digest(engine, settings, plan):  # noqa: F811
    ids = seed(engine)
    with make_client(settings, engine) as client:
        login(client)
        body = client.get("/api/digest", params={"since": "7d"}).json()
        assert [g["id"] for g in body["new_gems"]] == [ids["hostile"]]
        assert body["new_gems"][0]["summary"] == HOSTILE
        assert client.get("/api/digest").json()["counts"]["new_gems"] == 1
        bad = client.get("/api/digest", params={"since": "tomorrow-ish"})
        assert bad.status_code == 422 and "use last" in bad.json()["detail"]
        page = client.get("/admin/digest", params={"since": "7d"})
        assert page.status_code == 200 and "&lt;script&gt;alert" in page.text
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(digest_runs)).scalar() == 0


@pytest.mark.parametrize("days", [5, 20])
def test_renewal_days_flag_sets_the_window(engine, settings, db_url, days):
    seed(engine)
    data = json.loads(run(db_url, "--format", "json", "--renewal-days", str(days)).stdout)
    assert data["counts"]["renewals_due"] == (1 if days >= 12 else 0)


def test_only_the_newest_digest_runs_keep_their_gem_snapshot(engine, settings, db_url, monkeypatch):
    monkeypatch.setattr("inboxmine.digest.store.KEEP_SNAPSHOTS", 2)
    seed(engine)
    for _ in range(3):
        run(db_url, "--format", "json")
    with engine.connect() as conn:
        kept = conn.execute(
            select(digest_runs.c.id, digest_runs.c.gem_snapshot).order_by(digest_runs.c.id)
        ).all()
    assert [snapshot is not None for _, snapshot in kept] == [False, True, True]
    # The next digest still compares with the previous one.
    assert json.loads(run(db_url, "--format", "json").stdout)["compared_with_snapshot"] is True

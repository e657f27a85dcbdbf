"""The user's side of gems and drafts: statuses with their dates, draft edits that
keep the AI's text, clear refusals, and --json listings keyed by column names."""

from __future__ import annotations

import json

import pytest
from tests.engage_data import seed
from typer.testing import CliRunner

from inboxmine.cli.main import app
from inboxmine.opportunities import queries
from inboxmine.runner.executor import run_stages
from inboxmine.services.drafts import set_draft_status, update_draft_text
from inboxmine.services.relationships import set_relationship


def cli(db_url, *args, code=0):
    result = CliRunner().invoke(app, ["--db", db_url, *args])
    assert result.exit_code == code, result.output
    return result


def one_draft(engine, settings, key="renewal"):
    ids = seed(engine)
    ok, _ = run_stages(engine, settings, ["engage"], parameters={"gem_ids": [ids[key]]})
    assert ok
    [row] = queries.list_drafts(engine)
    return ids, row["id"]


# ------------------------------------------------------------------ gems


def test_set_status_stamps_when_a_gem_was_acted_on_or_dismissed(engine, db_url):
    ids = seed(engine)
    cli(db_url, "gems", "set-status", str(ids["partner"]), "acted")
    cli(db_url, "gems", "set-status", str(ids["audit"]), "dismissed")

    acted = queries.gem_detail(engine, ids["partner"])
    dismissed = queries.gem_detail(engine, ids["audit"])
    assert acted["status"] == "acted" and acted["acted_at"] is not None
    assert dismissed["status"] == "dismissed" and dismissed["dismissed_at"] is not None
    assert acted["dismissed_at"] is None and dismissed["acted_at"] is None

    cli(db_url, "gems", "set-status", str(ids["audit"]), "new")
    reopened = queries.gem_detail(engine, ids["audit"])
    assert reopened["status"] == "new" and reopened["dismissed_at"] is None


@pytest.mark.parametrize("status", ["reviewed", "expired", "ACTED", ""])
def test_set_status_refuses_other_statuses_with_one_clear_line(engine, db_url, status):
    ids = seed(engine)
    result = cli(db_url, "gems", "set-status", str(ids["partner"]), status, code=1)
    [line] = result.output.strip().splitlines()
    assert line.startswith("error: ") and "new, acted, dismissed" in line
    assert queries.gem_detail(engine, ids["partner"])["status"] == "new"


def test_set_status_of_a_missing_gem_says_how_to_find_one(engine, db_url):
    result = cli(db_url, "gems", "set-status", "404", "acted", code=1)
    assert "gem 404 does not exist" in result.output and "inboxmine gems" in result.output


# ------------------------------------------------------------------ drafts


def test_a_sent_draft_records_when_and_going_back_clears_it(engine, settings, db_url):
    _, draft_id = one_draft(engine, settings)
    cli(db_url, "drafts", "set-status", str(draft_id), "approved")
    assert queries.draft_detail(engine, draft_id)["sent_at"] is None

    out = cli(db_url, "drafts", "set-status", str(draft_id), "sent").output
    sent = queries.draft_detail(engine, draft_id)
    assert sent["status"] == "sent" and sent["sent_at"] is not None and "sent at" in out

    cli(db_url, "drafts", "set-status", str(draft_id), "archived")
    archived = queries.draft_detail(engine, draft_id)
    assert archived["status"] == "archived" and archived["sent_at"] == sent["sent_at"]

    cli(db_url, "drafts", "set-status", str(draft_id), "draft")
    assert queries.draft_detail(engine, draft_id)["sent_at"] is None


def test_draft_status_is_validated(engine, settings, db_url):
    _, draft_id = one_draft(engine, settings)
    result = cli(db_url, "drafts", "set-status", str(draft_id), "mailed", code=1)
    assert "unknown draft status 'mailed'" in result.output
    assert "draft, approved, sent, archived" in result.output
    assert (
        "draft 77 does not exist"
        in cli(db_url, "drafts", "set-status", "77", "sent", code=1).output
    )
    with pytest.raises(queries.InvalidValue):
        queries.list_drafts(engine, status="mailed")


def test_editing_a_draft_keeps_the_ai_text_for_the_audit(engine, settings, db_url, tmp_path):
    _, draft_id = one_draft(engine, settings)
    ai = queries.draft_detail(engine, draft_id)
    body = tmp_path / "body.txt"
    body.write_text("Hi Dana,\n\nShort version: can we talk renewal terms on Tuesday?\n\nAlex\n")

    cli(
        db_url,
        "drafts",
        "edit",
        str(draft_id),
        "--subject",
        "Renewal terms",
        "--body-file",
        str(body),
    )
    cli(db_url, "drafts", "edit", str(draft_id), "--subject", "Renewal terms, v2")

    edited = queries.draft_detail(engine, draft_id)
    assert edited["subject_line"] == "Renewal terms, v2"
    assert edited["body_text"].startswith("Hi Dana,\n\nShort version")
    assert edited["edited_at"] is not None
    # The first edit copied what the model wrote; later edits keep that copy.
    assert edited["original_text"] == {
        "subject_line": ai["subject_line"],
        "body_text": ai["body_text"],
    }
    shown = json.loads(cli(db_url, "drafts", "show", str(draft_id), "--json").output)
    assert shown["original_text"]["body_text"] == ai["body_text"]


def test_draft_edits_are_checked_before_anything_changes(engine, settings, db_url, tmp_path):
    _, draft_id = one_draft(engine, settings)
    before = queries.draft_detail(engine, draft_id)
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")

    assert "nothing to change" in cli(db_url, "drafts", "edit", str(draft_id), code=1).output
    assert (
        "body is empty"
        in cli(db_url, "drafts", "edit", str(draft_id), "--body-file", str(empty), code=1).output
    )
    missing = cli(
        db_url, "drafts", "edit", str(draft_id), "--body-file", str(tmp_path / "no.txt"), code=1
    ).output
    assert "cannot read the body file" in missing
    assert (
        "subject line has 400 characters"
        in cli(db_url, "drafts", "edit", str(draft_id), "--subject", "x" * 400, code=1).output
    )

    cli(db_url, "drafts", "set-status", str(draft_id), "sent")
    sent = cli(db_url, "drafts", "edit", str(draft_id), "--subject", "Later", code=1).output
    assert f"draft {draft_id} was sent" in sent
    after = queries.draft_detail(engine, draft_id)
    assert (after["subject_line"], after["body_text"], after["original_text"]) == (
        before["subject_line"],
        before["body_text"],
        None,
    )


def test_query_functions_for_the_web_return_the_changed_draft(engine, settings):
    _, draft_id = one_draft(engine, settings)
    assert set_draft_status(engine, draft_id, "approved")["status"] == "approved"
    updated = update_draft_text(engine, draft_id, body_text="New body\r\nline two")
    assert updated["body_text"] == "New body\nline two" and updated["status"] == "approved"
    with pytest.raises(queries.NotFound):
        update_draft_text(engine, 999, subject_line="x")


# ------------------------------------------------------------------ --json


def _json_rows(db_url, *args):
    rows = json.loads(cli(db_url, *args, "--json").output)
    assert isinstance(rows, list) and rows and all(isinstance(r, dict) for r in rows)
    return rows


def test_json_listings_are_arrays_of_objects_keyed_by_column_names(engine, settings, db_url):
    ids, draft_id = one_draft(engine, settings, key="partner")
    set_relationship(engine, "acme.io", "my_vendor", note="we pay them")

    gem_rows = _json_rows(db_url, "gems")
    assert {"id", "gem_type", "sender_domain", "score", "status", "urgency", "summary"} <= set(
        gem_rows[0]
    )
    assert [r["id"] for r in gem_rows][0] == ids["renewal"]  # best first

    profile_rows = _json_rows(db_url, "profiles")
    assert {"sender_domain", "company_name", "total_messages", "relationship_type"} <= set(
        profile_rows[0]
    )

    [draft] = _json_rows(db_url, "drafts")
    assert draft["id"] == draft_id and draft["strategy"] == "partner"
    assert {"gem_id", "sender_domain", "status", "subject_line", "generated_at", "sent_at"} <= set(
        draft
    )

    [relationship] = _json_rows(db_url, "relationships")
    assert relationship["sender_domain"] == "acme.io"
    assert relationship["relationship_type"] == "my_vendor" and relationship["source"] == "manual"


def test_empty_json_listings_are_empty_arrays(engine, db_url):
    for command in ("gems", "profiles", "drafts", "relationships"):
        assert json.loads(cli(db_url, command, "--json").output) == []

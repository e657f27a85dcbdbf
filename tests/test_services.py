"""The services the CLI, the API and the admin share: the same change made from
any of them leaves the same rows, and the admin refuses what the CLI refuses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from tests.engage_data import seed
from tests.test_classify_stage import newsletter
from tests.test_web_support import insert_row, login, make_client, now
from typer.testing import CliRunner

from inboxmine.cli.main import app
from inboxmine.db.engine import write_tx
from inboxmine.db.tables.classify import (
    ai_classification,
    classification_overrides,
    sender_classification,
)
from inboxmine.db.tables.engage import engagement_drafts
from inboxmine.db.tables.ledger import pipeline_runs
from inboxmine.db.tables.opportunities import domain_exclusions, gems, sender_relationships
from inboxmine.runner.executor import run_stages
from inboxmine.services import drafts, runs
from inboxmine.services import gems as gem_service
from inboxmine.services.base import InvalidValue, NotFound


def cli(db_url, *args, code=0):
    result = CliRunner().invoke(app, ["--db", db_url, *args])
    assert result.exit_code == code, result.output
    return result


@pytest.fixture
def admin(settings, engine):
    with make_client(settings, engine) as client:
        client.headers["X-CSRF-Token"] = login(client)
        yield client


def form(client, **values):
    return {**values, "csrf_token": client.headers["X-CSRF-Token"], "save": "Save"}


def classified(engine):
    """What the classifications of the newsletter say now."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                ai_classification.c.message_id,
                ai_classification.c.industry,
                ai_classification.c.has_override,
                ai_classification.c.original_values,
            ).order_by(ai_classification.c.message_id)
        ).all()
        rollup = conn.execute(
            select(sender_classification.c.industry, sender_classification.c.has_override)
        ).one()
    return [tuple(r) for r in rows], tuple(rollup)


def overrides(engine):
    with engine.connect() as conn:
        return conn.execute(
            select(classification_overrides).order_by(classification_overrides.c.id)
        ).all()


# -------------------------------------------------------------- overrides


def test_an_override_edited_in_the_admin_is_checked_and_applied_like_the_cli(
    engine, settings, db_url, admin
):
    newsletter(engine)  # dailyledger.com, classified Media
    run_stages(engine, settings, ["classify"])
    cli(db_url, "override", "--sender", "dailyledger.com", "-f", "industry", "-v", "saas")
    [override] = overrides(engine)
    before = classified(engine)
    assert {r[1] for r in before[0]} == {"SaaS"}

    page = admin.get(f"/admin/overrides/edit/{override.id}")
    assert page.status_code == 200 and 'value="SaaS"' in page.text  # plain text, not JSON
    refused = admin.post(
        f"/admin/overrides/edit/{override.id}", data=form(admin, corrected_value="Aliens")
    )
    assert refused.status_code == 400
    assert f"override {override.id} (dailyledger.com, industry)" in refused.text
    assert "is not an allowed value of industry: choose one of SaaS" in refused.text
    assert overrides(engine)[0].corrected_value == "SaaS" and classified(engine) == before

    saved = admin.post(
        f"/admin/overrides/edit/{override.id}",
        data=form(admin, corrected_value="financial services"),
        follow_redirects=False,
    )
    assert saved.status_code == 302, saved.text[:500]
    assert overrides(engine)[0].corrected_value == "Financial Services"  # typed like the CLI
    by_admin = classified(engine)
    assert {r[1] for r in by_admin[0]} == {"Financial Services"}
    assert all(r[2] and r[3] == {"industry": "Media"} for r in by_admin[0])

    # The CLI giving the same value leaves exactly the same classifications.
    cli(
        db_url,
        "override",
        "--sender",
        "dailyledger.com",
        "-f",
        "industry",
        "-v",
        "financial services",
    )
    assert classified(engine) == by_admin


def test_an_override_deleted_in_the_admin_gives_the_models_values_back(
    engine, settings, db_url, admin
):
    newsletter(engine)
    run_stages(engine, settings, ["classify"])
    model = classified(engine)
    cli(db_url, "override", "--sender", "dailyledger.com", "-f", "industry", "-v", "saas")
    [override] = overrides(engine)
    assert classified(engine) != model

    response = admin.delete(f"/admin/overrides/delete?pks={override.id}")
    assert response.status_code == 200 and "error" not in response.text
    assert overrides(engine) == [] and classified(engine) == model


# ------------------------------------------------------------------- gems


def _gem_row(engine, gem_id):
    with engine.connect() as conn:
        row = conn.execute(select(gems).where(gems.c.id == gem_id)).mappings().one()
    return {k: v for k, v in row.items() if k not in ("id", "updated_at")}


def test_cli_api_and_admin_setting_a_gem_back_to_new_leave_the_same_row(engine, db_url, admin):
    ids = seed(engine)
    # Three copies of one gem, each opened again through another door.
    copies = []
    with engine.connect() as conn:
        original = dict(
            conn.execute(select(gems).where(gems.c.id == ids["partner"])).mappings().one()
        )
    for n in range(3):
        values = {k: v for k, v in original.items() if k != "id"}
        values["thread_key"] = f"copy-{n}"
        copies.append(insert_row(engine, gems, **values))
    for gem_id, status in zip(copies, ("acted", "dismissed", "acted"), strict=True):
        gem_service.set_gem_status(engine, gem_id, status)
        assert _gem_row(engine, gem_id)[f"{status}_at"] is not None

    cli(db_url, "gems", "set-status", str(copies[0]), "new")
    api = admin.post(f"/api/gems/{copies[1]}/status", json={"status": "new"})
    assert api.status_code == 200 and api.json()["status"] == "new"
    edit = admin.post(
        f"/admin/gems/edit/{copies[2]}", data=form(admin, status="new"), follow_redirects=False
    )
    assert edit.status_code == 302, edit.text[:500]

    rows = [_gem_row(engine, gem_id) for gem_id in copies]
    for row in rows:
        assert (row["status"], row["acted_at"], row["dismissed_at"]) == ("new", None, None)
        row.pop("thread_key")
    assert rows[0] == rows[1] == rows[2]


def test_expired_is_refused_through_every_door(engine, db_url, admin):
    ids = seed(engine)
    cli(db_url, "gems", "set-status", str(ids["partner"]), "expired", code=1)
    assert (
        admin.post(f"/api/gems/{ids['partner']}/status", json={"status": "expired"}).status_code
        == 422
    )
    with pytest.raises(InvalidValue, match="set by detection"):
        gem_service.set_gem_status(engine, ids["partner"], "expired")
    assert _gem_row(engine, ids["partner"])["status"] == "new"


def test_mark_acted_stamps_a_gem_once(engine):
    ids = seed(engine)
    first, later = now(), now() + timedelta(hours=1)
    with write_tx(engine) as conn:
        assert gem_service.mark_acted(conn, ids["renewal"], first) is True
        assert gem_service.mark_acted(conn, ids["renewal"], later) is False
    row = _gem_row(engine, ids["renewal"])
    assert row["status"] == "acted" and row["acted_at"] == first


# ------------------------------------------------------------------ drafts


def record(conn, ids, **values) -> int:
    """A renewal draft as engage writes it, with ``values`` changed."""
    return drafts.record_draft(
        conn,
        **{
            "gem_id": ids["renewal"],
            "sender_domain": "acme.example",
            "strategy": "renewal",
            "channel": "email",
            "model_used": "heuristic",
            "prompt_template": "engage_renewal",
            "pipeline_run_id": None,
            **values,
        },
    )


def test_record_draft_stores_what_engage_wrote(engine):
    ids = seed(engine)
    generated = now()
    with write_tx(engine) as conn:
        draft_id = record(
            conn,
            ids,
            version=2,
            subject_line="Our renewal",
            body_text="Hello,\n\nabout our renewal.",
            context={"ai_audit_id": 7},
            generated_at=generated,
        )
    with engine.connect() as conn:
        row = (
            conn.execute(select(engagement_drafts).where(engagement_drafts.c.id == draft_id))
            .mappings()
            .one()
        )
    assert (row["status"], row["version"], row["channel"]) == ("draft", 2, "email")
    assert row["context"] == {"ai_audit_id": 7} and row["generated_at"] == generated
    assert row["original_text"] is None and row["response_received"] is False

    with write_tx(engine) as conn, pytest.raises(InvalidValue, match="empty subject or body"):
        record(conn, ids, version=3, subject_line="Our renewal", body_text="  ", context=None)


def test_an_admin_draft_edit_refuses_a_sentiment_that_does_not_exist(engine, admin):
    ids = seed(engine)
    with write_tx(engine) as conn:
        draft_id = record(
            conn, ids, version=1, subject_line="AI subject", body_text="AI body", context=None
        )
    with pytest.raises(InvalidValue, match="unknown response sentiment 'ecstatic'"):
        drafts.edit_draft(engine, draft_id, response_sentiment="ecstatic")
    saved = drafts.edit_draft(
        engine, draft_id, response_received=True, response_sentiment="positive"
    )
    assert saved["response_received"] is True and saved["response_sentiment"] == "positive"
    assert saved["edited_at"] is None  # no text changed: not an edit of the text
    cleared = drafts.edit_draft(engine, draft_id, response_sentiment="")
    assert cleared["response_sentiment"] is None


# ----------------------------------------------- relationships, exclusions


def test_an_exclusion_renamed_in_the_admin_is_read_like_the_cli(engine, db_url, admin):
    cli(db_url, "exclusions", "add", "news.acme.io", "--reason", "a competitor")
    cli(db_url, "exclusions", "add", "globex.io")
    moved = admin.post(
        "/admin/exclusions/edit/acme.io",
        data=form(admin, domain="Mail.Initech.com", reason="they moved"),
        follow_redirects=False,
    )
    assert moved.status_code == 302, moved.text[:500]
    with engine.connect() as conn:
        rows = dict(
            conn.execute(select(domain_exclusions.c.domain, domain_exclusions.c.reason)).all()
        )
    assert rows == {"initech.com": "they moved", "globex.io": None}

    clash = admin.post(
        "/admin/exclusions/edit/initech.com", data=form(admin, domain="globex.io", reason="")
    )
    assert clash.status_code == 400 and "globex.io is already excluded" in clash.text


def test_a_colleague_excluded_before_any_sent_mail_stays_one_person(settings, engine, db_url):
    """With no sent mail imported yet, the user's own domain is known only from
    ``me``: excluding a colleague there, from the CLI or the admin, must not
    exclude the whole company (every other colleague with it)."""
    cli(db_url, "config", "set", "me", "ceo@acme.io")
    assert "excluded tom@acme.io" in cli(db_url, "exclusions", "add", "Tom@Acme.io").output
    settings.me = ["ceo@acme.io"]
    with make_client(settings, engine) as client:
        client.headers["X-CSRF-Token"] = login(client)
        added = client.post(
            "/admin/exclusions/create",
            data=form(client, domain="Maria@Acme.io", reason="my deputy"),
            follow_redirects=False,
        )
        assert added.status_code == 302, added.text[:500]
    # Another company's address still means that company.
    assert "excluded globex.io" in cli(db_url, "exclusions", "add", "ann@globex.io").output
    with engine.connect() as conn:
        rows = {r[0] for r in conn.execute(select(domain_exclusions.c.domain))}
    assert rows == {"tom@acme.io", "maria@acme.io", "globex.io"}


def test_a_relationship_removed_in_the_admin_is_gone(engine, db_url, admin):
    cli(db_url, "relationship", "set", "acme.io", "my_vendor")
    response = admin.delete("/admin/relationships/delete?pks=acme.io")
    assert response.status_code == 200 and "error" not in response.text
    with engine.connect() as conn:
        assert conn.execute(select(sender_relationships)).all() == []


# -------------------------------------------------------------------- runs


def _run(engine, status):
    return insert_row(
        engine,
        pipeline_runs,
        stage="metadata",
        status=status,
        triggered_by="cli",
        created_at=now(),
        items_processed=0,
        items_failed=0,
        cancel_requested=False,
    )


def test_a_run_is_cancelled_the_same_way_from_the_cli_and_the_api(engine, db_url, admin):
    pending, running, done = (
        _run(engine, "pending"),
        _run(engine, "running"),
        _run(engine, "completed"),
    )
    # The API first: the CLI marks a running run with no live worker as interrupted.
    assert admin.post(f"/api/pipeline/runs/{running}/cancel").status_code == 200
    cli(db_url, "runs", "cancel", str(pending))
    assert (
        runs.run(engine, pending)["cancel_requested"]
        and runs.run(engine, running)["cancel_requested"]
    )

    refused = cli(db_url, "runs", "cancel", str(done), code=1)
    assert "only pending or running runs can be cancelled" in refused.output
    api = admin.post(f"/api/pipeline/runs/{done}/cancel")
    assert api.status_code == 422 and "only pending or running" in api.text
    assert not runs.run(engine, done)["cancel_requested"]
    with pytest.raises(NotFound, match="run 999 does not exist"):
        runs.cancel_run(engine, 999)

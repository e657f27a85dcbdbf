"""The admin pages: Pipeline Runs as the seed says, every view, hostile email stays inert."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.helpers import insert_message
from tests.test_web_support import (  # noqa: F401  (plan is a fixture)
    HOSTILE_HTML,
    HOSTILE_NAME,
    HOSTILE_SUBJECT,
    insert_row,
    login,
    make_client,
    now,
    plan,
)

from inboxmine.db.engine import write_tx
from inboxmine.db.tables.ledger import pipeline_runs
from inboxmine.web.admin.tables import VIEWS, registered_views
from inboxmine.web.models import table


@pytest.fixture
def client(settings, engine, plan):  # noqa: F811
    with make_client(settings, engine) as c:
        c.headers["X-CSRF-Token"] = login(c)
        yield c


def _run(engine, stage, status, minutes_ago, items=0, error=None):
    started = now() - timedelta(minutes=minutes_ago)
    return insert_row(
        engine,
        pipeline_runs,
        stage=stage,
        status=status,
        triggered_by="web",
        created_at=started - timedelta(seconds=5),
        started_at=started,
        completed_at=started + timedelta(seconds=30) if status != "running" else None,
        items_processed=items,
        items_failed=0,
        cancel_requested=False,
        error_message=error,
    )


def _row_ids(html: str) -> list[int]:
    import re

    return [int(x) for x in re.findall(r'href="[^"]*/admin/pipeline-runs/details/(\d+)"', html)]


def _unique(ids):
    seen = []
    for i in ids:
        if i not in seen:
            seen.append(i)
    return seen


def test_pipeline_runs_lives_at_its_address_with_the_seed_columns(client, engine):
    _run(engine, "metadata", "completed", 10, items=5)
    response = client.get("/admin/pipeline-runs")
    assert response.status_code == 200
    assert str(response.url).endswith("/admin/pipeline-runs/list")
    for column in (
        "id",
        "stage",
        "status",
        "started_at",
        "completed_at",
        "items_processed",
        "triggered_by",
    ):
        assert (
            f">{column}<" in response.text.replace(" ", "").replace("\n", "")
            or column in response.text
        )


def test_pipeline_runs_default_sort_is_started_at_newest_first(client, engine):
    old = _run(engine, "metadata", "completed", 60)
    new = _run(engine, "content", "completed", 1)
    middle = _run(engine, "entities", "failed", 30, error="boom")
    ids = _unique(_row_ids(client.get("/admin/pipeline-runs/list").text))
    assert ids == [new, middle, old]


def test_pipeline_runs_sort_and_search_as_the_seed_says(client, engine):
    a = _run(engine, "segment", "completed", 5, items=50)
    b = _run(engine, "content", "failed", 4, items=2, error="content failed: x")
    c = _run(engine, "metadata", "completed", 3, items=900)
    by_items = client.get("/admin/pipeline-runs/list?sortBy=items_processed&sort=asc").text
    assert _unique(_row_ids(by_items)) == [b, a, c]
    by_stage = client.get("/admin/pipeline-runs/list?sortBy=stage&sort=asc").text
    assert _unique(_row_ids(by_stage)) == [b, c, a]
    failed = client.get("/admin/pipeline-runs/list?search=failed").text
    assert _unique(_row_ids(failed)) == [b]
    by_stage_name = client.get("/admin/pipeline-runs/list?search=segment").text
    assert _unique(_row_ids(by_stage_name)) == [a]
    refused = client.get("/admin/pipeline-runs/list?sortBy=error_message")
    assert refused.status_code == 400


def test_a_failed_run_shows_error_message_created_at_and_duration(client, engine):
    run_id = _run(engine, "entities", "failed", 2, error="spaCy model missing: pip install x")
    page = client.get(f"/admin/pipeline-runs/details/{run_id}").text
    assert "spaCy model missing: pip install x" in page
    assert "created_at" in page and "error_message" in page
    assert "30.0 s" in page


def test_pipeline_runs_cannot_be_created_edited_or_deleted(client, engine):
    run_id = _run(engine, "metadata", "completed", 1)
    assert client.get("/admin/pipeline-runs/create").status_code == 403
    assert client.get(f"/admin/pipeline-runs/edit/{run_id}").status_code == 403
    assert client.delete(f"/admin/pipeline-runs/delete?pks={run_id}").status_code == 403
    list_page = client.get("/admin/pipeline-runs/list").text
    assert "/admin/pipeline-runs/create" not in list_page
    assert client.get(f"/admin/pipeline-runs/details/{run_id}").status_code == 200


def test_every_view_whose_table_exists_is_registered():
    identities = {v.identity for v in registered_views()}
    for spec in VIEWS:
        assert (spec.identity in identities) == (table(spec.table) is not None)


@pytest.mark.parametrize("view", registered_views(), ids=lambda v: v.identity)
def test_every_table_view_opens(client, view):
    response = client.get(f"/admin/{view.identity}/list")
    assert response.status_code == 200, response.text[:300]


@pytest.mark.parametrize(
    "path", ["/admin/", "/admin/dashboard", "/admin/pipeline", "/admin/gem-explorer",
             "/admin/score-inspector", "/admin/ai-inspector", "/docs"],
)  # fmt: skip
def test_every_page_opens(client, path):
    assert client.get(path).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/admin/gem-explorer?min_score=abc",
        "/admin/gem-explorer?page=0",
        "/admin/gem-explorer?urgency=extreme",
        "/admin/ai-inspector?run=x",
        "/admin/ai-inspector?page=-3",
    ],
)
def test_bad_page_parameters_are_422_not_500(client, path):
    response = client.get(path)
    assert response.status_code == 422
    assert "must be" in response.text


def test_hostile_sender_and_subject_are_escaped_everywhere(client, engine):
    message_id = insert_message(
        engine, from_name=HOSTILE_NAME, subject=HOSTILE_SUBJECT, body_html=HOSTILE_HTML
    )
    for path in (
        "/admin/messages/list",
        f"/admin/messages/details/{message_id}",
        "/admin/messages/list?search=script",
    ):
        html = client.get(path).text
        assert HOSTILE_NAME not in html
        assert HOSTILE_SUBJECT not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_the_message_view_frames_sanitized_html_under_a_strict_policy(client, engine):
    message_id = insert_message(engine, body_html=HOSTILE_HTML, body_text="plain text part")
    page = client.get(f"/admin/messages/details/{message_id}").text
    assert 'sandbox=""' in page
    assert "plain text part" in page
    body = client.get(f"/admin/message-body/{message_id}")
    csp = body.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "img-src data:" in csp and "sandbox" in csp
    assert "<script" not in body.text
    assert "tracker.example" not in body.text and "evil.example" not in body.text
    assert "javascript:" not in body.text
    assert "1 remote image(s) blocked" in body.text


@pytest.mark.skipif(table("gems") is None, reason="the gems table is not in this version")
def test_gem_explorer_shows_escaped_cards_and_counts_all(client, engine):
    gems = table("gems")
    for i in range(30):
        row = {
            "gem_type": "partner_program",
            "sender_domain": f"s{i}.example",
            "thread_key": "",
            "status": "new",
            "score": 50 + i,
            "detector_score": 50,
            "summary": HOSTILE_SUBJECT if i == 0 else "partner program",
            "urgency": "high" if i % 2 else "low",
            "created_at": now(),
        }
        insert_row(engine, gems, **{k: v for k, v in row.items() if k in gems.c})
    page = client.get("/admin/gem-explorer").text
    assert "30 gems" in page
    assert HOSTILE_SUBJECT not in page
    assert "15 gems" in client.get("/admin/gem-explorer?urgency=high").text
    assert "Generate Draft" in page and "Mark acted" in page and "Dismiss" in page


def test_dashboard_shows_counts_and_recent_activity(client, engine):
    insert_message(engine, from_name=HOSTILE_NAME)
    run_id = _run(engine, "metadata", "completed", 1, items=1)
    page = client.get("/admin/").text
    assert 'data-stat="messages">1<' in page
    assert f"/admin/pipeline-runs/details/{run_id}" in page
    assert HOSTILE_NAME not in page


def test_pipeline_control_has_cards_run_all_retrain_and_history(client, engine):
    _run(engine, "content", "failed", 1, error="content failed: <b>bold</b>")
    page = client.get("/admin/pipeline").text
    assert "Run All (stages 1-6)" in page
    assert 'id="retrain"' in page
    assert 'data-stage="engage"' in page
    assert "content failed: &lt;b&gt;bold&lt;/b&gt;" in page
    assert "/static/pipeline.js" in page


def test_csv_export_neutralises_formulas(client, engine):
    insert_message(engine, subject='=HYPERLINK("http://evil.example")')
    csv_text = client.get("/admin/messages/export/csv").text
    assert "'=HYPERLINK" in csv_text


@pytest.mark.skipif(table("engagement_drafts") is None, reason="no drafts table in this version")
def test_editing_a_draft_in_the_admin_keeps_the_ai_text(client, engine):
    gems, drafts = table("gems"), table("engagement_drafts")
    gem = {
        "gem_type": "partner_program",
        "sender_domain": "acme.example",
        "thread_key": "",
        "status": "new",
        "score": 60,
        "detector_score": 60,
        "summary": "partner programme",
        "created_at": now(),
    }
    gem_id = insert_row(engine, gems, **{k: v for k, v in gem.items() if k in gems.c})
    draft = {
        "gem_id": gem_id,
        "sender_domain": "acme.example",
        "strategy": "partner",
        "version": 1,
        "subject_line": "AI subject",
        "body_text": "AI body",
        "status": "draft",
        "response_received": False,
        "generated_at": now(),
    }
    draft_id = insert_row(engine, drafts, **{k: v for k, v in draft.items() if k in drafts.c})
    form = {
        "subject_line": "My subject",
        "body_text": "My body",
        "status": "approved",
        "response_sentiment": "",
        "csrf_token": client.headers["X-CSRF-Token"],
        "save": "Save",
    }
    response = client.post(f"/admin/drafts/edit/{draft_id}", data=form, follow_redirects=False)
    assert response.status_code == 302, response.text[:500]
    from sqlalchemy import select

    with engine.connect() as conn:
        row = conn.execute(select(drafts).where(drafts.c.id == draft_id)).mappings().one()
    assert row["body_text"] == "My body" and row["status"] == "approved"
    assert row["original_text"] == {"subject_line": "AI subject", "body_text": "AI body"}
    assert row["sent_at"] is None

    response = client.post(
        f"/admin/drafts/edit/{draft_id}", data=form | {"status": "sent"}, follow_redirects=False
    )
    assert response.status_code == 302
    with engine.connect() as conn:
        row = conn.execute(select(drafts).where(drafts.c.id == draft_id)).mappings().one()
    assert row["status"] == "sent" and row["sent_at"] is not None


def test_a_relationship_edited_in_the_admin_is_the_users_choice_like_the_cli(client, engine):
    from sqlalchemy import select

    relationships = table("sender_relationships")
    row = {
        "sender_domain": "acme.example",
        "relationship_type": "selling_to_me",
        "suppress_gems": False,
        "source": "auto",
        "confidence": 0.6,
        "created_at": now(),
    }
    with write_tx(engine) as conn:
        conn.execute(relationships.insert().values(**row))
    form = {
        "relationship_type": "my_vendor",
        "relationship_note": "we pay them",
        "csrf_token": client.headers["X-CSRF-Token"],
        "save": "Save",
    }
    response = client.post(
        "/admin/relationships/edit/acme.example", data=form, follow_redirects=False
    )
    assert response.status_code == 302, response.text[:500]
    with engine.connect() as conn:
        saved = conn.execute(select(relationships)).mappings().one()
    assert saved["relationship_type"] == "my_vendor" and saved["source"] == "manual"


def test_an_exclusion_added_in_the_admin_names_the_sender_like_the_cli(client, engine):
    from sqlalchemy import select

    form = {
        "domain": "Mail.Slack.com",
        "reason": "notifications",
        "csrf_token": client.headers["X-CSRF-Token"],
        "save": "Save",
    }
    response = client.post("/admin/exclusions/create", data=form, follow_redirects=False)
    assert response.status_code == 302, response.text[:500]
    with engine.connect() as conn:
        domains = [r[0] for r in conn.execute(select(table("domain_exclusions").c.domain))]
    assert domains == ["slack.com"]

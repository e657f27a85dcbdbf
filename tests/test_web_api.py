"""The JSON API: the run ledger, starting runs, gems, AI audit, messages (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.helpers import insert_message
from tests.test_web_support import (  # noqa: F401  (plan is a fixture)
    HOSTILE_HTML,
    HOSTILE_NAME,
    insert_row,
    login,
    make_client,
    now,
    plan,
)

from inboxmine.db.tables.ledger import item_errors, pipeline_runs
from inboxmine.runner import ledger
from inboxmine.web.models import table


@pytest.fixture
def client(settings, engine, plan):  # noqa: F811
    with make_client(settings, engine) as c:
        c.headers["X-CSRF-Token"] = login(c)
        yield c


def _run(engine, stage, status, started_minutes_ago=None, items=0, error=None, by="cli"):
    values = {
        "stage": stage,
        "status": status,
        "triggered_by": by,
        "created_at": now() - timedelta(minutes=60),
        "items_processed": items,
        "items_failed": 0,
        "cancel_requested": False,
        "error_message": error,
    }
    if started_minutes_ago is not None:
        values["started_at"] = now() - timedelta(minutes=started_minutes_ago)
        if status in ("completed", "failed"):
            values["completed_at"] = values["started_at"] + timedelta(seconds=42)
    return insert_row(engine, pipeline_runs, **values)


def test_runs_list_newest_first_by_default_with_total(client, engine):
    old = _run(engine, "metadata", "completed", 30, items=10)
    new = _run(engine, "content", "completed", 5, items=7)
    body = client.get("/api/pipeline/runs").json()
    assert body["total"] == 2
    assert [r["id"] for r in body["items"]] == [new, old]
    assert set(body["items"][0]) >= {
        "id",
        "stage",
        "status",
        "started_at",
        "completed_at",
        "items_processed",
        "triggered_by",
        "error_message",
        "created_at",
    }


def test_runs_filter_search_sort_and_paginate(client, engine):
    _run(engine, "metadata", "completed", 30, items=10)
    failed = _run(engine, "entities", "failed", 20, items=3, error="entities: model missing")
    _run(engine, "content", "completed", 10, items=99)
    assert [r["id"] for r in client.get("/api/pipeline/runs?status=failed").json()["items"]] == [
        failed
    ]
    assert client.get("/api/pipeline/runs?q=ENTIT").json()["total"] == 1
    by_items = client.get("/api/pipeline/runs?sort=items_processed&order=asc").json()["items"]
    assert [r["items_processed"] for r in by_items] == [3, 10, 99]
    by_stage = client.get("/api/pipeline/runs?sort=stage&order=asc").json()["items"]
    assert [r["stage"] for r in by_stage] == ["content", "entities", "metadata"]
    page = client.get("/api/pipeline/runs?limit=1&offset=1").json()
    assert page["total"] == 3 and len(page["items"]) == 1


@pytest.mark.parametrize(
    "query",
    [
        "sort=bogus",
        "order=sideways",
        "limit=0",
        "limit=abc",
        "offset=-1",
        "status=lost",
        "q=" + "x" * 101,
    ],
)
def test_bad_parameters_are_422_with_a_message(client, query):
    response = client.get(f"/api/pipeline/runs?{query}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"]


def test_run_detail_has_error_duration_and_item_errors(client, engine):
    run_id = _run(engine, "content", "failed", 3, items=2, error="content failed: disk full")
    insert_row(
        engine,
        item_errors,
        pipeline_run_id=run_id,
        stage="content",
        item_id="17",
        error="ValueError: bad charset",
        created_at=now(),
    )
    body = client.get(f"/api/pipeline/runs/{run_id}").json()
    assert body["error_message"] == "content failed: disk full"
    assert body["duration_s"] == pytest.approx(42.0)
    assert body["item_errors"][0]["item_id"] == "17"
    assert client.get("/api/pipeline/runs/999999").status_code == 404


def test_runs_are_read_only_through_the_api(client, engine):
    run_id = _run(engine, "metadata", "completed", 1)
    assert client.delete(f"/api/pipeline/runs/{run_id}").status_code == 405
    assert client.put(f"/api/pipeline/runs/{run_id}", json={"status": "failed"}).status_code == 405
    assert client.post("/api/pipeline/runs", json={"stage": "metadata"}).status_code == 405
    assert ledger.get_run(engine, run_id)["status"] == "completed"


def test_running_a_stage_from_the_web_records_a_web_run(client, engine, plan):  # noqa: F811
    body = client.post("/api/pipeline/run/metadata").json()
    assert body["status"] == "queued" and body["stages"] == ["metadata"]
    run = ledger.get_run(engine, body["run_ids"][0])
    assert run["status"] == "completed"
    assert run["triggered_by"] == "web"
    assert run["items_processed"] == 3


def test_run_all_runs_stages_1_to_6_in_order(client, engine, plan):  # noqa: F811
    body = client.post("/api/pipeline/run/all?retrain=true").json()
    assert body["stages"] == ["metadata", "content", "entities", "classify", "profile", "segment"]
    assert plan.ran == body["stages"]
    runs = [ledger.get_run(engine, i) for i in body["run_ids"]]
    assert all(r["status"] == "completed" for r in runs)
    starts = [r["started_at"] for r in runs]
    assert starts == sorted(starts)
    assert runs[3]["parameters"] == {"retrain": True}


def test_run_all_stops_at_the_first_failure(client, engine, plan):  # noqa: F811
    plan.fail.add("entities")
    body = client.post("/api/pipeline/run/all").json()
    statuses = [ledger.get_run(engine, i)["status"] for i in body["run_ids"]]
    assert statuses == ["completed", "completed", "failed", "failed", "failed", "failed"]
    assert plan.ran == ["metadata", "content", "entities"]
    later = ledger.get_run(engine, body["run_ids"][3])
    assert "previous stage entities" in later["error_message"]


def test_unknown_stage_is_422_naming_the_choices(client):
    response = client.post("/api/pipeline/run/metdata")
    assert response.status_code == 422
    assert "metadata" in response.json()["detail"]


def test_stages_overview_lists_output_rows_and_last_run(client, engine):
    insert_message(engine)
    client.post("/api/pipeline/run/content")
    stages = {s["key"]: s for s in client.get("/api/stages").json()}
    assert stages["content"]["row_count"] == 1
    assert stages["content"]["last_run"]["status"] == "completed"
    assert stages["metadata"]["last_run"] is None
    assert stages["engage"]["in_run_all"] is False


def test_stats_count_rows(client, engine):
    insert_message(engine)
    insert_message(engine)
    stats = client.get("/api/stats").json()
    assert stats["messages"] == 2
    assert stats["pipeline_runs"] == 0


def _gem(engine, **values):
    gems = table("gems")
    row = {
        "gem_type": "dormant_warm_thread",
        "sender_domain": "acme.example",
        "thread_key": "",
        "status": "new",
        "score": 80,
        "detector_score": 80,
        "summary": "A warm thread went quiet",
        "created_at": now(),
    }
    row.update(values)
    row = {k: v for k, v in row.items() if k in gems.c}
    return insert_row(engine, gems, **row)


@pytest.mark.skipif(table("gems") is None, reason="the gems table is not in this version")
def test_gem_status_changes_and_validation(client, engine):
    gem_id = _gem(engine)
    acted = client.post(f"/api/gems/{gem_id}/status", json={"status": "acted"}).json()
    assert acted["status"] == "acted"
    assert acted.get("acted_at") is not None
    assert client.post(f"/api/gems/{gem_id}/status", json={"status": "won"}).status_code == 422
    assert client.post("/api/gems/424242/status", json={"status": "acted"}).status_code == 404
    # Reopening clears the stamps, exactly as `inboxmine gems status ID new` does (one service).
    reopened = client.post(f"/api/gems/{gem_id}/status", json={"status": "new"}).json()
    assert reopened["status"] == "new" and reopened["acted_at"] is None


@pytest.mark.skipif(table("gems") is None, reason="the gems table is not in this version")
def test_generate_draft_queues_engage_for_that_gem(client, engine, plan):  # noqa: F811
    gem_id = _gem(engine)
    body = client.post(f"/api/gems/{gem_id}/generate").json()
    assert body["stages"] == ["engage"]
    run = ledger.get_run(engine, body["run_ids"][0])
    assert run["parameters"] == {"gem_ids": [gem_id]}
    assert run["triggered_by"] == "web"
    assert client.post("/api/gems/999999/generate").status_code == 404


@pytest.mark.skipif(table("gems") is None, reason="the gems table is not in this version")
def test_gem_list_filters_in_the_database(client, engine):
    _gem(engine, score=90, urgency="high", sender_domain="a.example")
    _gem(engine, score=50, urgency="low", sender_domain="b.example")
    body = client.get("/api/gems?urgency=high").json()
    assert body["total"] == 1 and body["items"][0]["sender_domain"] == "a.example"
    assert client.get("/api/gems?min_score=60").json()["total"] == 1
    assert client.get("/api/gems?min_score=abc").status_code == 422


def test_messages_api_never_returns_raw_html(client, engine):
    message_id = insert_message(engine, from_name=HOSTILE_NAME, body_html=HOSTILE_HTML)
    listed = client.get("/api/messages?q=someone").json()
    assert listed["items"][0]["from_name"] == HOSTILE_NAME  # JSON is data; pages escape it
    body = client.get(f"/api/messages/{message_id}").json()
    assert "body_html" not in body and "raw_compressed" not in body
    assert "<script" not in body["body_html_sanitized"]
    assert "tracker.example" not in body["body_html_sanitized"]
    assert body["remote_images_blocked"] == 1


@pytest.mark.skipif(table("ai_audit_log") is None, reason="no AI audit table in this version")
def test_ai_audit_filters(client, engine):
    audit = table("ai_audit_log")
    base = {
        "stage": "classify",
        "model_used": "heuristic",
        "status": "ok",
        "cached": False,
        "attempts": 1,
        "duration_ms": 5,
        "created_at": now(),
        "prompt_rendered": "classify this",
    }
    insert_row(
        engine,
        audit,
        **{k: v for k, v in {**base, "sender_domain": "acme.example"}.items() if k in audit.c},
    )
    insert_row(
        engine,
        audit,
        **{
            k: v
            for k, v in {**base, "stage": "engage", "sender_domain": "zeta.example"}.items()
            if k in audit.c
        },
    )
    assert client.get("/api/ai-audit?stage=engage").json()["total"] == 1
    assert (
        client.get("/api/ai-audit?sender_domain=acme").json()["items"][0]["sender_domain"]
        == "acme.example"
    )
    first = client.get("/api/ai-audit").json()["items"][-1]["id"]
    assert client.get(f"/api/ai-audit/{first}").json()["prompt_rendered"] == "classify this"
    assert client.get("/api/ai-audit?limit=9999").status_code == 422

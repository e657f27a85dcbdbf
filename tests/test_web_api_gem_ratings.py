"""The gem rating endpoints over HTTP: rate, re-rate, remove, quality, validation,
CSRF, and the Gem Explorer showing ratings (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from tests.test_gem_ratings import _gem, _rows, _status, _suppressions
from tests.test_web_support import login, make_client

from inboxmine.db.engine import read_tx
from inboxmine.db.tables.trust import gem_ratings
from inboxmine.trust import overrides


@pytest.fixture
def client(settings, engine):
    with make_client(settings, engine) as c:
        c.headers["X-CSRF-Token"] = login(c)
        yield c


def test_rating_a_gem_bad_through_the_api_dismisses_it_and_marks_spam(client, engine):
    gem_id = _gem(engine, "weak_marketing_lead", "ex.pharmacy@outlook.com", score=64)
    response = client.post(
        f"/api/gems/{gem_id}/rating", json={"rating": "bad", "reason": "spam", "note": "pills"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "dismissed"
    assert body["rating"]["rated_by"] == "web" and body["rating"]["score_at_rating"] == 64
    assert body["suppressions"] == [
        {
            "sender_domain": "ex.pharmacy@outlook.com",
            "gem_type": "weak_marketing_lead",
            "thread_key": "",
        }
    ]
    assert body["trust"] == {"verdict": "spam", "source": "rating", "changed": True}
    with read_tx(engine) as conn:
        assert overrides.get_override(conn, "ex.pharmacy@outlook.com")["verdict"] == "spam"

    assert client.get(f"/api/gems/{gem_id}").json()["rating"]["reason"] == "spam"
    again = client.post(f"/api/gems/{gem_id}/rating", json={"rating": "good"}).json()
    assert (
        again["status"] == "new"
        and again["suppressions"] == []
        and again["trust"]["verdict"] is None
    )
    assert len(_rows(engine, gem_ratings)) == 1


def test_removing_a_rating_undoes_it_and_a_second_removal_is_404(client, engine):
    gem_id = _gem(engine, "dormant_warm_thread", "dana@acme.io", thread_key="5")
    client.post(f"/api/gems/{gem_id}/rating", json={"rating": "bad", "reason": "already_handled"})
    assert _suppressions(engine) == {("dana@acme.io", "dormant_warm_thread", "5")}
    body = client.delete(f"/api/gems/{gem_id}/rating").json()
    assert body["removed"]["reason"] == "already_handled" and body["rating"] is None
    assert _suppressions(engine) == set() and _status(engine, gem_id) == "new"
    missing = client.delete(f"/api/gems/{gem_id}/rating")
    assert missing.status_code == 404 and "has no rating" in missing.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {"rating": "meh"},
        {"rating": "bad", "reason": "boring"},
        {"rating": "good", "reason": "spam"},
        {"rating": "bad", "note": "x" * 2001},
        {},
    ],
)
def test_invalid_ratings_are_422_and_store_nothing(client, engine, body):
    gem_id = _gem(engine)
    response = client.post(f"/api/gems/{gem_id}/rating", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"]
    assert _rows(engine, gem_ratings) == [] and _status(engine, gem_id) == "new"


def test_rating_a_missing_gem_is_404_and_writes_need_the_csrf_token(client, engine):
    assert client.post("/api/gems/4242/rating", json={"rating": "good"}).status_code == 404
    gem_id = _gem(engine)
    token = client.headers.pop("X-CSRF-Token")
    assert client.post(f"/api/gems/{gem_id}/rating", json={"rating": "bad"}).status_code == 403
    assert client.delete(f"/api/gems/{gem_id}/rating").status_code == 403
    client.headers["X-CSRF-Token"] = token
    assert _rows(engine, gem_ratings) == []


def test_quality_over_http_follows_the_ratings(client, engine):
    empty = client.get("/api/gems/quality").json()
    assert empty["rated"] == 0 and empty["precision"] is None and empty["note"]
    ids = [_gem(engine, "partner_program", f"p{n}.io", score=90 - n) for n in range(4)]
    for gem_id, verdict in zip(ids, ["good", "good", "good", "bad"], strict=True):
        client.post(f"/api/gems/{gem_id}/rating", json={"rating": verdict})
    body = client.get("/api/gems/quality").json()
    assert (body["rated"], body["good"], body["precision"]) == (4, 3, 0.75)
    assert body["top"][0] == {"top": 10, "rated": 4, "good": 3, "bad": 1, "precision": 0.75}
    assert body["by_type"] == [
        {"gem_type": "partner_program", "rated": 4, "good": 3, "bad": 1, "precision": 0.75}
    ]
    assert body["suppressions"] == 1 and body["note"] is None
    # /gems/quality is not taken for a gem id, and a gem id still works.
    assert client.get(f"/api/gems/{ids[0]}").json()["id"] == ids[0]


def test_the_gem_explorer_shows_each_rating_and_the_quality_escaped(client, engine):
    hostile = "<img src=x onerror=alert(1)>"
    rated = _gem(engine, "partner_program", "acme.io", score=80)
    _gem(engine, "vendor_upsell", "v.io", score=70)
    client.post(
        f"/api/gems/{rated}/rating", json={"rating": "bad", "reason": "my_vendor", "note": hostile}
    )
    page = client.get("/admin/gem-explorer").text
    assert 'id="gem-quality"' in page and 'id="quality-overall">0%<' in page
    assert f'data-gem-rating="{rated}" data-rating="bad">rated bad (my vendor)<' in page
    assert page.count('class="btn btn-sm btn-outline-danger gem-rate"') == 2

    # The ratings and suppressions tables are read-only views, escaped.
    listing = client.get("/admin/gem-ratings/list").text
    assert "my_vendor" in listing and "/admin/gem-ratings/create" not in listing
    [row] = _rows(engine, gem_ratings)
    detail = client.get(f"/admin/gem-ratings/details/{row['id']}").text
    assert hostile not in detail and "&lt;img" in detail
    assert client.get("/admin/gem-ratings/create").status_code == 403
    assert client.get(f"/admin/gem-ratings/edit/{row['id']}").status_code == 403
    assert client.get("/admin/gem-suppressions/create").status_code == 403
    assert "acme.io" in client.get("/admin/gem-suppressions/list").text

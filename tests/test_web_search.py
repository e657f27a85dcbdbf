"""Search over HTTP: GET /api/search and the admin's Search page (SQLite and PostgreSQL)."""

from __future__ import annotations

import socket
import threading
import time
from datetime import UTC, datetime

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import insert
from tests.helpers import insert_message
from tests.test_web_support import (  # noqa: F401  (plan is a fixture)
    HOSTILE_HTML,
    HOSTILE_NAME,
    HOSTILE_SUBJECT,
    insert_row,
    login,
    make_client,
    plan,
)

from inboxmine.db.engine import write_tx
from inboxmine.db.tables.metadata_stage import parsed_metadata
from inboxmine.db.tables.opportunities import gems, sender_profiles


@pytest.fixture
def client(settings, engine, plan):  # noqa: F811
    with make_client(settings, engine) as c:
        c.headers["X-CSRF-Token"] = login(c)
        yield c


@pytest.fixture
def mail(engine):
    now = datetime.now(UTC)
    ids = {
        "quote": insert_message(
            engine,
            from_address="dave@acme.io",
            from_name="Dave",
            subject="Your renewal quote",
            body_text="The renewal quote for 2025 is attached.",
            sent_at=datetime(2024, 5, 1, tzinfo=UTC),
        ),
        "hostile": insert_message(
            engine,
            from_address="evil@tracker.example",
            from_name=HOSTILE_NAME,
            subject=HOSTILE_SUBJECT,
            body_html=HOSTILE_HTML
            + "<p>renewal <b>offer</b> &lt;script&gt;alert(9)&lt;/script&gt;</p>",
            sent_at=datetime(2024, 6, 1, tzinfo=UTC),
        ),
        "other": insert_message(engine, subject="lunch", body_text="pizza at noon"),
    }
    insert_row(
        engine, parsed_metadata, message_id=ids["quote"], sender_domain="acme.io", parsed_at=now
    )
    with write_tx(engine) as conn:
        conn.execute(
            insert(sender_profiles).values(
                sender_domain="acme.io", company_name="Acme", profiled_at=now
            )
        )
    ids["gem"] = insert_row(
        engine,
        gems,
        gem_type="renewal_leverage",
        sender_domain="acme.io",
        thread_key="",
        status="new",
        score=80,
        summary="renewal",
        created_at=now,
    )
    return ids


def test_api_answers_ranked_with_links(client, mail):
    body = client.get("/api/search", params={"q": "renewal quote"}).json()
    assert body["ranked"] and body["total"] == 1
    hit = body["items"][0]
    assert hit["id"] == mail["quote"]
    assert hit["message_url"] == f"/admin/messages/details/{mail['quote']}"
    assert hit["profile_url"] == "/admin/profiles/details/acme.io"
    assert hit["gems"] == [
        {
            "id": mail["gem"],
            "gem_type": "renewal_leverage",
            "score": 80,
            "url": f"/admin/gems/details/{mail['gem']}",
        }
    ]
    assert {"text": "renewal quote", "match": True} in hit["snippet_parts"] or any(
        p["match"] for p in hit["snippet_parts"]
    )
    both = client.get("/api/search", params={"q": "renewal", "limit": 1}).json()
    assert both["total"] == 2 and len(both["items"]) == 1


def test_api_refuses_a_malformed_query_with_the_fix(client, mail):
    response = client.get("/api/search", params={"q": "after:2024-13-01"})
    assert response.status_code == 422
    assert "after:2024-13-01" in response.json()["detail"]
    assert client.get("/api/search", params={"q": ""}).status_code == 422
    assert client.get("/api/search", params={"q": "x", "limit": 0}).status_code == 422


def test_the_search_page_escapes_everything_and_links_to_message_profile_and_gem(client, mail):
    html = client.get("/admin/search", params={"q": "renewal"}).text
    assert 'id="search-results"' in html
    assert f'href="/admin/messages/details/{mail["hostile"]}"' in html
    assert f'href="/admin/messages/details/{mail["quote"]}"' in html
    assert 'href="/admin/profiles/details/acme.io"' in html
    assert f'href="/admin/gems/details/{mail["gem"]}"' in html
    assert "<mark>renewal</mark>" in html
    assert HOSTILE_NAME not in html and HOSTILE_SUBJECT not in html
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(9)" in html  # the text of the body, escaped once more
    # Every admin page carries the search box.
    assert 'id="admin-search"' in client.get("/admin/pipeline").text


def test_the_search_page_says_what_is_wrong(client, mail):
    response = client.get("/admin/search", params={"q": '"unclosed'})
    assert response.status_code == 422
    assert "close the phrase" in response.text
    assert client.get("/admin/search").status_code == 200  # no query: just the box


def test_the_message_table_searches_the_index(client, mail):
    # A word only in the body: the old LIKE search over subject/sender missed it.
    html = client.get("/admin/messages/list", params={"search": "pizza"}).text
    assert f"/admin/messages/details/{mail['other']}" in html
    assert f"/admin/messages/details/{mail['quote']}" not in html
    listed = client.get("/api/messages", params={"q": "from:dave"}).json()
    assert [m["id"] for m in listed["items"]] == [mail["quote"]]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_api_over_a_real_http_server_with_a_bearer_token(settings, engine, mail):
    import uvicorn

    from inboxmine.web.app import create_app

    settings = settings.model_copy(update={"api_token": SecretStr("search-test-token")})
    app = create_app(settings, engine, password="pw", queue_mode="immediate")
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        url = f"http://127.0.0.1:{port}/api/search"
        assert httpx.get(url, params={"q": "pizza"}).status_code == 401
        answer = httpx.get(
            url,
            params={"q": "pizza -renewal"},
            headers={"Authorization": "Bearer search-test-token"},
        )
        assert answer.status_code == 200
        assert [h["id"] for h in answer.json()["items"]] == [mail["other"]]
    finally:
        server.should_exit = True
        thread.join(timeout=10)

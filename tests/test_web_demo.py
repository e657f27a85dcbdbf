"""The admin on real pipeline output: a small demo mailbox through every real stage.

Every page and every table view must render the real rows (JSON columns,
timestamps, evidence) and the API must agree with the database.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from tests.helpers import demo_database
from tests.test_web_support import login, make_client

from inboxmine.web.admin.tables import registered_views
from inboxmine.web.models import table

pytestmark = pytest.mark.slow


@pytest.fixture
def demo_client(settings, engine, demo_corpus):
    settings, _ = demo_database(engine, settings, demo_corpus(seed=7, messages=150))
    with make_client(settings, engine) as client:
        client.headers["X-CSRF-Token"] = login(client)
        yield client


def test_run_all_from_the_web_fills_every_view(demo_client, engine):
    body = demo_client.post("/api/pipeline/run/all").json()
    runs = [demo_client.get(f"/api/pipeline/runs/{i}").json() for i in body["run_ids"]]
    assert [r["status"] for r in runs] == ["completed"] * len(runs), [
        r["error_message"] for r in runs
    ]
    assert all(r["triggered_by"] == "web" for r in runs)

    stats = demo_client.get("/api/stats").json()
    with engine.connect() as conn:
        assert (
            stats["messages"]
            == conn.execute(select(func.count()).select_from(table("messages"))).scalar_one()
        )
    assert stats["profiles"] > 0 and stats["gems"] > 0

    for path in ("/admin/", "/admin/pipeline", "/admin/gem-explorer", "/admin/ai-inspector"):
        assert demo_client.get(path).status_code == 200, path
    for view in registered_views():
        listing = demo_client.get(f"/admin/{view.identity}/list")
        assert listing.status_code == 200, view.identity

    gem = demo_client.get("/api/gems?limit=1").json()["items"][0]
    assert demo_client.get(f"/admin/gems/details/{gem['id']}").status_code == 200
    domain = gem["sender_domain"]
    assert demo_client.get(f"/admin/score-inspector?domain={domain}").status_code == 200
    message_id = demo_client.get("/api/messages?limit=1").json()["items"][0]["id"]
    assert demo_client.get(f"/admin/messages/details/{message_id}").status_code == 200
    assert demo_client.get(f"/admin/message-body/{message_id}").status_code == 200

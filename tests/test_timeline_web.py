"""Timeline and reading habits over real HTTP (uvicorn on 127.0.0.1, SQLite
and PostgreSQL): the API with a bearer token, the admin pages with a login,
and the CLI's `profiles show`."""

from __future__ import annotations

import csv
import json
import socket
import threading
import time

import httpx
import pytest
from pydantic import SecretStr
from tests.people_mail import HOSTILE_SUBJECT, load_people_mail
from tests.test_web_support import PASSWORD, csrf_from
from typer.testing import CliRunner

from inboxmine.cli.main import app as cli_app

TOKEN = "timeline-test-token"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(engine, settings, tmp_path):
    import uvicorn

    from inboxmine.web.app import create_app

    settings = load_people_mail(engine, settings, tmp_path)
    settings = settings.model_copy(update={"api_token": SecretStr(TOKEN)})
    web = create_app(settings, engine, password=PASSWORD, queue_mode="immediate")
    port = _free_port()
    uv = uvicorn.Server(uvicorn.Config(web, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert uv.started, "the server did not start"
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def api(server):
    with httpx.Client(base_url=server, headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        yield client


@pytest.fixture
def admin(server):
    with httpx.Client(base_url=server) as client:
        page = client.get("/admin/login")
        response = client.post(
            "/admin/login", data={"password": PASSWORD, "csrf_token": csrf_from(page.text)}
        )
        assert response.status_code in (200, 302)
        yield client


def test_api_timeline_of_a_contact_and_a_company(api):
    body = api.get("/api/timeline/ann@newco.example", params={"limit": 4}).json()
    assert body["kind"] == "contact" and len(body["entries"]) == 4
    assert "ann.lee@oldco.example" in body["addresses"]
    assert body["entries"][0]["at"] >= body["entries"][-1]["at"]  # ISO times, newest first
    company = api.get("/api/timeline/newco.example").json()
    assert {p["name"] for p in company["people"]} == {"Ann Lee", "Bob Stone"}
    assert api.get("/api/timeline/nobody.example").status_code == 404
    bad = api.get("/api/timeline/not%20a%20sender")
    assert bad.status_code == 422 and "neither an address nor a domain" in bad.json()["detail"]
    assert httpx.get(api.base_url.join("/api/timeline/newco.example")).status_code == 401


def test_api_habits_never_read_and_csv(api):
    body = api.get("/api/habits", params={"never_read": "true"}).json()
    assert body["total"] == 1 and body["items"][0]["sender"] == "weekly.example"
    page = api.get("/api/habits", params={"limit": 2, "offset": 1, "sort": "messages"}).json()
    assert page["total"] == 6 and len(page["items"]) == 2
    assert api.get("/api/habits", params={"by": "folder"}).status_code == 422
    response = api.get("/api/habits.csv", params={"by": "list"})
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(response.text.splitlines()))
    assert rows[0]["list"] == "weekly.list.weekly.example" and rows[0]["unread"] == "4"


def test_admin_profile_page_has_the_timeline_escaped(admin, engine):
    from sqlalchemy import insert

    from inboxmine.db.engine import write_tx
    from inboxmine.db.tables.opportunities import sender_profiles

    with write_tx(engine) as conn:
        conn.execute(
            insert(sender_profiles).values(
                sender_domain="newco.example", company_name="Newco", profiled_at=time_now()
            )
        )
    page = admin.get("/admin/profiles/details/newco.example")
    assert page.status_code == 200
    assert 'id="timeline"' in page.text and "Bob Stone" in page.text
    assert "you owe a reply" in page.text and "they owe you a reply" in page.text
    # The hostile subject is text, never markup.
    assert HOSTILE_SUBJECT not in page.text
    assert "&lt;img src=x onerror=" in page.text


def test_admin_timeline_page_for_a_contact_and_a_bad_one(admin):
    page = admin.get("/admin/timeline", params={"sender": "ann.lee@oldco.example"})
    assert page.status_code == 200
    assert "ann@newco.example" in page.text and "ann@other.example" not in page.text
    missing = admin.get("/admin/timeline", params={"sender": "nobody.example"})
    assert "no message from or to nobody.example" in missing.text
    assert admin.get("/admin/timeline", params={"limit": "many"}).status_code == 422


def test_admin_habits_page_and_its_csv_download(admin):
    page = admin.get("/admin/habits", params={"never_read": "1"})
    assert page.status_code == 200
    assert "weekly.example" in page.text and "shop.example" not in page.text
    assert "never unsubscribes you and never sends anything" in page.text
    download = admin.get("/admin/habits/export.csv", params={"never_read": "1"})
    assert download.headers["content-type"].startswith("text/csv")
    assert [r["sender"] for r in csv.DictReader(download.text.splitlines())] == ["weekly.example"]
    assert admin.get("/admin/habits", params={"sort": "bogus"}).status_code == 422


def time_now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


# ------------------------------------------------------------------ CLI


def test_cli_profiles_show_a_contact_with_limit_and_json(db_url, engine, settings, tmp_path):
    load_people_mail(engine, settings, tmp_path)
    runner = CliRunner()
    result = runner.invoke(cli_app, ["--db", db_url, "profiles", "show", "ann@newco.example", "--limit", "3", "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert len(body["entries"]) == 3 and body["totals"]["messages"] == 7
    text = runner.invoke(cli_app, ["--db", db_url, "profiles", "show", "newco.example"])
    assert text.exit_code == 0, text.output
    assert "you owe a reply" in text.output and "they owe you a reply" in text.output
    assert "Bob Stone" in text.output and "timeline (newest" in text.output
    missing = runner.invoke(cli_app, ["--db", db_url, "profiles", "show", "nobody.example"])
    assert missing.exit_code == 1 and "no message from or to nobody.example" in missing.output
    # The listing still works, plain and with a search.
    listing = runner.invoke(cli_app, ["--db", db_url, "profiles", "newco", "--json"])
    assert listing.exit_code == 0 and json.loads(listing.output) == []

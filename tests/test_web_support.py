"""Shared helpers of the web tests: test stages, a logged-in client, hostile rows.

(No tests here; the name keeps it beside the web tests it serves.)
"""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from inboxmine.db.engine import write_tx
from inboxmine.runner import registry
from inboxmine.runner.stage import Item, Outcome, Stage
from inboxmine.runner.tracking import StageError
from inboxmine.web.app import create_app

PASSWORD = "correct horse battery"
HOSTILE_NAME = "<img src=x onerror=alert(1)>"
HOSTILE_SUBJECT = "</script><script>alert('subject')</script>"
HOSTILE_HTML = (
    "<p>Hello</p><script>alert('body')</script>"
    '<img src="http://tracker.example/open.gif?u=1" width="1" height="1">'
    '<div style="background:url(https://tracker.example/bg.png)" onclick="alert(2)">x</div>'
    '<a href="javascript:alert(3)">click</a>'
    '<iframe src="https://evil.example/"></iframe>'
    '<link rel="stylesheet" href="https://evil.example/x.css">'
)


class StagePlan:
    """What the test stages do: which fail, how slowly they work, what ran in which order."""

    def __init__(self) -> None:
        self.fail: set[str] = set()
        self.delay_s = 0.0
        self.items = 3
        self.ran: list[str] = []
        self.lock = threading.Lock()

    def stage(self, key: str, order: int, uses_ai: bool = False) -> Stage:
        def items(ctx):
            with self.lock:
                self.ran.append(key)
            if key in self.fail:
                raise StageError(f"{key} cannot work: the test made it fail; fix the test")
            return [Item(name=f"item-{n}") for n in range(self.items)]

        def transform(loaded, prepared):
            if self.delay_s:
                time.sleep(self.delay_s)
            return Outcome(rows={})

        return Stage(
            key=key,
            order=order,
            description=f"Stage {order}: {key} (test)",
            output_tables=("messages",),
            uses_ai=uses_ai,
            in_run_all=key != "engage",
            keyed_by="sender",
            pending="all",
            items=items,
            load=lambda conn, batch, ctx: [None] * len(batch),
            transform=transform,
            write=lambda conn, outcomes, ctx: None,
            parallel=False,
        )


@pytest.fixture
def plan(monkeypatch) -> StagePlan:
    """Test stages 1-7 in place of the real ones (fast, controllable)."""
    plan = StagePlan()
    keys = ("metadata", "content", "entities", "classify", "profile", "segment", "engage")
    fake = {
        key: plan.stage(key, i + 1, uses_ai=key in ("classify", "engage"))
        for i, key in enumerate(keys)
    }
    monkeypatch.setattr(registry, "stages", lambda: fake)
    return plan


def csrf_from(html: str) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert found, "no CSRF token in the page"
    return found.group(1)


def login(client: TestClient, password: str = PASSWORD) -> str:
    """Log in through the form; returns the session's CSRF token."""
    page = client.get("/admin/login")
    response = client.post(
        "/admin/login",
        data={"password": password, "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 302, response.text
    return csrf_from(client.get("/admin/").text)


def make_client(settings, engine, queue_mode: str = "immediate", **kwargs) -> TestClient:
    app = create_app(settings, engine, password=PASSWORD, queue_mode=queue_mode, **kwargs)
    return TestClient(app, base_url="http://127.0.0.1:8000")


def insert_row(engine, table, **values) -> int:
    with write_tx(engine) as conn:
        result = conn.execute(insert(table).values(**values))
        return int(result.inserted_primary_key[0]) if result.inserted_primary_key else 0


def now() -> datetime:
    return datetime.now(UTC)

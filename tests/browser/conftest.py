"""A real admin server (uvicorn in a thread, SQLite, the huey queue) and Debian's Chromium.

Never ``playwright install``: the tests use /usr/bin/chromium and skip with a
reason when it is missing.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from inboxmine.config import load_settings
from inboxmine.db.engine import make_engine, write_tx
from inboxmine.db.tables.ledger import pipeline_runs
from inboxmine.runner import registry
from inboxmine.web.models import table

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "browser test password"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _seed(engine) -> dict:
    """Runs (one failed), a hostile message, gems: what the browser tests look at."""
    from tests.helpers import insert_message
    from tests.test_web_support import HOSTILE_HTML, HOSTILE_NAME, HOSTILE_SUBJECT

    now = datetime.now(UTC)
    ids: dict = {"runs": []}
    with write_tx(engine) as conn:
        for stage, status, minutes, items, error in (
            ("metadata", "completed", 50, 120, None),
            ("content", "completed", 40, 15, None),
            ("entities", "failed", 30, 7, "entities: the spaCy model is missing - pip install inboxmine[nlp]"),
        ):  # fmt: skip
            started = now - timedelta(minutes=minutes)
            result = conn.execute(
                insert(pipeline_runs).values(
                    stage=stage,
                    status=status,
                    triggered_by="cli",
                    created_at=started - timedelta(seconds=3),
                    started_at=started,
                    completed_at=started + timedelta(seconds=20),
                    items_processed=items,
                    items_failed=0,
                    cancel_requested=False,
                    error_message=error,
                )
            )
            ids["runs"].append(int(result.inserted_primary_key[0]))
    ids["failed_run"] = ids["runs"][-1]
    ids["hostile_message"] = insert_message(
        engine,
        from_name=HOSTILE_NAME,
        subject=HOSTILE_SUBJECT,
        body_html=HOSTILE_HTML,
        body_text="Hello in plain text",
        from_address="evil@tracker.example",
    )
    gems = table("gems")
    if gems is not None:
        row = {
            "gem_type": "partner_program",
            "sender_domain": "acme.example",
            "thread_key": "",
            "status": "new",
            "score": 77,
            "detector_score": 70,
            "summary": HOSTILE_SUBJECT,
            "estimated_value": "high",
            "urgency": "medium",
            "explanation": {
                "signals": [{"signal": "partner page", "evidence": [{"quote": HOSTILE_NAME}]}]
            },
            "recommended_actions": ["Apply to the partner program"],
            # The person of the gem: sender-controlled text, shown as text.
            "contact_email": "dana@acme.example",
            "contact_name": HOSTILE_NAME,
            "created_at": now,
        }
        with write_tx(engine) as conn:
            result = conn.execute(
                insert(gems).values(**{k: v for k, v in row.items() if k in gems.c})
            )
            ids["gem"] = int(result.inserted_primary_key[0])
    return ids


@pytest.fixture(scope="module")
def server(tmp_path_factory, sqlite_template):
    """The admin on a free 127.0.0.1 port, with fast test stages behind Pipeline Control."""
    if not CHROMIUM.exists():
        pytest.skip(
            "browser tests need Debian's Chromium at /usr/bin/chromium (apt-get install chromium)"
        )
    import uvicorn
    from tests.test_web_support import StagePlan

    from inboxmine.web.app import create_app

    folder = tmp_path_factory.mktemp("browser")
    db_path = folder / "inboxmine.db"
    shutil.copy(sqlite_template, db_path)
    settings = load_settings(database_url=f"sqlite:///{db_path}")
    engine = make_engine(settings.database_url)
    seeded = _seed(engine)
    plan = StagePlan()
    plan.delay_s = 0.15
    keys = ("metadata", "content", "entities", "classify", "profile", "segment", "engage")
    fake = {
        k: plan.stage(k, i + 1, uses_ai=k in ("classify", "engage")) for i, k in enumerate(keys)
    }
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(registry, "stages", lambda: fake)
        app = create_app(settings, engine, password=PASSWORD, queue_mode="threads")
        port = _free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        uv = uvicorn.Server(config)
        thread = threading.Thread(target=uv.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not uv.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert uv.started, "the admin server did not start"
        yield {"url": f"http://127.0.0.1:{port}", "engine": engine, "plan": plan, **seeded}
        uv.should_exit = True
        thread.join(timeout=10)
    engine.dispose()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(
            "browser tests need Debian's Chromium at /usr/bin/chromium (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    """A logged-in page that records every request, dialog and CSP complaint."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.requests = []
    page.dialogs = []
    page.console_errors = []
    page.on("request", lambda request: page.requests.append(request.url))

    def on_dialog(dialog):
        page.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on(
        "console",
        lambda msg: page.console_errors.append(msg.text) if msg.type == "error" else None,
    )
    page.goto(server["url"] + "/admin/login")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")
    yield page
    context.close()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

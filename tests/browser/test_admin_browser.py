"""The admin in a real browser: login, every page, live runs, Pipeline Runs, drafts, hostile mail."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from tests.browser.conftest import shot
from tests.test_web_support import HOSTILE_NAME

from inboxmine.runner import ledger
from inboxmine.web.admin.tables import registered_views

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CUSTOM_PAGES = {
    "dashboard": "/admin/",
    "pipeline-control": "/admin/pipeline",
    "gem-explorer": "/admin/gem-explorer",
    "score-inspector": "/admin/score-inspector?domain=acme.example",
    "ai-inspector": "/admin/ai-inspector",
    "api-docs": "/docs",
}


def _remote(urls: list[str]) -> list[str]:
    return [
        u
        for u in urls
        if urlsplit(u).scheme in ("http", "https", "ws", "wss")
        and urlsplit(u).hostname not in ("127.0.0.1", "localhost")
    ]


def test_login_is_required(browser, server):
    context = browser.new_context()
    page = context.new_page()
    page.goto(server["url"] + "/admin/pipeline")
    assert "/admin/login" in page.url
    page.fill("#password", "wrong")
    page.click("button[type=submit]")
    page.wait_for_selector(".invalid-feedback")
    assert "Wrong password" in page.inner_text(".invalid-feedback")
    shot(page, "login")
    context.close()


def test_every_page_opens_and_loads_nothing_remote(page, server):
    for name, path in CUSTOM_PAGES.items():
        response = page.goto(server["url"] + path)
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        shot(page, name)
    for view in registered_views():
        response = page.goto(f"{server['url']}/admin/{view.identity}/list")
        assert response.status == 200, view.identity
        shot(page, f"table-{view.identity}")
    assert _remote(page.requests) == []
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
    assert page.dialogs == []


def _wait_text(page, selector: str, pattern: str, timeout_ms: int = 20_000) -> None:
    page.wait_for_function(
        "([sel, pat]) => new RegExp(pat).test(document.querySelector(sel).textContent)",
        arg=[selector, pattern],
        timeout=timeout_ms,
    )


def test_running_a_stage_shows_started_and_done_live(page, server):
    page.goto(server["url"] + "/admin/pipeline")
    _wait_text(page, "#stream-state", "connected")
    page.click('button.run-stage[data-stage="metadata"]')
    _wait_text(page, "#live-output", r"\[STARTED\] metadata")
    _wait_text(page, "#live-output", r"\[DONE\] 3 items — metadata")
    shot(page, "pipeline-control-after-run")
    # The history and the stage card refresh without a reload.
    _wait_text(page, "#history-table", "metadata")
    page.click("#clear-output")
    assert page.inner_text("#live-output") == ""


def test_run_all_runs_stages_in_order_and_the_panel_survives_a_reconnect(page, server):
    page.goto(server["url"] + "/admin/pipeline")
    _wait_text(page, "#stream-state", "connected")
    server["plan"].ran.clear()
    page.click("#run-all")
    _wait_text(page, "#live-output", r"\[STARTED\] content")
    # Drop the connection mid-run: the browser reconnects and catches up.
    page.reload()
    _wait_text(page, "#stream-state", "connected")
    _wait_text(page, "#live-output", r"\[DONE\] 3 items — segment", timeout_ms=40_000)
    text = page.inner_text("#live-output")
    done = re.findall(r"\[DONE\] \d+ items — (\w+)", text)
    order = ["metadata", "content", "entities", "classify", "profile", "segment"]
    assert [s for s in done if s in order][-6:] == order or done[-4:] == order[-4:]
    assert server["plan"].ran == order
    shot(page, "pipeline-control-run-all")


def test_pipeline_runs_sort_search_and_failed_detail(page, server):
    page.goto(server["url"] + "/admin/pipeline-runs")
    assert page.url.endswith("/admin/pipeline-runs/list")
    for header in (
        "stage",
        "status",
        "started_at",
        "completed_at",
        "items_processed",
        "triggered_by",
    ):
        assert page.locator("th", has_text=header).count() >= 1
    page.goto(server["url"] + "/admin/pipeline-runs/list?sortBy=items_processed&sort=desc")
    first_items = page.locator("tbody tr").first.inner_text()
    assert "120" in first_items
    page.fill("#search-input", "failed")
    page.click("#search-button")
    page.wait_for_url("**search=failed**")
    rows = page.locator("tbody tr")
    assert rows.count() >= 1
    assert "entities" in rows.first.inner_text()
    shot(page, "pipeline-runs-search-failed")
    page.goto(f"{server['url']}/admin/pipeline-runs/details/{server['failed_run']}")
    assert "the spaCy model is missing" in page.inner_text("#run-error")
    assert "created_at" in page.content()
    shot(page, "pipeline-run-detail-failed")


def test_generate_a_draft_from_the_gem_explorer(page, server):
    if "gem" not in server:
        pytest.skip("the gems table is not in this version")
    page.goto(server["url"] + "/admin/gem-explorer")
    card = page.locator(f'.gem-card[data-gem-id="{server["gem"]}"]')
    card.locator(".gem-draft").click()
    _wait_text(page, f'[data-gem-message="{server["gem"]}"]', r"Draft queued as run \d+")
    run_id = int(re.search(r"run (\d+)", card.locator(".gem-message").inner_text()).group(1))
    run = ledger.get_run(server["engine"], run_id)
    assert run["stage"] == "engage" and run["triggered_by"] == "web"
    assert run["parameters"] == {"gem_ids": [server["gem"]]}
    card.locator('.gem-status-btn[data-status="acted"]').click()
    _wait_text(page, f'.gem-card[data-gem-id="{server["gem"]}"] .gem-status', "acted")
    shot(page, "gem-explorer-after-draft")
    assert page.dialogs == []


def test_a_gem_card_names_its_contact_as_plain_text(page, server):
    if "gem" not in server:
        pytest.skip("the gems table is not in this version")
    page.goto(server["url"] + "/admin/gem-explorer")
    contact = page.locator(f'.gem-card[data-gem-id="{server["gem"]}"] .gem-contact')
    text = contact.inner_text()
    assert HOSTILE_NAME in text and "dana@acme.example" in text
    page.goto(f"{server['url']}/admin/gems/details/{server['gem']}")
    assert HOSTILE_NAME in page.locator(".gem-contact").inner_text()
    assert page.dialogs == []


def test_a_hostile_message_executes_nothing_and_loads_nothing_remote(page, server):
    page.goto(f"{server['url']}/admin/messages/details/{server['hostile_message']}")
    page.wait_for_load_state("networkidle")
    frame = page.frame_locator("#message-frame")
    assert "Hello" in frame.locator("body").inner_text()
    page.goto(server["url"] + "/admin/messages/list")
    page.goto(server["url"] + "/admin/")
    page.goto(server["url"] + "/admin/gem-explorer")
    page.wait_for_load_state("networkidle")
    shot(page, "hostile-message-gem-explorer")
    page.goto(f"{server['url']}/admin/messages/details/{server['hostile_message']}")
    page.wait_for_load_state("networkidle")
    shot(page, "hostile-message")
    assert page.dialogs == []
    assert _remote(page.requests) == []
    assert any("/admin/message-body/" in u for u in page.requests)

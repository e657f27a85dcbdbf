"""The What changed page in a real browser: the digest, hostile text shown as text."""

from __future__ import annotations

import pytest
from tests.browser.conftest import shot
from tests.test_web_support import HOSTILE_SUBJECT

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_what_changed_lists_the_new_gem_and_runs_no_mail_script(page, server):
    page.goto(server["url"] + "/admin/digest?since=7d")
    section = page.locator("#digest-new_gems")
    assert section.locator(".digest-count").inner_text() == "1"
    item = section.locator(".digest-item").first
    assert HOSTILE_SUBJECT in item.inner_text()
    assert page.dialogs == []
    item.locator("a", has_text=f"gem {server['gem']}").click()
    page.wait_for_url(f"**/admin/gems/details/{server['gem']}")
    page.goto(server["url"] + "/admin/digest")
    assert "first digest" in page.locator("#digest-since-note").inner_text()
    shot(page, "digest")

    page.fill("#digest-since", "next tuesday")
    page.click("#digest-form button[type=submit]")
    assert "use last, a date" in page.locator("#digest-error").inner_text()
    assert all(u.startswith(server["url"]) for u in page.requests)

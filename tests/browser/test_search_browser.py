"""Search in a real browser: the search box on every admin page, its answers, a link to the message."""

from __future__ import annotations

import pytest
from tests.browser.conftest import shot
from tests.helpers import insert_message

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_typing_in_the_search_box_finds_the_message_and_opens_it(page, server):
    wanted = insert_message(
        server["engine"],
        from_address="dana@vendor.example",
        from_name="Dana",
        subject="Quarterly renewal quote",
        body_text="Dear customer, your quarterly renewal quote is attached. Regards, Dana",
    )
    insert_message(server["engine"], subject="lunch", body_text="renewal of the coffee machine")
    page.goto(server["url"] + "/admin/pipeline")
    page.fill("#admin-search", '"renewal quote" from:vendor.example')
    page.press("#admin-search", "Enter")
    page.wait_for_url("**/admin/search?q=*")
    rows = page.locator("tr.search-hit")
    assert rows.count() == 1
    row = rows.first
    assert row.get_attribute("data-message-id") == str(wanted)
    assert row.locator(".hit-snippet mark").first.inner_text().lower() == "renewal quote"
    assert "1 message match" in page.inner_text("#search-summary")
    shot(page, "search")
    row.locator("a.hit-message").click()
    page.wait_for_url(f"**/admin/messages/details/{wanted}")
    assert "Quarterly renewal quote" in page.content()


def test_hostile_mail_in_answers_stays_text_and_a_bad_query_says_why(page, server):
    page.goto(server["url"] + "/admin/search")
    page.fill("#search-query", "plain text")
    page.click("#search-page-form button[type=submit]")
    page.wait_for_selector("tr.search-hit")
    # The seeded hostile message: its name and subject show as text, nothing ran.
    assert "<img src=x onerror=alert(1)>" in page.inner_text("#search-results")
    assert page.dialogs == []
    page.fill("#search-query", "before:tomorrow")
    page.click("#search-page-form button[type=submit]")
    page.wait_for_selector("#search-error")
    assert "YYYY-MM-DD" in page.inner_text("#search-error")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]

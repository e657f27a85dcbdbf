"""The timeline on a profile page and the Reading Habits page in a real
browser: merged people, who owes a reply, hostile subjects as text, the
never-read report and its CSV download."""

from __future__ import annotations

import csv
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert
from tests.browser.conftest import shot
from tests.helpers import clean_settings
from tests.people_mail import HOSTILE_SUBJECT, load_people_mail

from inboxmine.db.engine import write_tx
from inboxmine.db.tables.opportunities import sender_profiles
from inboxmine.runner import registry

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

#: The real stages (the server fixture swaps in fast fake ones while it runs).
REAL_STAGES = registry.stages


@pytest.fixture(scope="module")
def people(server, tmp_path_factory):
    engine = server["engine"]
    settings = clean_settings(engine.url.render_as_string(hide_password=False))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(registry, "stages", REAL_STAGES)
        load_people_mail(engine, settings, tmp_path_factory.mktemp("people"))
    with write_tx(engine) as conn:
        conn.execute(
            insert(sender_profiles).values(
                sender_domain="newco.example", company_name="Newco", profiled_at=datetime.now(UTC)
            )
        )
    return server


def test_profile_page_shows_the_company_timeline_and_leads_to_a_contact(page, people):
    page.goto(people["url"] + "/admin/profiles/details/newco.example")
    section = page.locator("#timeline")
    section.wait_for()
    people_rows = page.locator("#timeline-people tbody tr")
    assert people_rows.count() == 2
    assert "Bob Stone" in page.locator("#timeline-people").inner_text()
    threads = page.locator("#timeline-threads")
    assert "you owe a reply" in threads.inner_text()
    assert "they owe you a reply" in threads.inner_text()
    # The hostile subject is shown as text: no image, no script, no dialog.
    assert HOSTILE_SUBJECT in page.locator("#timeline-entries").inner_text()
    assert page.locator("#timeline-entries img").count() == 0
    assert page.dialogs == []
    shot(page, "profile-timeline")

    page.locator("#timeline-people a", has_text="ann@newco.example").click()
    page.wait_for_url("**/admin/timeline?sender=ann%40newco.example")
    merged = page.locator("#timeline-people").inner_text()
    assert "ann.lee@oldco.example" in merged and "ann+events@newco.example" in merged
    assert "ann@other.example" not in page.content()
    assert page.locator("#timeline-entries tr[data-kind=message]").count() == 7
    assert page.locator("#timeline-entries [data-money]").first.inner_text() == "$12,000"
    shot(page, "contact-timeline")
    assert all(u.startswith(people["url"]) or u.startswith("data:") for u in page.requests)


def test_never_read_page_filters_and_downloads_a_formula_safe_csv(page, people, tmp_path):
    page.goto(people["url"] + "/admin/habits")
    assert "never unsubscribes you" in page.locator("#habits-never-sends").inner_text()
    assert page.locator("#habits-table tbody tr").count() >= 6
    page.check("#habits-never-read")
    # The habits form's own button (every page also has the search box's).
    page.click("form[action='/admin/habits'] button[type=submit]")
    page.wait_for_url("**/admin/habits?*never_read=1*")
    rows = page.locator("#habits-table tbody tr")
    assert rows.count() == 1
    assert rows.first.get_attribute("data-key") == "weekly.example"
    assert "one-click" in rows.first.inner_text()
    link = rows.first.locator("a[href^='https://weekly.example/unsub/']")
    assert link.get_attribute("rel") == "noopener noreferrer nofollow"
    shot(page, "never-read")

    with page.expect_download() as info:
        page.click("#habits-csv")
    path = tmp_path / "never.csv"
    info.value.save_as(path)
    table = list(csv.DictReader(path.open(encoding="utf-8")))
    assert [r["sender"] for r in table] == ["weekly.example"]
    assert table[0]["unread"] == "4" and table[0]["unsubscribe_one_click"] == "True"

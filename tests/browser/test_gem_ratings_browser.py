"""Judging gems in the Gem Explorer, in a real browser: rate bad with a reason, see
the rating, the status and the quality figures change; nothing hostile runs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert
from tests.browser.conftest import shot
from tests.browser.test_admin_browser import _remote, _wait_text
from tests.test_web_support import HOSTILE_NAME, HOSTILE_SUBJECT

from inboxmine.db.engine import read_tx, write_tx
from inboxmine.db.tables.opportunities import gems
from inboxmine.trust import overrides

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _gem(engine, gem_type: str, sender: str, score: int, summary: str) -> int:
    with write_tx(engine) as conn:
        result = conn.execute(
            insert(gems).values(
                gem_type=gem_type,
                sender_domain=sender,
                thread_key="",
                status="new",
                score=score,
                detector_score=score,
                summary=summary,
                created_at=datetime.now(UTC),
            )
        )
        return int(result.inserted_primary_key[0])


def test_rating_a_gem_bad_with_a_reason_changes_the_quality_figures(page, server):
    engine = server["engine"]
    pills = _gem(engine, "weak_marketing_lead", "pills@outlook.example", 95, HOSTILE_SUBJECT)
    good = _gem(engine, "renewal_leverage", HOSTILE_NAME, 94, "Renews in 30 days")
    page.goto(server["url"] + "/admin/gem-explorer")
    assert page.inner_text("#quality-overall") == "—"
    assert "no gem is rated yet" in page.inner_text("#quality-note")

    card = page.locator(f'.gem-card[data-gem-id="{pills}"]')
    card.locator(".gem-reason").select_option("spam")
    card.locator('.gem-rate[data-rating="bad"]').click()
    _wait_text(page, f'[data-gem-rating="{pills}"]', r"rated bad \(spam\)")
    _wait_text(page, "#quality-rated", "^1$")
    assert page.inner_text("#quality-overall") == "0%"
    assert page.inner_text("#quality-top10") == "0%"
    assert "dismissed" in card.locator(".gem-status").inner_text()
    assert "Sender marked spam" in card.locator(".gem-message").inner_text()
    with read_tx(engine) as conn:
        assert overrides.get_override(conn, "pills@outlook.example")["source"] == "rating"

    page.locator(f'.gem-card[data-gem-id="{good}"] .gem-rate[data-rating="good"]').click()
    _wait_text(page, "#quality-rated", "^2$")
    assert page.inner_text("#quality-overall") == "50%"
    assert "renewal_leverage 100% (1)" in page.inner_text("#quality-types")
    shot(page, "gem-explorer-rated")

    # The rating survives a reload; clearing it takes its figure back out.
    page.reload()
    assert page.inner_text(f'[data-gem-rating="{pills}"]') == "rated bad (spam)"
    assert page.inner_text("#quality-overall") == "50%"
    page.locator(f'.gem-card[data-gem-id="{pills}"] .gem-unrate').click()
    _wait_text(page, "#quality-rated", "^1$")
    assert page.inner_text("#quality-overall") == "100%"
    assert page.inner_text(f'[data-gem-rating="{pills}"]') == "not rated"

    assert page.dialogs == [] and _remote(page.requests) == []
    assert not [e for e in page.console_errors if "Content Security Policy" in e]

"""The Settings page in a real browser: a value saved there is what the CLI computes with."""

from __future__ import annotations

import json

import pytest
from tests.browser.conftest import shot
from typer.testing import CliRunner

from inboxmine.cli.main import app

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_saving_your_name_in_the_admin_is_what_config_show_prints(
    page, server, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # no inboxmine.toml here: the database decides
    monkeypatch.delenv("INBOXMINE_ENGAGEMENT__YOUR_NAME", raising=False)
    db_url = server["engine"].url.render_as_string(hide_password=False)
    page.goto(server["url"] + "/admin/settings")
    row = page.locator('tr[data-key="engagement.your_name"]')
    assert row.locator(".setting-source").inner_text() == "default"
    row.locator('input[name="value"]').fill("Ada <Lovelace>")
    row.locator('button[value="save"]').click()
    page.wait_for_url("**/admin/settings?saved=engagement.your_name")
    row = page.locator('tr[data-key="engagement.your_name"]')
    assert row.locator(".setting-value").inner_text() == "Ada <Lovelace>"
    assert row.locator(".setting-source").inner_text() == "database"
    assert "stored" in row.inner_text() and "by web" in row.inner_text()
    shot(page, "settings")

    shown = CliRunner().invoke(app, ["--db", db_url, "config", "show", "--json"])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert data["engagement"]["your_name"] == "Ada <Lovelace>"
    assert data["sources"]["engagement.your_name"] == "database"

    # Unset from the page: the default applies again, for the CLI too.
    page.locator('tr[data-key="engagement.your_name"] button[value="unset"]').click()
    page.wait_for_url("**/admin/settings?saved=engagement.your_name")
    data = json.loads(CliRunner().invoke(app, ["--db", db_url, "config", "show", "--json"]).stdout)
    assert data["engagement"]["your_name"] == ""
    assert data["sources"]["engagement.your_name"] == "default"

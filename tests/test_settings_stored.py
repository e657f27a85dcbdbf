"""Settings that shape results live with the database; files, env and flags override them."""

from __future__ import annotations

import json

import pytest
from tests.test_web_support import csrf_from, login, make_client
from typer.testing import CliRunner

from inboxmine.cli.main import app
from inboxmine.config import ConfigError, load_settings
from inboxmine.stored_settings import (
    STORED_KEYS,
    apply_stored,
    check_key,
    parse_cli_value,
    read_stored,
    source_of,
    store_value,
    unset_value,
)


@pytest.fixture
def clean(settings, tmp_path, monkeypatch):
    """The test's database, in a directory with no config file and no INBOXMINE_ env."""
    return settings.database_url


def resolved(db_url, engine, **flags):
    return apply_stored(load_settings(database_url=db_url, **flags), engine)


def cli(db_url, *args, env=None):
    return CliRunner().invoke(app, ["--db", db_url, *args], env=env)


def test_precedence_database_under_file_under_env_under_flag(clean, engine, tmp_path, monkeypatch):
    base = resolved(clean, engine)
    assert base.engagement.your_name == "" and source_of(base, "engagement.your_name") == "default"

    store_value(engine, "engagement.your_name", "Db Name")
    store_value(engine, "engagement.your_audience", "db audience")
    store_value(engine, "me", ["db@example.com"])
    got = resolved(clean, engine)
    assert got.engagement.your_name == "Db Name" and got.me == ["db@example.com"]
    assert source_of(got, "engagement.your_name") == "database"
    # Keys not stored keep their defaults beside the stored ones.
    assert got.engagement.your_service == "consulting services"

    (tmp_path / "inboxmine.toml").write_text('[engagement]\nyour_name = "File Name"\n')
    got = resolved(clean, engine)
    assert (got.engagement.your_name, source_of(got, "engagement.your_name")) == (
        "File Name",
        "file",
    )
    assert got.engagement.your_audience == "db audience"  # the file does not set it

    (tmp_path / ".env").write_text("INBOXMINE_ENGAGEMENT__YOUR_NAME=Dotenv Name\n")
    got = resolved(clean, engine)
    assert (got.engagement.your_name, source_of(got, "engagement.your_name")) == (
        "Dotenv Name",
        "dotenv",
    )

    monkeypatch.setenv("INBOXMINE_ENGAGEMENT__YOUR_NAME", "Env Name")
    got = resolved(clean, engine)
    assert (got.engagement.your_name, source_of(got, "engagement.your_name")) == ("Env Name", "env")

    got = resolved(clean, engine, me=["flag@example.com"])
    assert (got.me, source_of(got, "me")) == (["flag@example.com"], "flag")
    assert got.my_addresses == {"flag@example.com"}


def test_reapplying_follows_the_database_and_an_unset_goes_back_to_the_default(clean, engine):
    first = resolved(clean, engine)
    store_value(engine, "engagement.your_service", "audits")
    second = apply_stored(first, engine)
    assert second.engagement.your_service == "audits"
    assert unset_value(engine, "engagement.your_service") is True
    third = apply_stored(second, engine)
    assert third.engagement.your_service == "consulting services"
    assert source_of(third, "engagement.your_service") == "default"
    assert unset_value(engine, "engagement.your_service") is False


def test_values_are_checked_and_bad_keys_name_the_valid_ones(clean, engine):
    with pytest.raises(ConfigError, match="did you mean engagement.your_name"):
        check_key("engagement.yourname")
    with pytest.raises(ConfigError, match="not kept in the database"):
        check_key("ai.openai_api_key")
    with pytest.raises(ConfigError, match="not kept in the database"):
        check_key("database_url")
    assert not any("key" in k or "password" in k or "token" in k for k in STORED_KEYS)
    with pytest.raises(ConfigError, match="not an email address"):
        parse_cli_value("me", ["nope"])
    assert parse_cli_value("me", ["A@X.com,b@y.com", "c@z.com"]) == [
        "a@x.com",
        "b@y.com",
        "c@z.com",
    ]
    assert parse_cli_value("entities.extract_dates", ["no"]) is False
    assert parse_cli_value("scoring.weights", ['{"fit": 2}']) == {"fit": 2.0}
    with pytest.raises(ConfigError, match="max_outreach_per_day: Input should be a valid integer"):
        parse_cli_value("engagement.max_outreach_per_day", ["many"])
    with pytest.raises(ConfigError):
        store_value(engine, "me", "not-an-address")
    assert read_stored(engine) == {}


def test_config_set_show_unset_from_the_command_line(clean, engine):
    result = cli(clean, "config", "set", "me", "Ann@X.com", "b@y.com")
    assert result.exit_code == 0, result.output
    result = cli(clean, "config", "set", "engagement.your_name", "Ada Lovelace")
    assert result.exit_code == 0, result.output
    assert read_stored(engine) == {
        "me": ["ann@x.com", "b@y.com"],
        "engagement.your_name": "Ada Lovelace",
    }

    shown = cli(clean, "config", "show", "--json")
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert data["me"] == ["ann@x.com", "b@y.com"]
    assert data["engagement"]["your_name"] == "Ada Lovelace"
    assert data["sources"]["me"] == "database"
    assert data["sources"]["database_url"] == "flag"
    assert data["sources"]["engagement.your_service"] == "default"
    assert data["api_token"] is None  # not set; masked when set (below)

    text = cli(clean, "config", "show", env={"INBOXMINE_API_TOKEN": "sekret-token"})
    assert text.exit_code == 0, text.output
    line = next(line for line in text.stdout.splitlines() if "engagement.your_name" in line)
    assert "Ada Lovelace" in line and "database" in line
    assert "sekret-token" not in text.stdout and "********" in text.stdout

    overridden = cli(
        clean,
        "config",
        "set",
        "engagement.your_name",
        "Grace",
        env={"INBOXMINE_ENGAGEMENT__YOUR_NAME": "Env Name"},
    )
    assert overridden.exit_code == 0, overridden.output
    assert "environment" in overridden.stderr and "wins" in overridden.stderr

    bad = cli(clean, "config", "set", "engagement.yourname", "x")
    assert bad.exit_code == 1
    assert "did you mean engagement.your_name" in bad.stderr
    assert "engagement.your_audience" in bad.stderr  # the valid keys are named

    assert cli(clean, "config", "unset", "me").exit_code == 0
    again = cli(clean, "config", "unset", "me")
    assert again.exit_code == 1 and "not stored" in again.stderr
    assert "me" not in read_stored(engine)


def test_stage_runs_read_the_database_when_they_start(clean, engine):
    """A worker or `sync --watch` started before a change computes with it."""
    from inboxmine.runner import executor

    seen = {}

    def fake_execute_run(engine_, settings, run_id, events=None, distributor=None):
        seen["your_audience"] = settings.engagement.your_audience
        return True

    started = resolved(clean, engine)  # the process started with no stored value
    store_value(engine, "engagement.your_audience", "B2B founders", updated_by="web")
    original = executor.execute_run
    executor.execute_run = fake_execute_run
    try:
        assert executor.execute_runs(engine, started, [1]) is True
    finally:
        executor.execute_run = original
    assert seen == {"your_audience": "B2B founders"}


def test_the_cli_and_the_web_app_compute_the_same_settings(clean, engine):
    store_value(engine, "me", ["owner@example.com"], updated_by="cli")
    store_value(engine, "engagement.your_service", "data audits", updated_by="cli")
    from inboxmine.cli.context import AppContext

    cli_settings = AppContext(db_url=clean).settings
    web = make_client(load_settings(database_url=clean), engine)
    web_settings = web.app.state.settings
    for key in STORED_KEYS:
        assert source_of(cli_settings, key) == source_of(web_settings, key), key
    assert cli_settings.me == web_settings.me == ["owner@example.com"]
    assert cli_settings.engagement == web_settings.engagement
    assert cli_settings.scoring == web_settings.scoring
    assert cli_settings.entities == web_settings.entities


def test_settings_page_shows_sources_saves_with_csrf_and_escapes(clean, engine, monkeypatch):
    monkeypatch.setenv("INBOXMINE_ENGAGEMENT__YOUR_TONE", "formal")
    with make_client(load_settings(database_url=clean), engine) as client:
        token = login(client)
        page = client.get("/admin/settings")
        assert page.status_code == 200
        assert 'data-key="engagement.your_tone"' in page.text
        assert "editing it here would not take effect" in page.text
        assert csrf_from(page.text) == token

        refused = client.post("/admin/settings", data={"key": "engagement.your_name", "value": "X"})
        assert refused.status_code == 403
        assert "engagement.your_name" not in read_stored(engine)

        saved = client.post(
            "/admin/settings",
            data={
                "csrf_token": token,
                "key": "engagement.your_name",
                "value": "<script>alert(1)</script>",
            },
            follow_redirects=False,
        )
        assert saved.status_code == 303
        assert read_stored(engine)["engagement.your_name"] == "<script>alert(1)</script>"
        shown = client.get("/admin/settings").text
        assert "<script>alert(1)</script>" not in shown
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown

        bad = client.post(
            "/admin/settings", data={"csrf_token": token, "key": "me", "value": "nope"}
        )
        assert bad.status_code == 422 and "not an email address" in bad.text
        unknown = client.post(
            "/admin/settings", data={"csrf_token": token, "key": "database_url", "value": "x"}
        )
        assert unknown.status_code == 422
        client.post(
            "/admin/settings",
            data={"csrf_token": token, "key": "me", "value": "a@x.com, b@y.com"},
        )
        assert read_stored(engine)["me"] == ["a@x.com", "b@y.com"]
        client.post(
            "/admin/settings",
            data={"csrf_token": token, "key": "me", "value": "", "action": "unset"},
        )
        assert "me" not in read_stored(engine)
    from sqlalchemy import select

    from inboxmine.db.tables.settings import app_settings

    with engine.connect() as conn:
        by = conn.execute(
            select(app_settings.c.updated_by).where(app_settings.c.key == "engagement.your_name")
        ).scalar_one()
    assert by == "web"

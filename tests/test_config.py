"""Settings come from file < .env < environment < flags, and say clearly what is wrong."""

import json

import pytest
from typer.testing import CliRunner

from inboxmine.cli.main import app
from inboxmine.config import ConfigError, load_settings, masked_dump


@pytest.fixture
def clean_env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for key in [k for k in __import__("os").environ if k.startswith("INBOXMINE_")]:
        monkeypatch.delenv(key)
    return tmp_path


def test_defaults_are_the_embedded_offline_setup(clean_env):
    settings = load_settings()
    assert settings.database_url == "sqlite:///inboxmine.db"
    assert settings.ai.model == "heuristic"
    assert settings.web.host == "127.0.0.1"


def test_flags_beat_environment_beat_dotenv_beat_file(clean_env, monkeypatch):
    (clean_env / "inboxmine.toml").write_text(
        'database_url = "sqlite:///file.db"\nme = ["me@file.com"]\n[ai]\nmodel = "ollama:from-file"\ntimeout_s = 5\n'
    )
    (clean_env / ".env").write_text(
        "INBOXMINE_AI__MODEL=openai:from-dotenv\nINBOXMINE_DATABASE_URL=sqlite:///dotenv.db\n"
    )
    monkeypatch.setenv("INBOXMINE_DATABASE_URL", "sqlite:///env.db")

    settings = load_settings()
    assert settings.ai.model == "openai:from-dotenv"  # .env beats the file
    assert settings.ai.timeout_s == 5  # untouched keys still come from the file
    assert settings.database_url == "sqlite:///env.db"  # environment beats .env
    assert settings.me == ["me@file.com"]

    assert load_settings(database_url="sqlite:///flag.db").database_url == "sqlite:///flag.db"


def test_an_explicit_config_file_must_exist(clean_env):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(clean_env / "missing.toml")


def test_unknown_keys_are_reported_not_ignored(clean_env):
    path = clean_env / "inboxmine.toml"
    path.write_text("[ai]\nmodle = 'x'\n")
    with pytest.raises(ConfigError, match="ai.modle"):
        load_settings()


def test_invalid_values_name_the_setting(clean_env):
    (clean_env / "inboxmine.toml").write_text("[web]\nport = 'eighty'\n")
    with pytest.raises(ConfigError, match="web.port"):
        load_settings()


def test_secrets_are_masked(clean_env, monkeypatch):
    monkeypatch.setenv("INBOXMINE_ADMIN_PASSWORD", "hunter2")
    monkeypatch.setenv("INBOXMINE_AI__OPENAI_API_KEY", "sk-secret")
    dumped = masked_dump(load_settings(database_url="postgresql://u:pw@db/x"))
    text = json.dumps(dumped)
    assert "hunter2" not in text and "sk-secret" not in text and ":pw@" not in text
    assert dumped["admin_password"] == "********"


def test_config_show_prints_the_effective_settings(clean_env, monkeypatch):
    monkeypatch.setenv("INBOXMINE_API_TOKEN", "tok-123")
    result = CliRunner().invoke(app, ["--db", "sqlite:///x.db", "config", "show", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["database_url"] == "sqlite:///x.db"
    assert shown["api_token"] == "********"

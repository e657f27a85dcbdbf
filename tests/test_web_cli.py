"""``inboxmine web`` prints where the admin is and how to log in; it binds 127.0.0.1."""

from __future__ import annotations

import uvicorn
from typer.testing import CliRunner

from inboxmine.cli.main import app


def test_web_prints_address_and_generated_password(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("INBOXMINE_ADMIN_PASSWORD", raising=False)
    served = {}
    monkeypatch.setattr(
        uvicorn, "run", lambda app, host, port, **kw: served.update(host=host, port=port)
    )
    result = CliRunner().invoke(
        app, ["--db", f"sqlite:///{tmp_path / 'x.db'}", "web", "--port", "8123"]
    )
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8123/admin/" in result.output
    assert "login password (generated" in result.output
    assert served == {"host": "127.0.0.1", "port": 8123}


def test_web_uses_the_configured_password_without_printing_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INBOXMINE_ADMIN_PASSWORD", "my own secret")
    monkeypatch.setattr(uvicorn, "run", lambda app, host, port, **kw: None)
    result = CliRunner().invoke(app, ["--db", f"sqlite:///{tmp_path / 'x.db'}", "web"])
    assert result.exit_code == 0, result.output
    assert "my own secret" not in result.output
    assert "INBOXMINE_ADMIN_PASSWORD" in result.output

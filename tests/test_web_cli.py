"""``inboxmine web`` prints where the admin is and how to log in; it binds 127.0.0.1."""

from __future__ import annotations

import socket

import uvicorn
from typer.testing import CliRunner

from inboxmine.cli.main import app


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_web_prints_address_and_generated_password(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("INBOXMINE_ADMIN_PASSWORD", raising=False)
    served = {}
    monkeypatch.setattr(
        uvicorn, "run", lambda app, host, port, **kw: served.update(host=host, port=port)
    )
    port = _free_port()
    result = CliRunner().invoke(
        app, ["--db", f"sqlite:///{tmp_path / 'x.db'}", "web", "--port", str(port)]
    )
    assert result.exit_code == 0, result.output
    assert f"http://127.0.0.1:{port}/admin/" in result.output
    assert "login password (generated" in result.output
    assert served == {"host": "127.0.0.1", "port": port}


def test_web_uses_the_configured_password_without_printing_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INBOXMINE_ADMIN_PASSWORD", "my own secret")
    monkeypatch.setattr(uvicorn, "run", lambda app, host, port, **kw: None)
    result = CliRunner().invoke(
        app, ["--db", f"sqlite:///{tmp_path / 'x.db'}", "web", "--port", str(_free_port())]
    )
    assert result.exit_code == 0, result.output
    assert "my own secret" not in result.output
    assert "INBOXMINE_ADMIN_PASSWORD" in result.output


def test_a_busy_port_is_one_clear_line_before_any_password_is_shown(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: None)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(
            app, ["--db", f"sqlite:///{tmp_path / 'x.db'}", "web", "--port", str(port)]
        )
    assert result.exit_code == 1
    assert f"cannot serve on 127.0.0.1:{port}" in result.output and "--port" in result.output
    assert "login password" not in result.output

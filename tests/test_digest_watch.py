"""``sync --watch --digest FILE``: each round leaves the digest in the file (Dovecot)."""

from __future__ import annotations

from sqlalchemy import func, select
from tests.test_imap_server import (  # noqa: F401 (dovecot_fixture is the `dovecot` fixture)
    PASSWORD,
    dovecot_fixture,
    make_message,
)
from typer.testing import CliRunner

from inboxmine.cli.main import app
from inboxmine.db.tables.digest import digest_runs


def test_watch_writes_the_digest_file_after_a_round_without_moving_since_last(
    dovecot, db_url, engine, settings, tmp_path, monkeypatch
):
    monkeypatch.setenv("INBOXMINE_IMAP_PASSWORD", PASSWORD)
    mailbox = dovecot.new_user()
    dovecot.append(mailbox, "INBOX", make_message("watched"))
    config = tmp_path / "inboxmine.toml"
    config.write_text(
        f"""
[[accounts]]
name = "work"
kind = "imap"
host = "{dovecot.host}"
port = {dovecot.port}
user = "{mailbox}"
tls = "none"
"""
    )
    out = tmp_path / "out" / "digest.html"
    result = CliRunner().invoke(
        app,
        ["--db", db_url, "--config", str(config), "sync", "--watch", "--once", "--no-idle"]
        + ["--digest", str(out)],
    )
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "New gems" in html
    assert "first digest" in html
    assert not list(out.parent.glob(".*.tmp"))
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(digest_runs)).scalar() == 0


def test_digest_without_watch_says_how_to_use_it(db_url, settings, tmp_path):
    config = tmp_path / "inboxmine.toml"
    config.write_text(
        '[[accounts]]\nname = "work"\nkind = "imap"\nhost = "127.0.0.1"\nuser = "u"\n'
    )
    result = CliRunner().invoke(
        app, ["--db", db_url, "--config", str(config), "sync", "--digest", str(tmp_path / "d.txt")]
    )
    assert result.exit_code == 1 and "add --watch" in result.stderr
    assert not (tmp_path / "d.txt").exists()

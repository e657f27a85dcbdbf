"""A real IMAP server for the tests: Debian's Dovecot on a free local port.

Each test gets its own mailbox user (any name logs in with the password
``secret``), filled through IMAP APPEND. The server, its config, Maildirs
and a self-signed certificate live in a throwaway directory. Without
``/usr/sbin/dovecot`` (package ``dovecot-imapd``) the tests that need it are
skipped with that reason.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from datetime import UTC, datetime
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
PASSWORD = "secret"
#: The Sent folder has a name no client list knows: only SPECIAL-USE marks it.
SENT_FOLDER = "Versandt"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Dovecot:
    """One running Dovecot; see :func:`dovecot`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.host = "127.0.0.1"
        self.port = _free_port()
        self.ssl_port = _free_port()
        self.process: subprocess.Popen | None = None
        self.has_ssl = False

    # -- life cycle
    def start(self) -> None:
        root = self.root
        for name in ("run", "state", "mail", "home"):
            (root / name).mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            # Dovecot refuses root for logins and mail: use its own accounts.
            login_user, internal_user, internal_group = "dovenull", "dovecot", "dovecot"
            mail = pwd.getpwnam("nobody")
            uid, gid = mail.pw_uid, mail.pw_gid
            os.chmod(root, 0o755)
            for name in ("mail", "home"):
                os.chown(root / name, uid, gid)
        else:
            login_user = internal_user = pwd.getpwuid(os.getuid()).pw_name
            uid, gid = os.getuid(), os.getgid()
            internal_group = grp.getgrgid(gid).gr_name
        self.has_ssl = self._make_certificate()
        ssl_lines = (
            f"ssl = yes\nssl_cert = <{root}/cert.pem\nssl_key = <{root}/key.pem\n"
            if self.has_ssl
            else "ssl = no\n"
        )
        imaps = f"inet_listener imaps {{\n    address = 127.0.0.1\n    port = {self.ssl_port}\n  }}"
        if not self.has_ssl:
            imaps = "inet_listener imaps {\n    port = 0\n  }"
        conf = f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
{ssl_lines}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  {imaps}
}}
service anvil {{
  chroot =
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox {SENT_FOLDER} {{
    special_use = \\Sent
    auto = subscribe
  }}
  mailbox Trash {{
    special_use = \\Trash
    auto = subscribe
  }}
  mailbox Junk {{
    special_use = \\Junk
    auto = subscribe
  }}
}}
"""
        (root / "dovecot.conf").write_text(conf)
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.log()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"dovecot did not answer on port {self.port}: {self.log()}")

    def _make_certificate(self) -> bool:
        openssl = shutil.which("openssl")
        if not openssl:
            return False
        result = subprocess.run(
            [
                openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-days", "2", "-subj", "/CN=localhost",
                "-keyout", str(self.root / "key.pem"), "-out", str(self.root / "cert.pem"),
            ],
            capture_output=True,
        )  # fmt: skip
        return result.returncode == 0

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        path = self.root / "dovecot.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        if self.process is not None and self.process.stderr and self.process.poll() is not None:
            text += self.process.stderr.read().decode(errors="replace")
        return text[-3000:]

    # -- filling mailboxes
    def new_user(self) -> str:
        """A fresh, empty mailbox; its address is also its login."""
        return f"u{uuid.uuid4().hex[:10]}@example.net"

    def client(self, user: str):
        from imapclient import IMAPClient

        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        client.login(user, PASSWORD)
        return client

    def append(self, user: str, folder: str, *messages: bytes) -> None:
        client = self.client(user)
        try:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            for raw in messages:
                client.append(folder, raw)
        finally:
            client.logout()

    def recreate_folder(self, user: str, folder: str) -> None:
        """Delete and create ``folder``: the server gives it a new UIDVALIDITY."""
        client = self.client(user)
        try:
            client.delete_folder(folder)
            client.create_folder(folder)
        finally:
            client.logout()


def make_message(
    subject: str,
    sender: str = "Ada Vendor <ada@vendor.example>",
    to: str = "someone@example.net",
    body: str = "Hello, here is our price list.",
    when: datetime | None = None,
    message_id: str | None = None,
) -> bytes:
    """A small, well-formed RFC 5322 message."""
    when = when or datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
        f"Date: {format_datetime(when)}\r\n"
        f"Message-ID: {message_id or make_msgid(domain='test.example')}\r\n"
        f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


@pytest.fixture(scope="session", name="dovecot")
def dovecot_fixture():
    """A running Dovecot IMAP server (skipped, with the reason, without one)."""
    if not os.path.exists(DOVECOT):
        pytest.skip("Dovecot is not installed: apt-get install dovecot-imapd (done by .ci/run)")
    pytest.importorskip("imapclient")
    root = Path(tempfile.mkdtemp(prefix="inboxmine-dovecot-"))
    server = Dovecot(root)
    try:
        server.start()
    except (RuntimeError, KeyError) as exc:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"Dovecot could not be started: {exc}")
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


def test_the_test_server_accepts_append_and_announces_special_use(dovecot):
    user = dovecot.new_user()
    dovecot.append(user, "INBOX", make_message("hello"))
    client = dovecot.client(user)
    try:
        assert client.select_folder("INBOX")[b"EXISTS"] == 1
        flags = {name: flags for flags, _, name in client.list_folders()}
        assert b"\\Sent" in flags[SENT_FOLDER]
    finally:
        client.logout()

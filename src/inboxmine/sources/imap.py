"""IMAP accounts (Fastmail, iCloud, Outlook/Office 365, Gmail, self-hosted).

Incremental per folder: the folder's UIDVALIDITY and the highest UID stored
are kept in ``sync_state``; the next sync fetches only larger UIDs. When the
server changes UIDVALIDITY (the folder was recreated or renumbered), the
folder is read again from the start and the store skips what it already
holds (Message-ID, then content hash). Messages are fetched in batches and
``last_uid`` advances only after a batch is stored, so an interrupted sync -
dropped connection, Ctrl-C, crash - resumes where it stopped, losing and
duplicating nothing.

The password comes from an environment variable or the OS keyring, never
from a flag (shell history) and never into the database.
"""

from __future__ import annotations

import contextlib
import imaplib
import os
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine

from inboxmine.config import AccountSettings, Settings
from inboxmine.sources.base import RawMessage, gmail_hex_id, is_sent_folder
from inboxmine.sources.gmail_store import GmailRef, attach_gmail_refs, message_id_of
from inboxmine.sources.imap_flags import refresh_read_state
from inboxmine.sources.live import (
    SOURCES,
    ProgressHook,
    SyncError,
    SyncResult,
    account_run,
    load_state,
    my_addresses_for,
    record_failed_run,
    save_state,
)
from inboxmine.sources.read_state import imap_seen

DEFAULT_PASSWORD_ENV = "INBOXMINE_IMAP_PASSWORD"
KEYRING_SERVICE = "inboxmine"
#: Messages per FETCH, and the most bytes one FETCH may bring back.
BATCH_SIZE = 100
BATCH_BYTES = 20 * 1024 * 1024
#: A larger message is cut to its first bytes (headers and text come first);
#: the run records which one and why.
MAX_MESSAGE_BYTES = 50 * 1024 * 1024
TIMEOUT_S = 60.0
RECONNECTS = 3
#: IMAP servers end IDLE after 30 minutes; renew well before.
IDLE_RENEW_S = 600.0
#: Folders that never hold mail worth mining, by SPECIAL-USE flag (RFC 6154).
SKIPPED_SPECIAL_USE = frozenset({"\\trash", "\\junk", "\\drafts"})
#: Virtual folders that repeat mail of other folders (fetched only when asked for).
VIRTUAL_SPECIAL_USE = frozenset({"\\all", "\\flagged", "\\important"})
#: A dropped or broken connection: reconnect and continue.
CONNECTION_ERRORS = (imaplib.IMAP4.abort, OSError, EOFError)


class ImapError(SyncError):
    """The IMAP account cannot be synced; the message says what to do."""


@dataclass
class ImapAccount:
    """How to reach one IMAP mailbox (no password: see :func:`resolve_password`)."""

    host: str
    user: str
    port: int | None = None
    tls: str = "ssl"  # ssl | starttls | none
    insecure: bool = False
    folders: list[str] = field(default_factory=list)
    password_env: str = DEFAULT_PASSWORD_ENV
    name: str | None = None
    timeout_s: float = TIMEOUT_S

    def __post_init__(self) -> None:
        if self.tls not in ("ssl", "starttls", "none"):
            raise ImapError(
                f"unknown --tls {self.tls!r} for {self.host}: use ssl, starttls or none"
            )

    @classmethod
    def from_settings(cls, account: AccountSettings) -> ImapAccount:
        """The account as configured under ``[[accounts]]`` (kind = "imap")."""
        if not account.host or not account.user:
            raise ImapError(
                f"account {account.name!r} (imap) needs host and user in the config file"
            )
        return cls(
            host=account.host,
            user=account.user,
            port=account.port,
            tls=account.tls,
            insecure=account.insecure,
            folders=list(account.folders),
            password_env=account.password_env or DEFAULT_PASSWORD_ENV,
            name=account.name,
        )

    @property
    def effective_port(self) -> int:
        return self.port or (993 if self.tls == "ssl" else 143)

    @property
    def key(self) -> str:
        """The account's name in ``sync_state`` and the ledger: who and where."""
        return f"imap:{self.user}@{self.host}"[:320]

    @property
    def label(self) -> str:
        return f"{self.user} on {self.host}:{self.effective_port}"


# --------------------------------------------------------------- password


def keyring_password(host: str, user: str) -> str | None:
    """The password stored with ``keyring set inboxmine:HOST USER``, if the
    ``keyring`` package is installed and holds one."""
    try:
        import keyring
    except ImportError:
        return None
    try:
        return keyring.get_password(f"{KEYRING_SERVICE}:{host}", user)
    except Exception:  # no usable backend (headless machine): treat as no entry
        return None


def resolve_password(account: ImapAccount, environ: dict[str, str] | None = None) -> str:
    """The account's password: the environment variable named by
    ``password_env``, else the OS keyring. Raises :class:`ImapError` saying
    how to provide one."""
    environ = os.environ if environ is None else environ
    value = environ.get(account.password_env)
    if value:
        return value
    value = keyring_password(account.host, account.user)
    if value:
        return value
    raise ImapError(
        f"no IMAP password for {account.user} on {account.host}: set the environment "
        f"variable {account.password_env} (for Gmail, Outlook/Office 365 and iCloud an "
        f"app password), or store it with `keyring set {KEYRING_SERVICE}:{account.host} "
        f"{account.user}`"
    )


# ------------------------------------------------------------- connection


def _ssl_context(account: ImapAccount) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if account.insecure:
        # Only on request (--insecure), for self-signed servers one controls.
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def connect(account: ImapAccount, password: str):
    """A logged-in ``IMAPClient``; errors become :class:`ImapError` naming the
    server, the user and the fix."""
    from imapclient import IMAPClient
    from imapclient.exceptions import LoginError

    where = f"{account.host}:{account.effective_port}"
    context = _ssl_context(account) if account.tls != "none" else None
    try:
        client = IMAPClient(
            account.host,
            port=account.effective_port,
            ssl=account.tls == "ssl",
            ssl_context=context,
            timeout=account.timeout_s,
        )
        if account.tls == "starttls":
            client.starttls(context)
    except ssl.SSLCertVerificationError as exc:
        raise ImapError(
            f"the TLS certificate of IMAP server {where} cannot be trusted "
            f"({exc.verify_message or exc}): check the host name; for your own server "
            "with a self-signed certificate add --insecure (insecure = true in the account)"
        ) from exc
    except ssl.SSLError as exc:
        raise ImapError(
            f"TLS with IMAP server {where} failed ({exc}): check --port and --tls "
            "(ssl is usually port 993, starttls port 143)"
        ) from exc
    except (OSError, imaplib.IMAP4.error) as exc:
        raise ImapError(
            f"cannot connect to IMAP server {where} with tls={account.tls} "
            f"({exc.__class__.__name__}: {exc}): check --host, --port and --tls"
        ) from exc
    try:
        client.login(account.user, password)
    except LoginError as exc:
        _close(client)
        raise ImapError(
            f"IMAP login to {account.host} as {account.user} failed ({_server_text(exc)}): "
            f"check the password in {account.password_env} (or the keyring entry); Gmail, "
            "Outlook/Office 365 and iCloud need an app password, and IMAP access may have "
            "to be enabled in the mailbox settings"
        ) from exc
    except CONNECTION_ERRORS as exc:
        raise ImapError(
            f"IMAP server {where} closed the connection during login as {account.user} "
            f"({exc}): try again later"
        ) from exc
    return client


def _server_text(exc: Exception) -> str:
    text = str(exc)
    if text.startswith("b'") or text.startswith('b"'):
        text = text[2:-1]
    return text or "rejected"


def _close(client) -> None:
    try:
        client.logout()
    except Exception:  # already gone; nothing to clean up
        with contextlib.suppress(Exception):
            client.shutdown()


def is_gmail(capabilities: Sequence[bytes]) -> bool:
    """Gmail's IMAP server announces its extensions (thread ids, labels)."""
    return b"X-GM-EXT-1" in {c.upper() for c in capabilities}


# ---------------------------------------------------------------- folders


@dataclass(frozen=True)
class Folder:
    """One IMAP folder and its flags (lower-case, e.g. ``\\sent``)."""

    name: str
    flags: frozenset[str] = frozenset()

    @property
    def selectable(self) -> bool:
        return not {"\\noselect", "\\nonexistent"} & self.flags

    @property
    def special_use(self) -> set[str]:
        return set(self.flags) & (SKIPPED_SPECIAL_USE | VIRTUAL_SPECIAL_USE | {"\\sent"})

    @property
    def is_sent(self) -> bool:
        """The Sent folder: by SPECIAL-USE flag, else by a known name."""
        return "\\sent" in self.flags or is_sent_folder(self.name)


def folders_from_listing(listing: Sequence[tuple]) -> list[Folder]:
    """``IMAPClient.list_folders()`` rows -> :class:`Folder` objects."""
    found = []
    for flags, _delimiter, name in listing:
        if isinstance(name, bytes):
            name = name.decode("utf-8", "replace")
        names = frozenset(
            (f.decode("ascii", "replace") if isinstance(f, bytes) else str(f)).lower()
            for f in flags
        )
        found.append(Folder(name=name, flags=names))
    return found


def choose_folders(
    available: Sequence[Folder], requested: Sequence[str] = (), gmail: bool = False
) -> list[Folder]:
    """The folders to sync.

    Requested folders are taken as given (an unknown name is an error that
    lists the existing ones). Otherwise: on Gmail, only "All Mail" - it holds
    every message once, and the labels say where it is filed; elsewhere every
    selectable folder except Trash, Junk, Drafts and virtual folders.
    """
    by_name = {f.name: f for f in available}
    if requested:
        chosen, missing = [], []
        for name in requested:
            folder = by_name.get(name)
            if folder is None and name.upper() == "INBOX":
                folder = next((f for f in available if f.name.upper() == "INBOX"), None)
            if folder is None:
                missing.append(name)
            elif folder not in chosen:
                chosen.append(folder)
        if missing:
            names = ", ".join(sorted(f.name for f in available if f.selectable)) or "none"
            raise ImapError(
                f"folder(s) not found on the server: {', '.join(missing)}; the folders are: {names}"
            )
        return chosen
    if gmail:
        everything = [f for f in available if "\\all" in f.flags and f.selectable]
        if everything:
            return everything[:1]
    return [
        f
        for f in available
        if f.selectable and not f.flags & (SKIPPED_SPECIAL_USE | VIRTUAL_SPECIAL_USE)
    ]


# -------------------------------------------------------------- fetching


def decode_labels(values) -> list[str]:
    """X-GM-LABELS values (modified UTF-7 bytes or text) -> label names."""
    from imapclient.imap_utf7 import decode

    labels = []
    for value in values or ():
        text = decode(value) if isinstance(value, bytes) else str(value)
        if text and text not in labels:
            labels.append(text)
    return labels


def size_batches(
    sizes: dict[int, int], batch_size: int = BATCH_SIZE, batch_bytes: int = BATCH_BYTES
) -> Iterator[list[int]]:
    """UIDs in ascending order, grouped so a FETCH brings at most ``batch_size``
    messages and about ``batch_bytes`` bytes (a bigger message goes alone)."""
    batch: list[int] = []
    total = 0
    for uid in sorted(sizes):
        size = min(sizes[uid], MAX_MESSAGE_BYTES)
        if batch and (len(batch) >= batch_size or total + size > batch_bytes):
            yield batch
            batch, total = [], 0
        batch.append(uid)
        total += size
    if batch:
        yield batch


@dataclass
class _FolderPlan:
    folder: Folder
    uidvalidity: str
    start_after: int
    uids: list[int]
    rescan: bool
    #: First sync of the folder, or a rescan: every message is read.
    full: bool


def _plan(client, engine: Engine, account: ImapAccount, folder: Folder) -> _FolderPlan:
    info = client.select_folder(folder.name, readonly=True)
    uidvalidity = str(info.get(b"UIDVALIDITY", ""))
    state = load_state(engine, account.key, folder.name)
    rescan = bool(state and state.uidvalidity and state.uidvalidity != uidvalidity)
    last_uid = 0 if rescan or state is None or not state.last_uid else state.last_uid
    criteria = ["ALL"] if last_uid == 0 else ["UID", f"{last_uid + 1}:*"]
    # "N:*" always matches the highest UID, even below N: filter.
    uids = sorted(uid for uid in client.search(criteria) if uid > last_uid)
    full = rescan or state is None or not state.uidvalidity
    return _FolderPlan(folder, uidvalidity, last_uid, uids, rescan, full)


def _fetch_folder(
    client,
    engine: Engine,
    account: ImapAccount,
    plan: _FolderPlan,
    store,
    run,
    gmail: bool,
    progress: ProgressHook | None,
    batch_size: int,
) -> int:
    """Fetch and store the planned UIDs batch by batch; returns how many were stored."""
    folder = plan.folder
    source_ref = f"imap://{account.user}@{account.host}/{folder.name}"
    client.select_folder(folder.name, readonly=True)
    items = ["BODY.PEEK[]", "INTERNALDATE", "FLAGS"]
    if gmail:
        items += ["X-GM-MSGID", "X-GM-THRID", "X-GM-LABELS"]
    stored = 0
    done = 0
    description = f"{account.user} {folder.name}"
    for chunk_start in range(0, len(plan.uids), batch_size * 10):
        chunk = plan.uids[chunk_start : chunk_start + batch_size * 10]
        sizes = {
            uid: int(data.get(b"RFC822.SIZE") or 0)
            for uid, data in client.fetch(chunk, ["RFC822.SIZE"]).items()
        }
        for batch in size_batches(sizes, batch_size):
            normal = [uid for uid in batch if sizes[uid] <= MAX_MESSAGE_BYTES]
            large = [uid for uid in batch if sizes[uid] > MAX_MESSAGE_BYTES]
            data = dict(client.fetch(normal, items)) if normal else {}
            if large:
                partial = items[1:] + [f"BODY.PEEK[]<0.{MAX_MESSAGE_BYTES}>"]
                data.update(client.fetch(large, partial))
            before = store.counts.stored
            refs: list[GmailRef] = []
            for uid in batch:
                item = data.get(uid)
                if item is None:  # expunged since the search: nothing to keep
                    continue
                raw = item.get(b"BODY[]")
                if raw is None:
                    raw = item.get(b"BODY[]<0>")
                    run.item_error(
                        f"{source_ref}#{uid}",
                        f"message of {sizes[uid]:,} bytes: only the first "
                        f"{MAX_MESSAGE_BYTES:,} bytes were stored",
                    )
                message = _raw_message(raw or b"", item, source_ref, plan, uid, folder, gmail)
                store.add(message)
                if gmail and message.raw:
                    gmail_id = gmail_hex_id(item.get(b"X-GM-MSGID"))
                    if gmail_id:
                        refs.append(
                            GmailRef(
                                raw=message.raw,
                                message_id=message_id_of(message.raw),
                                gmail_id=gmail_id,
                                labels=message.labels,
                                is_read=message.is_read,
                            )
                        )
            store.flush()
            attach_gmail_refs(engine, refs)
            added = store.counts.stored - before
            stored += added
            done += len(batch)
            # Only now, with the batch stored, may the position advance.
            save_state(
                engine,
                account.key,
                folder.name,
                uidvalidity=plan.uidvalidity,
                last_uid=batch[-1],
                last_incremental_sync=datetime.now(UTC),
                added=added,
            )
            if progress is not None:
                progress(description, done, len(plan.uids))
    return stored


def _raw_message(
    raw: bytes,
    item: dict,
    source_ref: str,
    plan: _FolderPlan,
    uid: int,
    folder: Folder,
    gmail: bool,
) -> RawMessage:
    if gmail:
        labels = decode_labels(item.get(b"X-GM-LABELS"))
        thread = gmail_hex_id(item.get(b"X-GM-THRID"))
    else:
        labels = [folder.name]
        thread = None
    if folder.is_sent and not is_sent_folder(folder.name) and "\\Sent" not in labels:
        # A Sent folder known only by its SPECIAL-USE flag ("Postausgang",
        # a localized name): the flag itself marks its messages sent.
        labels.append("\\Sent")
    return RawMessage(
        raw=raw,
        source_kind="imap",
        source_ref=source_ref,
        position=f"{plan.uidvalidity}:{uid}",
        labels=labels,
        gmail_thread_id=thread,
        folder=folder.name,
        read_error=None if raw else f"the server returned no content for UID {uid}",
        is_read=imap_seen(item.get(b"FLAGS")),
    )


# ------------------------------------------------------------------- sync


def sync_imap(
    engine: Engine,
    settings: Settings,
    account: ImapAccount,
    *,
    triggered_by: str = "cli",
    progress: ProgressHook | None = None,
    me: Sequence[str] = (),
    batch_size: int = BATCH_SIZE,
    password: str | None = None,
    reconnects: int = RECONNECTS,
    sleep: Callable[[float], None] = time.sleep,
    connector: Callable[[ImapAccount, str], object] = connect,
) -> SyncResult:
    """Sync the account's folders into the database as one ``ingest`` run.

    New messages only (per folder, above the stored highest UID); a dropped
    connection is re-opened up to ``reconnects`` times and the sync goes on
    after the last stored batch. The login address and ``me`` count as the
    user's own addresses. Raises :class:`ImapError` when the account cannot
    be synced (the run is failed with the same message).
    """
    try:
        password = password if password is not None else resolve_password(account)
    except ImapError as exc:
        record_failed_run(
            engine, source_kind="imap", account=account.key, triggered_by=triggered_by, error=exc
        )
        raise
    my_addresses = my_addresses_for(settings, account.user, extra=me)
    parameters = {"host": account.host, "user": account.user, "tls": account.tls}
    if account.folders:
        parameters["folders"] = list(account.folders)
    with account_run(
        engine,
        source_kind="imap",
        account=account.key,
        my_addresses=my_addresses,
        triggered_by=triggered_by,
        parameters=parameters,
        batch_size=batch_size,
    ) as (run, store, result):
        finished: set[str] = set()
        attempt = 0
        total_set = False
        while True:
            client = None
            try:
                client = connector(account, password)
                gmail = is_gmail(client.capabilities())
                listing = folders_from_listing(client.list_folders())
                folders = choose_folders(listing, account.folders, gmail)
                plans = []
                for folder in folders:
                    if folder.name in finished:
                        continue
                    try:
                        plans.append(_plan(client, engine, account, folder))
                    except imaplib.IMAP4.abort:
                        raise
                    except imaplib.IMAP4.error as exc:
                        # One folder the server refuses does not stop the others.
                        finished.add(folder.name)
                        run.item_error(
                            f"imap://{account.user}@{account.host}/{folder.name}",
                            f"folder {folder.name!r} cannot be read ({_server_text(exc)}); "
                            "the other folders were synced",
                        )
                if not total_set:
                    run.set_total(sum(len(p.uids) for p in plans))
                    total_set = True
                for plan in plans:
                    if plan.rescan:
                        result.details.append(
                            f"{plan.folder.name}: UIDVALIDITY changed, read again "
                            "(messages already stored were skipped)"
                        )
                    stored = _fetch_folder(
                        client, engine, account, plan, store, run, gmail, progress, batch_size
                    )
                    if not plan.full:
                        changed = refresh_read_state(
                            client,
                            engine,
                            f"imap://{account.user}@{account.host}/{plan.folder.name}",
                            plan.uidvalidity,
                            plan.start_after,
                        )
                        if changed:
                            result.details.append(
                                f"{plan.folder.name}: read state of {changed} stored "
                                "messages changed on the server"
                            )
                    if plan.full:
                        save_state(
                            engine,
                            account.key,
                            plan.folder.name,
                            uidvalidity=plan.uidvalidity,
                            last_full_sync=datetime.now(UTC),
                        )
                        result.full = True
                    result.details.append(
                        f"{plan.folder.name}: {len(plan.uids)} new on the server, {stored} stored"
                    )
                    finished.add(plan.folder.name)
                break
            except CONNECTION_ERRORS as exc:
                attempt += 1
                if attempt > reconnects:
                    raise ImapError(
                        f"the connection to {account.label} kept dropping "
                        f"({exc.__class__.__name__}: {exc}); the {store.counts.stored} "
                        "messages stored so far are kept: run the sync again - it resumes "
                        "after the last stored batch"
                    ) from exc
                result.details.append(f"connection dropped ({exc}); reconnected")
                sleep(min(2**attempt, 30))
            finally:
                if client is not None:
                    _close(client)
    return result


# ------------------------------------------------------------------- IDLE


class ImapIdler(threading.Thread):
    """Holds an IDLE connection on the account's inbox and sets ``wake`` when
    the server announces new mail, so ``sync --watch`` reacts in seconds
    instead of at the next poll. Quietly retries after errors; ends when
    ``stop`` is set, or at once when the server has no IDLE (polling then)."""

    def __init__(
        self,
        account: ImapAccount,
        wake: threading.Event,
        stop: threading.Event,
        folder: str = "INBOX",
    ) -> None:
        super().__init__(name=f"imap-idle {account.key}", daemon=True)
        self.account = account
        self.wake = wake
        self.stop_event = stop
        self.folder = folder
        #: Set while an IDLE command is active (tests wait for it).
        self.ready = threading.Event()
        self.error: str | None = None

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                if not self._idle_once():
                    return
            except ImapError as exc:
                # Wrong password, bad certificate...: the sync reports it each
                # round; retrying here would only hammer the server.
                self.error = str(exc)
                return
            except Exception as exc:  # a dropped connection: reconnect
                self.error = f"{exc.__class__.__name__}: {exc}"
                self.ready.clear()
                self.stop_event.wait(5)

    def _idle_once(self) -> bool:
        client = connect(self.account, resolve_password(self.account))
        try:
            if b"IDLE" not in {c.upper() for c in client.capabilities()}:
                return False
            client.select_folder(self.folder, readonly=True)
            client.idle()
            self.ready.set()
            started = time.monotonic()
            while not self.stop_event.is_set():
                responses = client.idle_check(timeout=0.5)
                if any(b"EXISTS" in r or b"RECENT" in r for r in responses if isinstance(r, tuple)):
                    self.wake.set()
                if time.monotonic() - started > IDLE_RENEW_S:
                    client.idle_done()
                    client.idle()
                    started = time.monotonic()
            self.ready.clear()
            client.idle_done()
            return False
        finally:
            _close(client)


# ----------------------------------------------------------------- source


class ImapSource:
    """The live source of accounts with ``kind = "imap"``."""

    def sync(
        self,
        engine: Engine,
        settings: Settings,
        account: AccountSettings,
        *,
        triggered_by: str,
        progress: ProgressHook | None,
        interactive: bool,
    ) -> SyncResult:
        return sync_imap(
            engine,
            settings,
            ImapAccount.from_settings(account),
            triggered_by=triggered_by,
            progress=progress,
        )

    def waker(
        self, account: AccountSettings, wake: threading.Event, stop: threading.Event
    ) -> ImapIdler:
        return ImapIdler(ImapAccount.from_settings(account), wake, stop)


SOURCES.register("imap", ImapSource(), order=10)

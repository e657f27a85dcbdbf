"""Gmail through the Gmail API: OAuth (read-only), full and incremental sync.

* **Full sync** lists the ids matching the query (default: all mail but spam
  and trash), skips the ones already stored, and fetches the rest in batched
  requests with ``format=raw`` - the same bytes, parser and deduplication as
  every other source. The mailbox's historyId is read *before* listing, so
  mail that arrives during a long first sync is picked up by the next one.
* **Incremental sync** reads ``history.list`` from the stored historyId. An
  empty history means "no new mail" and only moves the historyId on; an
  expired historyId (HTTP 404) - and only that - triggers a full rescan,
  deduplicated.
* **Changes**: new messages are fetched; label changes rewrite
  ``messages.labels``; a message deleted in Gmail is **kept** and gets the
  label ``DELETED`` (nothing a source delivered is silently dropped;
  downstream stages and exports can leave such messages out).
* **Quota**: 429, 5xx and Gmail's 403 rate-limit answers are retried with
  exponential backoff (honouring Retry-After), for single calls and for the
  items of a batch.
"""

from __future__ import annotations

import base64
import json
import os
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir
from sqlalchemy import Engine

from inboxmine.config import AccountSettings, Settings
from inboxmine.sources.base import RawMessage
from inboxmine.sources.gmail_store import (
    GmailRef,
    attach_gmail_refs,
    message_id_of,
    set_labels,
    stored_gmail_ids,
    stored_labels,
)
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
from inboxmine.sources.read_state import GMAIL_UNREAD

SCOPES = ["https://www.googleapis.com/auth/gmail.readonly"]
#: Requests per batch: Gmail answers larger batches with 429s.
BATCH_SIZE = 50
LIST_PAGE = 500
MAX_RETRIES = 6
MAX_BACKOFF_S = 64.0
DELETED_LABEL = "DELETED"
#: Mail Gmail's own listing leaves out unless asked; history reports it anyway.
EXCLUDED_LABELS = frozenset({"SPAM", "TRASH"})
_RATE_LIMIT_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}


class GmailError(SyncError):
    """Gmail cannot be synced; the message says what to do."""


class HistoryExpired(Exception):
    """The stored historyId is too old for Gmail (HTTP 404): rescan fully."""


# ------------------------------------------------------------------ account


def default_dir() -> Path:
    return Path(user_config_dir("inboxmine"))


@dataclass
class GmailAccount:
    """One Gmail account: where its OAuth files are, and what to sync."""

    query: str | None = None
    credentials_file: Path | None = None
    token_file: Path | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        suffix = f"-{self.name}" if self.name else ""
        self.credentials_file = Path(
            self.credentials_file or default_dir() / "gmail-credentials.json"
        ).expanduser()
        self.token_file = Path(
            self.token_file or default_dir() / f"gmail-token{suffix}.json"
        ).expanduser()

    @classmethod
    def from_settings(cls, account: AccountSettings) -> GmailAccount:
        return cls(
            query=account.query,
            credentials_file=Path(account.credentials_file) if account.credentials_file else None,
            token_file=Path(account.token_file) if account.token_file else None,
            name=account.name,
        )


# -------------------------------------------------------------------- OAuth


def write_token(path: Path, text: str) -> None:
    """Write the OAuth token readable by its owner only (0600), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # an older file may have had wider permissions
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)
    os.replace(partial, path)


def load_credentials(account: GmailAccount, *, interactive: bool = True, open_browser: bool = True):
    """OAuth credentials for the read-only scope.

    A stored token is used (and refreshed when expired); otherwise, when
    ``interactive``, the installed-app flow opens the browser for consent and
    the token is stored with 0600 permissions.
    """
    from google.auth.exceptions import RefreshError
    from google.auth.transport.requests import Request
    from google.oauth2.credentials import Credentials

    token_file = account.token_file
    creds = None
    if token_file.exists():
        try:
            creds = Credentials.from_authorized_user_file(str(token_file), SCOPES)
        except (ValueError, json.JSONDecodeError) as exc:
            raise GmailError(
                f"the Gmail token file {token_file} is damaged ({exc}): delete it and run "
                "`inboxmine ingest gmail` to authorize again"
            ) from exc
    if creds and creds.valid:
        return creds
    if creds and creds.expired and creds.refresh_token:
        try:
            creds.refresh(Request())
            write_token(token_file, creds.to_json())
            return creds
        except RefreshError:
            creds = None  # revoked or expired for good: ask again
    if not interactive:
        raise GmailError(
            f"no valid Gmail token in {token_file}: run `inboxmine ingest gmail` once in a "
            "terminal to authorize read-only access"
        )
    if not account.credentials_file.exists():
        raise GmailError(
            f"the OAuth client file {account.credentials_file} does not exist: in Google "
            "Cloud console enable the Gmail API, create an OAuth client of type 'Desktop "
            "app', download its JSON to that path (or pass --credentials FILE); see "
            "README 'Connect your mailbox'"
        )
    from google_auth_oauthlib.flow import InstalledAppFlow

    flow = InstalledAppFlow.from_client_secrets_file(str(account.credentials_file), SCOPES)
    creds = flow.run_local_server(port=0, open_browser=open_browser)
    write_token(token_file, creds.to_json())
    return creds


def build_service(credentials=None, http=None):
    """The Gmail v1 client, from the discovery document bundled with the
    library (no network needed to build it). Give ``http`` (e.g. a mock) or
    ``credentials``."""
    from googleapiclient.discovery import build

    return build(
        "gmail",
        "v1",
        credentials=credentials,
        http=http,
        cache_discovery=False,
        static_discovery=True,
    )


# ------------------------------------------------------------ API calls


def _status(exc: Exception) -> int | None:
    resp = getattr(exc, "resp", None)
    try:
        return int(getattr(resp, "status", None))
    except (TypeError, ValueError):
        return None


def _reason(exc: Exception) -> str:
    try:
        content = json.loads(exc.content.decode("utf-8"))
        errors = content.get("error", {}).get("errors") or [{}]
        return errors[0].get("reason") or ""
    except Exception:
        return ""


def is_retryable(status: int | None, reason: str = "") -> bool:
    """429, 5xx and Gmail's 403 rate-limit answers are worth retrying."""
    if status is None:
        return False
    return status == 429 or status >= 500 or (status == 403 and reason in _RATE_LIMIT_REASONS)


def backoff_s(attempt: int, retry_after: str | None = None, jitter: float | None = None) -> float:
    """Seconds to wait before retry ``attempt`` (1, 2, ...): Retry-After when
    the server sent one, else 1, 2, 4 ... seconds (capped) plus jitter."""
    if retry_after:
        try:
            return min(float(retry_after), MAX_BACKOFF_S)
        except ValueError:
            pass
    jitter = random.random() if jitter is None else jitter
    return min(2 ** (attempt - 1) + jitter, MAX_BACKOFF_S)


@dataclass
class HistoryChanges:
    """What happened in the mailbox since a historyId (see :func:`changes_from_history`)."""

    added: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    labels_added: dict[str, set[str]] = field(default_factory=dict)
    labels_removed: dict[str, set[str]] = field(default_factory=dict)
    history_id: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.added or self.deleted or self.labels_added or self.labels_removed)


def changes_from_history(records: Sequence[dict[str, Any]]) -> HistoryChanges:
    """Fold ``history.list`` records into new ids, deletions and label changes.

    In order: a message added and deleted in the same span is only a deletion
    (there is nothing left to fetch); a label added then removed cancels out.
    New messages filed straight into spam or trash are left out, as the full
    listing leaves them out.
    """
    changes = HistoryChanges()
    added: dict[str, None] = {}
    deleted: dict[str, None] = {}
    for record in records:
        for item in record.get("messagesAdded", ()):
            message = item.get("message") or {}
            mid = message.get("id")
            if mid and not EXCLUDED_LABELS & set(message.get("labelIds") or ()):
                added[mid] = None
                deleted.pop(mid, None)
        for item in record.get("messagesDeleted", ()):
            mid = (item.get("message") or {}).get("id")
            if mid:
                deleted[mid] = None
                added.pop(mid, None)
        for key, mine, other in (
            ("labelsAdded", changes.labels_added, changes.labels_removed),
            ("labelsRemoved", changes.labels_removed, changes.labels_added),
        ):
            for item in record.get(key, ()):
                mid = (item.get("message") or {}).get("id")
                if not mid:
                    continue
                for label in item.get("labelIds") or ():
                    if label in other.get(mid, set()):
                        other[mid].discard(label)
                    else:
                        mine.setdefault(mid, set()).add(label)
    changes.added = list(added)
    changes.deleted = list(deleted)
    changes.labels_added = {k: v for k, v in changes.labels_added.items() if v}
    changes.labels_removed = {k: v for k, v in changes.labels_removed.items() if v}
    return changes


def apply_label_changes(
    current: list[str], added: set[str], removed: set[str], names: dict[str, str] | None = None
) -> list[str]:
    """The label list after a change (order kept, names resolved from ids)."""
    names = names or {}
    drop = {names.get(label, label) for label in removed}
    result = [label for label in current if label not in drop]
    for label in sorted(added):
        name = names.get(label, label)
        if name not in result:
            result.append(name)
    return result


class GmailClient:
    """The Gmail calls sync needs, with retries and batching.

    ``sleep`` is injectable so tests do not wait.
    """

    def __init__(
        self,
        service,
        *,
        sleep: Callable[[float], None] = time.sleep,
        max_retries: int = MAX_RETRIES,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.service = service
        self.sleep = sleep
        self.max_retries = max_retries
        self.batch_size = batch_size
        self.retries = 0

    def call(self, request) -> dict[str, Any]:
        """Execute one request, retrying 429/5xx/rate limits with backoff."""
        from googleapiclient.errors import HttpError

        attempt = 0
        while True:
            try:
                return request.execute()
            except HttpError as exc:
                status = _status(exc)
                if not is_retryable(status, _reason(exc)) or attempt >= self.max_retries:
                    raise
                attempt += 1
                self.retries += 1
                self.sleep(backoff_s(attempt, exc.resp.get("retry-after")))

    def profile(self) -> dict[str, Any]:
        return self.call(self.service.users().getProfile(userId="me"))

    def label_names(self) -> dict[str, str]:
        """Label id -> name (system labels: INBOX -> INBOX; user: Label_7 -> Clients)."""
        response = self.call(self.service.users().labels().list(userId="me"))
        return {item["id"]: item.get("name") or item["id"] for item in response.get("labels", ())}

    def list_ids(self, query: str | None) -> Iterator[tuple[str, str | None]]:
        """(id, threadId) of every message matching ``query``, newest first."""
        token = None
        while True:
            kwargs = {"userId": "me", "maxResults": LIST_PAGE}
            if query:
                kwargs["q"] = query
            if token:
                kwargs["pageToken"] = token
            response = self.call(self.service.users().messages().list(**kwargs))
            for item in response.get("messages", ()):
                yield item["id"], item.get("threadId")
            token = response.get("nextPageToken")
            if not token:
                return

    def history(self, start_history_id: str) -> HistoryChanges:
        """The changes since ``start_history_id``; :class:`HistoryExpired` on 404."""
        from googleapiclient.errors import HttpError

        records: list[dict[str, Any]] = []
        token = None
        latest = None
        while True:
            kwargs = {
                "userId": "me",
                "startHistoryId": start_history_id,
                "historyTypes": ["messageAdded", "messageDeleted", "labelAdded", "labelRemoved"],
                "maxResults": LIST_PAGE,
            }
            if token:
                kwargs["pageToken"] = token
            try:
                response = self.call(self.service.users().history().list(**kwargs))
            except HttpError as exc:
                if _status(exc) == 404:
                    raise HistoryExpired(start_history_id) from exc
                raise
            records.extend(response.get("history", ()))
            latest = response.get("historyId") or latest
            token = response.get("nextPageToken")
            if not token:
                break
        changes = changes_from_history(records)
        changes.history_id = str(latest) if latest else start_history_id
        return changes

    def fetch_raw(self, ids: Sequence[str]) -> Iterator[tuple[str, dict | None, str | None]]:
        """(id, message resource with ``raw``, error) for each id, batched.

        Items answered with 429/5xx are retried in a later batch after a
        backoff; an id gone since it was listed (404) yields error "gone".
        """
        pending = list(ids)
        attempt = 0
        while pending:
            retry: list[str] = []
            for start in range(0, len(pending), self.batch_size):
                chunk = pending[start : start + self.batch_size]
                results: dict[str, tuple[dict | None, Exception | None]] = {}

                def collect(request_id, response, exception, results=results):
                    results[request_id] = (response, exception)

                batch = self.service.new_batch_http_request(callback=collect)
                for gmail_id in chunk:
                    batch.add(
                        self.service.users().messages().get(userId="me", id=gmail_id, format="raw"),
                        request_id=gmail_id,
                    )
                self.call(batch)
                for gmail_id in chunk:
                    response, error = results.get(gmail_id, (None, None))
                    if error is None and response is not None:
                        yield gmail_id, response, None
                        continue
                    status = _status(error) if error is not None else None
                    if error is None or is_retryable(status, _reason(error)):
                        retry.append(gmail_id)
                    elif status == 404:
                        yield gmail_id, None, "gone"
                    else:
                        yield gmail_id, None, f"Gmail answered {status}: {error}"
            if not retry:
                return
            attempt += 1
            if attempt > self.max_retries:
                for gmail_id in retry:
                    yield (
                        gmail_id,
                        None,
                        "Gmail kept answering 'too many requests' or a server error",
                    )
                return
            self.retries += 1
            self.sleep(backoff_s(attempt))
            pending = retry


def decode_raw(resource: dict[str, Any]) -> bytes:
    """The message bytes of a ``format=raw`` resource (base64url, padding optional)."""
    data = resource.get("raw") or ""
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


# ------------------------------------------------------------------- sync


def _describe_http_error(exc: Exception, account: GmailAccount) -> str:
    status = _status(exc)
    reason = _reason(exc)
    if status == 401:
        return (
            f"Gmail refused the access token in {account.token_file} (401): delete that file "
            "and run `inboxmine ingest gmail` to authorize again"
        )
    if status == 403 and reason in ("accessNotConfigured", "SERVICE_DISABLED"):
        return (
            "the Gmail API is not enabled for the OAuth client's Google Cloud project: enable "
            "it in the console (APIs & Services > Library > Gmail API) and try again"
        )
    if is_retryable(status, reason):
        return (
            f"Gmail kept answering {status} ({reason or 'rate limit or server error'}) after "
            "retries: wait a few minutes and run the sync again - it resumes"
        )
    return f"Gmail API error {status} ({reason or exc}): try again; if it persists, re-authorize"


def sync_gmail(
    engine: Engine,
    settings: Settings,
    account: GmailAccount,
    *,
    triggered_by: str = "cli",
    progress: ProgressHook | None = None,
    me: Sequence[str] = (),
    full: bool = False,
    interactive: bool = True,
    service=None,
    sleep: Callable[[float], None] = time.sleep,
    batch_size: int = BATCH_SIZE,
) -> SyncResult:
    """Sync one Gmail account as one ``ingest`` run (incremental when a
    historyId is stored, else full). ``service`` is a built Gmail client
    (tests pass one on mocked HTTP); by default it is built from OAuth."""
    from googleapiclient.errors import HttpError

    try:
        if service is None:
            service = build_service(credentials=load_credentials(account, interactive=interactive))
        client = GmailClient(service, sleep=sleep, batch_size=batch_size)
        try:
            profile = client.profile()
        except HttpError as exc:
            raise GmailError(_describe_http_error(exc, account)) from exc
    except GmailError as exc:
        name = f"gmail:{account.name or account.token_file}"[:320]
        record_failed_run(
            engine, source_kind="gmail", account=name, triggered_by=triggered_by, error=exc
        )
        raise
    address = (profile.get("emailAddress") or "").lower()
    key = f"gmail:{address}"[:320]
    parameters = {"query": account.query} if account.query else {}
    with account_run(
        engine,
        source_kind="gmail",
        account=key,
        my_addresses=my_addresses_for(settings, address, extra=me),
        triggered_by=triggered_by,
        parameters=parameters,
        batch_size=batch_size,
    ) as (run, store, result):
        try:
            names = client.label_names()
            state = load_state(engine, key)
            changes = None
            if state and state.history_id and not full:
                try:
                    changes = client.history(state.history_id)
                except HistoryExpired:
                    result.details.append(
                        f"history {state.history_id} has expired at Gmail: listing all mail "
                        "again (messages already stored are skipped)"
                    )
            if changes is None:
                result.full = True
                # Read before listing: what arrives meanwhile is in the next history.
                history_id = str(profile.get("historyId") or "")
                listed = list(client.list_ids(account.query))
                known = stored_gmail_ids(engine, [gid for gid, _ in listed])
                wanted = [gid for gid, _ in listed if gid not in known]
                result.details.append(
                    f"{len(listed)} messages listed, {len(listed) - len(wanted)} already stored"
                )
            else:
                history_id = changes.history_id
                known = stored_gmail_ids(engine, changes.added)
                wanted = [gid for gid in changes.added if gid not in known]
                if changes.empty:
                    result.details.append("no changes since the last sync")
            run.set_total(len(wanted))
            _fetch_and_store(
                engine, client, wanted, store, result, names, address, progress, batch_size
            )
            if changes is not None:
                _apply_changes(engine, changes, names, result)
            now = datetime.now(UTC)
            stamp = {"last_full_sync": now} if result.full else {"last_incremental_sync": now}
            save_state(engine, key, history_id=history_id or None, added=result.stored, **stamp)
        except HttpError as exc:
            raise GmailError(_describe_http_error(exc, account)) from exc
    return result


def _fetch_and_store(
    engine, client, wanted, store, result, names, address, progress, batch_size
) -> None:
    done = 0
    refs: list[GmailRef] = []
    for gmail_id, resource, error in client.fetch_raw(wanted):
        done += 1
        source_ref = f"gmail://{address}"
        if error == "gone":  # deleted between listing and fetching: nothing to keep
            continue
        if error is not None:
            store.add(RawMessage(b"", "gmail", source_ref, gmail_id, read_error=error))
        else:
            try:
                raw = decode_raw(resource)
            except (ValueError, TypeError) as exc:
                store.add(
                    RawMessage(
                        b"", "gmail", source_ref, gmail_id, read_error=f"undecodable raw: {exc}"
                    )
                )
                continue
            labels = [names.get(label, label) for label in resource.get("labelIds") or ()]
            is_read = GMAIL_UNREAD not in (resource.get("labelIds") or ())
            store.add(
                RawMessage(
                    raw=raw,
                    source_kind="gmail",
                    source_ref=source_ref,
                    position=gmail_id,
                    labels=labels,
                    gmail_thread_id=resource.get("threadId"),
                    is_read=is_read,
                )
            )
            refs.append(GmailRef(raw, message_id_of(raw), gmail_id, labels, is_read))
        if len(refs) >= batch_size:
            store.flush()
            attach_gmail_refs(engine, refs)
            refs = []
        if progress is not None and (done % 25 == 0 or done == len(wanted)):
            progress(f"gmail {address}", done, len(wanted))
    store.flush()
    attach_gmail_refs(engine, refs)


def _apply_changes(engine, changes: HistoryChanges, names: dict[str, str], result) -> None:
    touched = set(changes.labels_added) | set(changes.labels_removed) | set(changes.deleted)
    if not touched:
        return
    current = stored_labels(engine, sorted(touched))
    updated: dict[str, list[str]] = {}
    for gmail_id, labels in current.items():
        new = apply_label_changes(
            labels,
            changes.labels_added.get(gmail_id, set()),
            changes.labels_removed.get(gmail_id, set()),
            names,
        )
        if new != labels:
            result.labels_updated += 1
        if gmail_id in changes.deleted and DELETED_LABEL not in new:
            new.append(DELETED_LABEL)
            result.deleted += 1
        if new != labels:
            updated[gmail_id] = new
    set_labels(engine, updated)


# ----------------------------------------------------------------- source


class GmailSource:
    """The live source of accounts with ``kind = "gmail"`` (the Gmail API)."""

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
        return sync_gmail(
            engine,
            settings,
            GmailAccount.from_settings(account),
            triggered_by=triggered_by,
            progress=progress,
            interactive=interactive,
        )

    def waker(self, account: AccountSettings, wake: threading.Event, stop: threading.Event) -> None:
        """Gmail has no IDLE here (push needs a Pub/Sub topic): polled."""
        return None


SOURCES.register("gmail", GmailSource(), order=20)

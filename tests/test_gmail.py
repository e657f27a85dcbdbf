"""Gmail API sync on recorded responses (tests/fixtures/gmail), no network.

The client library's own ``HttpMockSequence`` answers each HTTP call in
order; the Gmail client is built from the discovery document bundled with
the library. Each test lists the calls it expects, and checks what was asked.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select

from inboxmine.db.tables.ingest import messages, sync_state
from inboxmine.db.tables.ledger import item_errors, pipeline_runs

googleapiclient = pytest.importorskip("googleapiclient")
from googleapiclient.http import HttpMockSequence  # noqa: E402

from inboxmine.sources.gmail import (  # noqa: E402
    DELETED_LABEL,
    GmailAccount,
    GmailError,
    build_service,
    sync_gmail,
)

FIXTURES = Path(__file__).parent / "fixtures" / "gmail"
IDS = [f"18c1a0000000000{n}" for n in range(1, 5)]


def ok(name: str):
    return ({"status": "200", "content-type": "application/json"}, (FIXTURES / name).read_text())


def error(name: str, status: int, **headers):
    return (
        {"status": str(status), "content-type": "application/json", **headers},
        (FIXTURES / name).read_text(),
    )


def batch(*parts: tuple[str, int, str]):
    """A multipart batch answer: (gmail id, HTTP status, fixture file) per part."""
    boundary = "batch_recorded"
    chunks = []
    for gmail_id, status, name in parts:
        reason = {200: "OK", 404: "Not Found", 429: "Too Many Requests"}.get(status, "Error")
        chunks.append(
            f"--{boundary}\r\nContent-Type: application/http\r\n"
            f"Content-ID: <response-recorded + {gmail_id}>\r\n\r\n"
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n"
            f"{(FIXTURES / name).read_text()}\r\n"
        )
    body = "".join(chunks) + f"--{boundary}--\r\n"
    return ({"status": "200", "content-type": f"multipart/mixed; boundary={boundary}"}, body)


def message(gmail_id: str, status: int = 200):
    return (gmail_id, status, f"message-{gmail_id}.json")


def full_sync_calls():
    return [
        ok("profile.json"),
        ok("labels.json"),
        ok("messages-list-page1.json"),
        ok("messages-list-page2.json"),
        batch(message(IDS[2]), message(IDS[1]), message(IDS[0])),
    ]


class Recorded:
    """HttpMockSequence plus the helpers a test needs to inspect the calls."""

    def __init__(self, responses) -> None:
        self.http = HttpMockSequence(list(responses))
        self.service = build_service(http=self.http)

    def uris(self) -> list[str]:
        return [uri for uri, *_ in self.http.request_sequence]

    def query(self, index: int) -> dict[str, list[str]]:
        return parse_qs(urlparse(self.uris()[index]).query)

    @property
    def leftover(self) -> int:
        return len(self.http._iterable)


def sync(engine, settings, recorded: Recorded, **kw):
    return sync_gmail(
        engine,
        settings,
        GmailAccount(token_file=Path("unused-token.json")),
        service=recorded.service,
        sleep=kw.pop("sleep", lambda s: None),
        **kw,
    )


def rows(engine):
    with engine.connect() as conn:
        return {
            row.gmail_id: row for row in conn.execute(select(messages).order_by(messages.c.sent_at))
        }


def test_full_sync_stores_raw_messages_with_gmail_ids_threads_and_label_names(engine, settings):
    recorded = Recorded(full_sync_calls())

    result = sync(engine, settings, recorded, batch_size=50)

    assert recorded.leftover == 0
    assert result.full and result.stored == 3
    stored = rows(engine)
    assert set(stored) == set(IDS[:3])
    renewal = stored[IDS[0]]
    assert renewal.subject == "Your Acme Analytics plan renews on May 1"
    assert renewal.message_id == "renewal-2026@acme-analytics.example"
    assert renewal.labels == ["INBOX", "CATEGORY_UPDATES", "Clients"]  # Label_7 by its name
    assert renewal.gmail_thread_id == IDS[0] and renewal.source_kind == "gmail"
    reply = stored[IDS[1]]
    assert reply.is_sent  # from the profile's address, and labelled SENT
    assert reply.thread_id == renewal.thread_id  # one conversation
    assert stored[IDS[2]].body_html.startswith("<html>")
    with engine.connect() as conn:
        state = conn.execute(select(sync_state)).one()
        run = conn.execute(select(pipeline_runs)).one()
    assert (state.account, state.history_id) == ("gmail:owner@example.com", "1000")
    assert state.last_full_sync is not None and state.total_messages_synced == 3
    assert (run.stage, run.status, run.items_processed) == ("ingest", "completed", 3)
    assert "format=raw" in recorded.http.request_sequence[-1][2]  # the batch body


def test_full_sync_skips_messages_already_stored(engine, settings):
    sync(engine, settings, Recorded(full_sync_calls()))
    # A forced full pass lists again but fetches nothing: every id is known.
    recorded = Recorded(full_sync_calls()[:4])

    result = sync(engine, settings, recorded, full=True)

    assert recorded.leftover == 0
    assert result.counts.read == 0 and "3 already stored" in result.details[0]


def test_empty_history_is_no_new_mail_not_an_expired_history(engine, settings):
    sync(engine, settings, Recorded(full_sync_calls()))
    recorded = Recorded([ok("profile.json"), ok("labels.json"), ok("history-empty.json")])

    result = sync(engine, settings, recorded)

    assert recorded.leftover == 0  # no listing, no fetching
    assert not result.full and result.counts.read == 0
    assert result.details == ["no changes since the last sync"]
    assert recorded.query(2)["startHistoryId"] == ["1000"]
    assert len(rows(engine)) == 3


def test_history_brings_new_mail_label_changes_and_deletions(engine, settings):
    sync(engine, settings, Recorded(full_sync_calls()))
    recorded = Recorded(
        [
            ok("profile.json"),
            ok("labels.json"),
            ok("history-changes.json"),
            batch(message(IDS[3])),  # the new one; the one filed as spam is left out
        ]
    )

    result = sync(engine, settings, recorded)

    assert recorded.leftover == 0
    assert result.stored == 1 and not result.full
    stored = rows(engine)
    assert stored[IDS[3]].subject == "Partner program for agencies"
    promo = stored[IDS[2]].labels
    assert "UNREAD" not in promo and "Clients" in promo
    # Deleted in Gmail: kept, and marked.
    assert stored[IDS[1]].labels == ["SENT", DELETED_LABEL]
    assert (result.labels_updated, result.deleted) == (1, 1)
    with engine.connect() as conn:
        assert conn.execute(select(sync_state.c.history_id)).scalar() == "1005"


def test_expired_history_rescans_everything_without_duplicates(engine, settings):
    sync(engine, settings, Recorded(full_sync_calls()))
    recorded = Recorded(
        [
            ok("profile.json"),
            ok("labels.json"),
            error("error-404-history.json", 404),
            ok("messages-list-page1.json"),
            ok("messages-list-page2.json"),
        ]
    )

    result = sync(engine, settings, recorded)

    assert recorded.leftover == 0
    assert result.full and result.counts.read == 0
    assert "has expired" in result.details[0]
    assert len(rows(engine)) == 3


def test_rate_limits_and_server_errors_are_retried_with_backoff(engine, settings):
    waits: list[float] = []
    recorded = Recorded(
        [
            error("error-503.json", 503),
            ok("profile.json"),
            error("error-429.json", 429, **{"retry-after": "7"}),
            ok("labels.json"),
            ok("messages-list-page1.json"),
            ok("messages-list-page2.json"),
            # Inside the batch one item is rate limited: it is asked for again.
            batch(message(IDS[2]), (IDS[1], 429, "error-429.json"), message(IDS[0])),
            batch(message(IDS[1])),
        ]
    )

    result = sync(engine, settings, recorded, sleep=waits.append)

    assert recorded.leftover == 0 and result.stored == 3
    assert len(waits) == 3 and waits[1] == 7.0  # Retry-After honoured
    assert all(0 < w <= 64 for w in waits)


def test_a_message_gone_between_listing_and_fetching_is_skipped(engine, settings):
    recorded = Recorded(
        full_sync_calls()[:4]
        + [batch(message(IDS[2]), (IDS[1], 404, "error-404-history.json"), message(IDS[0]))]
    )

    result = sync(engine, settings, recorded)

    assert result.stored == 2 and set(rows(engine)) == {IDS[0], IDS[2]}
    with engine.connect() as conn:
        assert conn.execute(select(item_errors)).all() == []


def test_a_revoked_token_fails_the_run_with_what_to_do(engine, settings):
    recorded = Recorded([error("error-401.json", 401)])

    with pytest.raises(GmailError, match="delete that file and run `inboxmine ingest gmail`"):
        sync(engine, settings, recorded)


def test_messages_imported_from_takeout_get_their_gmail_ids_and_live_labels(engine, settings):
    from inboxmine.sources.base import RawMessage
    from inboxmine.sources.gmail import decode_raw
    from inboxmine.sources.importer import import_messages

    resource = json.loads((FIXTURES / f"message-{IDS[0]}.json").read_text())
    takeout = b"X-GM-THRID: 1234\r\nX-Gmail-Labels: Inbox\r\n" + decode_raw(resource)
    import_messages(
        engine, [RawMessage(takeout, "mbox", "takeout.mbox", "0")], source_kind="mbox",
        path="takeout.mbox", my_addresses=set(),
    )  # fmt: skip

    result = sync(engine, settings, Recorded(full_sync_calls()))

    assert result.counts.duplicates == 1  # same Message-ID, other bytes
    stored = rows(engine)
    assert stored[IDS[0]].source_kind == "mbox"
    assert stored[IDS[0]].labels == ["INBOX", "CATEGORY_UPDATES", "Clients"]


def test_token_file_is_private(tmp_path):
    from inboxmine.sources.gmail import write_token

    path = tmp_path / "cfg" / "token.json"
    path.parent.mkdir()
    path.write_text("{}")
    path.chmod(0o644)

    write_token(path, '{"token": "x"}')

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text()) == {"token": "x"}


def test_a_missing_oauth_client_file_says_how_to_create_one(tmp_path):
    from inboxmine.sources.gmail import load_credentials

    account = GmailAccount(
        credentials_file=tmp_path / "credentials.json", token_file=tmp_path / "token.json"
    )

    with pytest.raises(GmailError, match="Desktop app.*--credentials"):
        load_credentials(account)
    with pytest.raises(GmailError, match="run `inboxmine ingest gmail` once"):
        load_credentials(account, interactive=False)


def test_a_stored_valid_token_is_used_without_a_browser(tmp_path):
    from inboxmine.sources.gmail import SCOPES, load_credentials

    token = tmp_path / "token.json"
    token.write_text(
        json.dumps(
            {
                "token": "ya29.recorded",
                "refresh_token": "1//recorded",
                "client_id": "123.apps.googleusercontent.com",
                "client_secret": "recorded",
                "scopes": SCOPES,
                "expiry": "2999-01-01T00:00:00Z",
            }
        )
    )

    creds = load_credentials(GmailAccount(token_file=token, credentials_file=tmp_path / "none"))

    assert creds.valid and creds.token == "ya29.recorded"

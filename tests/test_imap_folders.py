"""IMAP rules with plain inputs: which folders, batches, Gmail ids, passwords."""

from __future__ import annotations

import pytest

from inboxmine.sources.base import gmail_hex_id
from inboxmine.sources.gmail_store import message_id_of
from inboxmine.sources.imap import (
    MAX_MESSAGE_BYTES,
    Folder,
    ImapAccount,
    ImapError,
    choose_folders,
    decode_labels,
    folders_from_listing,
    is_gmail,
    resolve_password,
    size_batches,
)

LISTING = [
    ((b"\\HasNoChildren",), b"/", "INBOX"),
    ((b"\\HasNoChildren", b"\\Sent"), b"/", "Postausgang"),
    ((b"\\HasNoChildren", b"\\Trash"), b"/", "Papierkorb"),
    ((b"\\Junk",), b"/", "Spam"),
    ((b"\\Drafts",), b"/", "Drafts"),
    ((b"\\Noselect", b"\\HasChildren"), b"/", "Projects"),
    ((b"\\HasNoChildren",), b"/", "Projects/2026"),
    ((b"\\All",), b"/", "Archive/All"),
]


def test_by_default_every_real_folder_is_synced_but_trash_junk_drafts_and_virtual_ones():
    chosen = choose_folders(folders_from_listing(LISTING))

    assert [f.name for f in chosen] == ["INBOX", "Postausgang", "Projects/2026"]


def test_the_sent_folder_is_known_by_its_special_use_flag_or_its_name():
    folders = {f.name: f for f in folders_from_listing(LISTING)}

    assert folders["Postausgang"].is_sent  # \Sent flag, a name no list knows
    assert Folder("Sent Items").is_sent and Folder("INBOX.Sent").is_sent
    assert not folders["INBOX"].is_sent and not Folder("Consent forms").is_sent


def test_on_gmail_only_all_mail_is_synced_because_labels_say_where_mail_is_filed():
    listing = [
        ((b"\\HasNoChildren",), b"/", "INBOX"),
        ((b"\\All", b"\\HasNoChildren"), b"/", "[Gmail]/All Mail"),
        ((b"\\Sent",), b"/", "[Gmail]/Sent Mail"),
    ]

    chosen = choose_folders(folders_from_listing(listing), gmail=True)

    assert [f.name for f in chosen] == ["[Gmail]/All Mail"]


def test_requested_folders_are_taken_as_given_and_an_unknown_one_lists_the_real_ones():
    folders = folders_from_listing(LISTING)

    assert [f.name for f in choose_folders(folders, ["inbox", "Papierkorb"])] == [
        "INBOX",
        "Papierkorb",
    ]
    with pytest.raises(
        ImapError, match=r"not found on the server: Archiv; the folders are: .*INBOX"
    ):
        choose_folders(folders, ["Archiv"])


def test_batches_respect_the_message_count_and_the_byte_budget():
    sizes = {uid: 1000 for uid in range(1, 8)}
    sizes[4] = MAX_MESSAGE_BYTES * 2  # huge: counted at the cap, alone in its batch

    batches = list(size_batches(sizes, batch_size=3, batch_bytes=10_000))

    assert batches == [[1, 2, 3], [4], [5, 6, 7]]
    assert [u for b in batches for u in b] == sorted(sizes)


def test_gmail_ids_from_imap_match_the_api_ids_and_labels_are_decoded():
    # X-GM-MSGID 1784868165009391617 (decimal) is the API's id 18c52023b249c001 (hex).
    assert gmail_hex_id(1784868165009391617) == "18c52023b249c001"
    assert gmail_hex_id(int("18c1a00000000001", 16)) == "18c1a00000000001"
    assert gmail_hex_id(b"not a number") is None
    assert decode_labels([b"\\Inbox", b"&AMk-t&AOk-", "Clients", b"\\Inbox"]) == [
        "\\Inbox",
        "Été",
        "Clients",
    ]
    assert is_gmail([b"IMAP4REV1", b"X-GM-EXT-1"]) and not is_gmail([b"IMAP4REV1"])


def test_the_password_comes_from_the_environment_then_the_keyring(monkeypatch):
    account = ImapAccount(host="imap.example.org", user="ada@example.org", password_env="MY_PW")
    monkeypatch.setattr("inboxmine.sources.imap.keyring_password", lambda host, user: None)

    assert resolve_password(account, {"MY_PW": "from-env"}) == "from-env"
    with pytest.raises(ImapError) as missing:
        resolve_password(account, {})
    assert "MY_PW" in str(missing.value) and "keyring set inboxmine:imap.example.org" in str(
        missing.value
    )

    monkeypatch.setattr(
        "inboxmine.sources.imap.keyring_password",
        lambda host, user: "from-keyring" if (host, user) == (account.host, account.user) else None,
    )
    assert resolve_password(account, {}) == "from-keyring"


def test_account_defaults_and_bad_tls():
    assert ImapAccount(host="h", user="u").effective_port == 993
    assert ImapAccount(host="h", user="u", tls="starttls").effective_port == 143
    assert ImapAccount(host="h", user="u").key == "imap:u@h"
    with pytest.raises(ImapError, match="use ssl, starttls or none"):
        ImapAccount(host="h", user="u", tls="tls1.3")


def test_message_id_is_read_from_the_headers_only_even_when_folded():
    raw = b"Subject: x\r\nMessage-ID:\r\n <abc@host.example>\r\n\r\nMessage-ID: <body@x>\r\n"

    assert message_id_of(raw) == "abc@host.example"
    assert message_id_of(b"no headers here") is None

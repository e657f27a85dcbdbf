"""Gmail's IMAP extensions (X-GM-MSGID, X-GM-THRID, X-GM-LABELS), on a
scripted client: Dovecot does not speak them."""

from __future__ import annotations

from sqlalchemy import select
from tests.test_imap_server import make_message

from inboxmine.db.tables.ingest import messages
from inboxmine.sources.imap import ImapAccount, sync_imap

THREAD = 1784868165009391617  # decimal on IMAP, 18c52023b249c001 in the API


class ScriptedGmail:
    """Answers like imap.gmail.com for one "All Mail" folder."""

    def __init__(self, mails):
        self.mails = mails  # uid -> (raw, labels)
        self.fetched_items = []

    def capabilities(self):
        return (b"IMAP4REV1", b"X-GM-EXT-1", b"IDLE")

    def list_folders(self):
        return [
            ((b"\\HasNoChildren",), b"/", "INBOX"),
            ((b"\\All", b"\\HasNoChildren"), b"/", "[Gmail]/All Mail"),
            ((b"\\Sent", b"\\HasNoChildren"), b"/", "[Gmail]/Sent Mail"),
        ]

    def select_folder(self, name, readonly=False):
        assert name == "[Gmail]/All Mail" and readonly
        return {b"UIDVALIDITY": 11, b"UIDNEXT": max(self.mails) + 1}

    def search(self, criteria):
        return sorted(self.mails)

    def fetch(self, uids, items):
        self.fetched_items.append(list(items))
        if items == ["RFC822.SIZE"]:
            return {uid: {b"RFC822.SIZE": len(self.mails[uid][0])} for uid in uids}
        return {
            uid: {
                b"BODY[]": self.mails[uid][0],
                b"X-GM-MSGID": THREAD + uid,
                b"X-GM-THRID": THREAD,
                b"X-GM-LABELS": self.mails[uid][1],
            }
            for uid in uids
        }

    def logout(self):
        pass


def test_gmail_over_imap_reads_all_mail_with_labels_thread_and_message_ids(engine, settings):
    client = ScriptedGmail(
        {
            1: (
                make_message("Quote request", sender="buyer@acme.example"),
                (b"\\Inbox", b"Clients"),
            ),
            2: (make_message("Re: Quote request", sender="me@gmail.example"), (b"\\Sent",)),
        }
    )
    account = ImapAccount(host="imap.gmail.com", user="me@gmail.example")

    result = sync_imap(
        engine, settings, account, password="app-password", connector=lambda a, p: client
    )

    assert result.stored == 2
    assert "X-GM-LABELS" in client.fetched_items[-1]
    with engine.connect() as conn:
        rows = {r.subject: r for r in conn.execute(select(messages))}
    quote, reply = rows["Quote request"], rows["Re: Quote request"]
    assert quote.labels == ["\\Inbox", "Clients"] and not quote.is_sent
    assert reply.is_sent  # the \Sent label (and the login address)
    assert quote.gmail_thread_id == reply.gmail_thread_id == "18c52023b249c001"
    assert quote.gmail_id == format(THREAD + 1, "x")
    assert quote.thread_id == reply.thread_id

"""Stage 0 tables: what a mail source delivered, as delivered."""

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from inboxmine.db.tables._meta import metadata
from inboxmine.db.types import UTCDateTime

threads = Table(
    "threads",
    metadata,
    Column("id", Integer, primary_key=True),
    # Gmail thread id, else the Message-ID of the thread's root message,
    # else "subject:<normalized subject>|<participants>" for the fallback.
    Column("thread_key", String(512), nullable=False, unique=True),
    Column("subject", Text),
    Column("participant_count", Integer, nullable=False, default=0),
    Column("message_count", Integer, nullable=False, default=0),
    Column("first_message_at", UTCDateTime()),
    Column("last_message_at", UTCDateTime()),
    Column("last_sender", String(320)),
    Column("user_participated", Boolean, nullable=False, default=False),
    Column("user_last_replied_at", UTCDateTime()),
    # user | other | none: who owes the next reply.
    Column("awaiting_response_from", String(8), nullable=False, default="none"),
    Column("days_dormant", Integer),
    Column("updated_at", UTCDateTime()),
    Index("ix_threads_last_message_at", "last_message_at"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Integer, primary_key=True),
    # The RFC 5322 Message-ID without angle brackets; NULL when missing.
    Column("message_id", String(998), index=True),
    Column("thread_id", Integer, ForeignKey("threads.id", ondelete="SET NULL"), index=True),
    Column("content_hash", String(64), nullable=False, unique=True),
    # Where it came from: mbox | maildir | eml | imap | gmail, the path or
    # account/folder, and the position within it (offset, key, UID).
    Column("source_kind", String(16), nullable=False),
    Column("source_ref", Text, nullable=False),
    Column("source_position", String(255)),
    Column("gmail_id", String(64), index=True),
    Column("gmail_thread_id", String(64), index=True),
    Column("labels", JSON),
    # Real time of sending, UTC; how it was found: date | received | import.
    Column("sent_at", UTCDateTime(), nullable=False),
    Column("sent_at_source", String(16), nullable=False),
    Column("date_raw", Text),
    Column("from_address", String(320), index=True),
    Column("from_name", Text),
    Column("reply_to", Text),
    Column("to_addresses", JSON),
    Column("cc_addresses", JSON),
    Column("subject", Text),
    Column("snippet", Text),
    Column("in_reply_to", String(998), index=True),
    Column("references", JSON),
    Column("headers", JSON),
    Column("body_text", Text),
    Column("body_html", Text),
    Column("size_bytes", Integer, nullable=False, default=0),
    Column("is_sent", Boolean, nullable=False, default=False),
    # Has the user read it: IMAP \\Seen, Gmail's UNREAD label, a Maildir S flag,
    # an mbox Status R. NULL: the source does not say (never guessed).
    Column("is_read", Boolean),
    # zlib-compressed original bytes, so any stage can be re-run from source.
    Column("raw_compressed", LargeBinary, nullable=False),
    # Why the message could not be fully parsed (NULL when it parsed cleanly).
    Column("parse_error", Text),
    Column("ingested_at", UTCDateTime(), nullable=False),
    Index("ix_messages_sent_at", "sent_at"),
)

attachments = Table(
    "attachments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "message_id",
        Integer,
        ForeignKey("messages.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("filename", Text),
    Column("mime_type", String(255)),
    Column("size_bytes", Integer, nullable=False, default=0),
    Column("content_id", String(998)),
    Column("is_inline", Boolean, nullable=False, default=False),
)

# Incremental-sync bookkeeping for live sources (IMAP folder, Gmail account).
sync_state = Table(
    "sync_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account", String(320), nullable=False),
    Column("folder", String(512), nullable=False, default=""),
    Column("uidvalidity", String(32)),
    Column("last_uid", Integer),
    Column("history_id", String(64)),
    Column("last_full_sync", UTCDateTime()),
    Column("last_incremental_sync", UTCDateTime()),
    Column("total_messages_synced", Integer, nullable=False, default=0),
    UniqueConstraint("account", "folder", name="uq_sync_state_account_folder"),
)

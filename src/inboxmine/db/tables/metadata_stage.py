"""Stage 1 (metadata) tables: header forensics per message, timing per sender."""

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from inboxmine.db.tables._meta import metadata
from inboxmine.db.types import UTCDateTime

parsed_metadata = Table(
    "parsed_metadata",
    metadata,
    Column("message_id", Integer, ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True),
    # The sender identity: registered domain, or the full address for free-mail.
    Column("sender_domain", String(320)),
    # Where the sender came from: from | sender | reply_to | return_path
    # (spam without a usable From still gets a sender, and says so).
    Column("sender_source", String(16)),
    Column("from_domain", String(255)),
    # The From host when it is not the registered domain itself (news.x.com).
    Column("sender_subdomain", String(255)),
    Column("envelope_sender", String(320)),
    Column("message_id_domain", String(255)),
    # ESP key from rules/esp.yaml, NULL when unknown; high | medium | low.
    Column("esp_identified", String(64)),
    Column("esp_confidence", String(8)),
    # [{"signal": "dkim_domain", "value": "sendgrid.net"}, ...]
    Column("esp_evidence", JSON),
    # A relay or mailbox provider the ESP sent through (amazon_ses under intercom).
    Column("esp_infrastructure", String(64)),
    Column("dkim_domains", JSON),
    Column("dkim_domain", String(255)),
    # [{"domain", "selector", "result"}] per DKIM signature.
    Column("dkim_signatures", JSON),
    Column("spf_result", String(32)),
    Column("dkim_result", String(32)),
    Column("dmarc_result", String(32)),
    Column("arc_result", String(32)),
    # excellent | good | poor | unknown
    Column("authentication_quality", String(16), nullable=False, default="unknown"),
    Column("sending_ip", String(45)),
    Column("sending_host", String(255)),
    # The Received chain, newest hop first: [{from_host, from_rdns, from_ip, by_host, protocol, received_at}]
    Column("received_hops", JSON),
    Column("x_mailer", Text),
    Column("precedence", String(32)),
    Column("list_id", Text),
    Column("list_unsubscribe_url", Text),
    Column("list_unsubscribe_email", String(320)),
    Column("list_unsubscribe_one_click", Boolean, nullable=False, default=False),
    Column("feedback_id", Text),
    Column("is_bulk", Boolean, nullable=False, default=False),
    Column("is_freemail", Boolean, nullable=False, default=False),
    # The user's own sent mail: the row exists, later stages leave it out.
    Column("is_sent", Boolean, nullable=False, default=False),
    # The real send time (NULL when only the import time is known), and the
    # sender's clock: its UTC offset, the hour in UTC and locally, the weekday.
    Column("sent_at", UTCDateTime()),
    Column("utc_offset_minutes", Integer),
    Column("sent_hour_utc", Integer),
    Column("sent_hour_local", Integer),
    Column("sent_weekday", Integer),
    Column("parsed_at", UTCDateTime(), nullable=False),
    Index("ix_parsed_metadata_sender_domain_sent_at", "sender_domain", "sent_at"),
    Index("ix_parsed_metadata_esp_identified", "esp_identified"),
)

sender_temporal = Table(
    "sender_temporal",
    metadata,
    Column("sender_domain", String(320), primary_key=True),
    Column("first_seen", UTCDateTime()),
    Column("last_seen", UTCDateTime()),
    Column("total_messages", Integer, nullable=False, default=0),
    # Messages with a real send time (the ones the patterns below come from).
    Column("timed_messages", Integer, nullable=False, default=0),
    Column("avg_gap_days", Float),
    Column("median_gap_days", Float),
    Column("most_common_hour_utc", Integer),
    # In the sender's own UTC offset (from its Date headers).
    Column("most_common_hour_local", Integer),
    # 0 = Monday ... 6 = Sunday, in the sender's own time.
    Column("most_common_weekday", Integer),
    Column("updated_at", UTCDateTime(), nullable=False),
)

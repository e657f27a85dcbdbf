"""Stage 3 table: the entities found in each message."""

from sqlalchemy import (
    Boolean,
    Column,
    Date,
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

extracted_entities = Table(
    "extracted_entities",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "message_id",
        Integer,
        ForeignKey("messages.id", ondelete="CASCADE"),
        nullable=False,
    ),
    # person | organization | money | date | procurement_signal | phone | url
    Column("entity_type", String(24), nullable=False),
    # As written in the message (a name, "$4,800/year", "renews on March 3").
    Column("entity_value", Text, nullable=False),
    # Comparable form: a person's address, an org key without legal suffix,
    # "4800.00 USD/year", an ISO date, a procurement signal key, +E.164 phone.
    Column("entity_normalized", Text),
    # person: the title from the signature ("VP Marketing"), kept on the row.
    Column("role", Text),
    # person: automated | decision_maker | vendor_contact | peer
    Column("relationship", String(16)),
    # The quote the entity was found in (or "From: ...", "signature: ...").
    Column("context", Text),
    # money: the amount and ISO currency ("%" for a commission or discount rate).
    Column("amount", Float),
    Column("currency", String(8)),
    # date: the calendar date (kept whether past or future), what it is, and
    # whether it lies after the day the message was sent.
    Column("date_value", Date),
    Column("date_kind", String(16)),
    Column("is_future", Boolean),
    # procurement_signal: active_buying | contract_activity | security_review;
    # money: price | contract_value | arr | mrr | commission | discount | amount.
    Column("category", String(32)),
    Column("confidence", Float, nullable=False),
    # body | signature | header | subject
    Column("source", String(16), nullable=False),
    # rules | spacy
    Column("extractor", String(16), nullable=False, default="rules"),
    Column("extracted_at", UTCDateTime(), nullable=False),
    Index("ix_extracted_entities_message_id", "message_id"),
    Index("ix_extracted_entities_type_normalized", "entity_type", "entity_normalized"),
    Index("ix_extracted_entities_type_date", "entity_type", "date_kind", "date_value"),
    Index("ix_extracted_entities_type_category", "entity_type", "category"),
    Index("ix_extracted_entities_confidence", "confidence"),
)

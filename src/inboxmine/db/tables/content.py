"""Stage 2 (content) table: what each message says and how it is built."""

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Index, Integer, Table, Text

from inboxmine.db.tables._meta import metadata
from inboxmine.db.types import UTCDateTime

parsed_content = Table(
    "parsed_content",
    metadata,
    Column("message_id", Integer, ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True),
    # The message's own new text: no quoted reply, no signature, no footer;
    # whitespace-normalised, at most 100,000 characters.
    Column("body_clean", Text, nullable=False, default=""),
    Column("signature_block", Text),
    # Footer (unsubscribe text, postal address, copyright), kept apart.
    Column("footer_text", Text),
    Column("quoted_text", Text),
    # The hidden preview text shown by mail clients next to the subject.
    Column("preheader_text", Text),
    Column("primary_headline", Text),
    Column("cta_texts", JSON, nullable=False, default=list),
    # Offer keys (rules/offers.yaml) and {offer: quoted phrase <= 120 chars}.
    Column("offer_types", JSON, nullable=False, default=list),
    Column("offer_evidence", JSON, nullable=False, default=dict),
    # {intent: [urls]} with intents from rules/link_intents.yaml.
    Column("link_intents", JSON, nullable=False, default=dict),
    Column("link_count", Integer, nullable=False, default=0),
    Column("unique_link_domains", JSON, nullable=False, default=list),
    # [{utm_source, utm_medium, utm_campaign, utm_content, utm_term}], distinct.
    Column("utm_campaigns", JSON, nullable=False, default=list),
    Column("tracking_pixel_count", Integer, nullable=False, default=0),
    Column("image_count", Integer, nullable=False, default=0),
    # {platform: first url}.
    Column("social_links", JSON, nullable=False, default=dict),
    Column("has_personalization", Boolean, nullable=False, default=False),
    # Merge tags as written (*|FNAME|*) and filled-in names (first_name:Alex).
    Column("personalization_tokens", JSON, nullable=False, default=list),
    Column("has_physical_address", Boolean, nullable=False, default=False),
    Column("physical_address_text", Text),
    Column("template_complexity_score", Integer, nullable=False, default=0),
    # ISO 639-1 code; NULL when the text is too short to tell.
    Column("language", Text),
    # What could not be read in full (truncated HTML, too-deep nesting).
    Column("content_notes", JSON),
    Column("parsed_at", UTCDateTime(), nullable=False),
    Index("ix_parsed_content_language", "language"),
    Index("ix_parsed_content_has_personalization", "has_personalization"),
)

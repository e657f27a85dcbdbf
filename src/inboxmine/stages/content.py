"""Stage 2 - content: what each message says and how its template is built.

Reads ``messages`` (subject, HTML and text bodies, the To header for the
recipient's name) and writes one ``parsed_content`` row per message: the
message's own text split from quotes, signature and footer, links and their
intents, UTM data, CTAs, offers with evidence, personalization, postal
address, template complexity and language. The intelligence lives in
:mod:`inboxmine.content`; this file is the I/O around it.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.utils import getaddresses
from typing import Any

from sqlalchemy import Connection, func, select

from inboxmine.content.analyze import (
    ContentRules,
    MessageContent,
    analyze_content,
    load_content_rules,
)
from inboxmine.content.html import MAX_HTML_CHARS
from inboxmine.content.text import MAX_TEXT_CHARS
from inboxmine.db.tables.ingest import messages
from inboxmine.db.types import utcnow
from inboxmine.rules.loader import RulesError
from inboxmine.runner.registry import register
from inboxmine.runner.stage import Stage, StageContext
from inboxmine.runner.tracking import StageError

#: Characters of the To header read for display names.
MAX_TO_CHARS = 4_000


def _items(ctx: StageContext):
    return select(messages.c.id.label("item_id"))


def _load(conn: Connection, ids: Sequence[int], ctx: StageContext) -> list[MessageContent]:
    # Bodies are cut in the database: a 20 MB body never travels whole.
    query = select(
        messages.c.id,
        messages.c.subject,
        func.substr(messages.c.body_html, 1, MAX_HTML_CHARS + 1).label("body_html"),
        func.length(messages.c.body_html).label("html_length"),
        func.substr(messages.c.body_text, 1, MAX_TEXT_CHARS + 1).label("body_text"),
        func.length(messages.c.body_text).label("text_length"),
        messages.c.headers,
        messages.c.from_name,
        messages.c.to_addresses,
    ).where(messages.c.id.in_(ids))
    rows = {row["id"]: row for row in conn.execute(query).mappings()}
    own_name = ctx.settings.engagement.your_name
    items = []
    for item_id in ids:
        row = rows[item_id]
        items.append(
            MessageContent(
                message_id=item_id,
                subject=row["subject"],
                body_html=row["body_html"],
                body_text=row["body_text"],
                recipient_names=_recipient_names(row["headers"]) + ([own_name] if own_name else []),
                recipient_addresses=[a for a in row["to_addresses"] or [] if isinstance(a, str)][
                    :20
                ],
                sender_name=row["from_name"],
                html_length=row["html_length"],
                text_length=row["text_length"],
            )
        )
    return items


def _recipient_names(headers: Any) -> list[str]:
    """Display names in the To header ("Alex Morgan <alex@...>" -> "Alex Morgan")."""
    if not isinstance(headers, dict):
        return []
    values = headers.get("to") or []
    if isinstance(values, str):
        values = [values]
    text = ", ".join(str(v) for v in values)[:MAX_TO_CHARS]
    try:
        return [name for name, _address in getaddresses([text]) if name][:10]
    except Exception:  # a hostile header must not cost the message its content
        return []


def _prepare(ctx: StageContext) -> ContentRules:
    try:
        return load_content_rules(ctx.settings.rules_dir)
    except RulesError as exc:
        raise StageError(f"content: {exc}") from exc


def transform(item: MessageContent, rules: ContentRules) -> dict[str, list[dict[str, Any]]]:
    """One message -> its ``parsed_content`` row (pure; runs in worker processes)."""
    row = analyze_content(item, rules)
    row["message_id"] = item.message_id
    row["parsed_at"] = utcnow()
    return {"parsed_content": [row]}


STAGE = register(
    Stage(
        key="content",
        order=2,
        description=(
            "Stage 2: content - links and intents, UTM, CTAs, offers, personalization, "
            "footer/signature/quote split"
        ),
        output_tables=("parsed_content",),
        items=_items,
        load=_load,
        transform=transform,
        prepare=_prepare,
    )
)

"""The indexed text of one message (pure): what search can find a message by.

Subject, body text (an HTML-only body as its visible text, never its tags),
sender address and display name, recipients, attachment file names and the
List-Id. Bounded: a huge body is indexed up to :data:`MAX_BODY_CHARS`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

#: Most characters of a body that are indexed (PostgreSQL caps a tsvector at 1 MB).
MAX_BODY_CHARS = 100_000
#: Most characters of the other fields.
MAX_FIELD_CHARS = 4_000
#: Longest HTML handed to the HTML-to-text parser for an HTML-only body.
MAX_HTML_CHARS = 400_000

FIELDS = ("subject", "body", "sender", "recipients", "attachments", "list_id")

_SEPARATORS = re.compile(r"[\W_]+", re.UNICODE)
_LIST_ID = re.compile(r"<([^<>]{1,255})>")


@dataclass(frozen=True, slots=True)
class SearchDocument:
    """One message as the index sees it (field names are the index's columns)."""

    message_id: int
    subject: str = ""
    body: str = ""
    sender: str = ""
    recipients: str = ""
    attachments: str = ""
    list_id: str = ""

    def fields(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in FIELDS}


def _clip(text: str | None, limit: int) -> str:
    if not text:
        return ""
    return text[:limit].replace("\x00", " ")


def body_text(body_text: str | None, body_html: str | None, html_text: str | None = None) -> str:
    """The body as searchable text: the text part, else the HTML part's visible
    text (``html_text`` when the parse already made it)."""
    if body_text and body_text.strip():
        return _clip(body_text, MAX_BODY_CHARS)
    if html_text is None and body_html:
        from inboxmine.sources.bodies import html_to_text

        html_text = html_to_text(body_html[:MAX_HTML_CHARS])
    return _clip(html_text, MAX_BODY_CHARS)


def list_id_text(headers: dict | None) -> str:
    """The List-Id header: its name and its id (``news.example.com``)."""
    if not isinstance(headers, dict) or not headers:  # stored headers are hostile input too
        return ""
    values = headers.get("list-id") or []
    if isinstance(values, str):
        values = [values]
    return _clip(" ".join(str(v) for v in values), MAX_FIELD_CHARS)


def list_identifier(header: str | None) -> str | None:
    """The id between angle brackets of a List-Id header, lower case."""
    if not header:
        return None
    found = _LIST_ID.search(header)
    return (found.group(1) if found else header).strip().lower() or None


def _addresses(values: Iterable | None) -> str:
    if not values:
        return ""
    return " ".join(str(v) for v in values if v)


def build_document(
    message_id: int,
    *,
    subject: str | None = None,
    body_text_value: str | None = None,
    body_html: str | None = None,
    html_text: str | None = None,
    from_address: str | None = None,
    from_name: str | None = None,
    to_addresses: Iterable | None = None,
    cc_addresses: Iterable | None = None,
    attachment_names: Iterable[str | None] = (),
    headers: dict | None = None,
) -> SearchDocument:
    """The :class:`SearchDocument` of one message from its stored fields."""
    recipients = " ".join(p for p in (_addresses(to_addresses), _addresses(cc_addresses)) if p)
    return SearchDocument(
        message_id=message_id,
        subject=_clip(subject, MAX_FIELD_CHARS),
        body=body_text(body_text_value, body_html, html_text),
        sender=_clip(" ".join(p for p in (from_name, from_address) if p), MAX_FIELD_CHARS),
        recipients=_clip(recipients, MAX_FIELD_CHARS),
        attachments=_clip(" ".join(n for n in attachment_names if n), MAX_FIELD_CHARS),
        list_id=list_id_text(headers),
    )


def fold(text: str) -> str:
    """Lower case without diacritics: how both indexes compare words."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def lexemes(text: str) -> list[str]:
    """The words of ``text`` as the index stores them (folded, split on
    everything that is not a letter or digit, like SQLite's unicode61)."""
    return [w for w in _SEPARATORS.split(fold(text)) if w]


def lexeme_text(text: str) -> str:
    """``text`` as space-separated lexemes: what PostgreSQL's to_tsvector is given,
    so it splits words exactly as SQLite's tokenizer does (``alice@example.com``
    is three words on both, not one e-mail token)."""
    if not text:
        return ""
    if text.isascii():
        return _SEPARATORS.sub(" ", text.lower()).strip()
    return " ".join(lexemes(text))

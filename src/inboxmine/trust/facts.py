"""What one message shows, read once, bounded, for every trust rule.

:func:`message_facts` takes the message as stage 1 loads it and the
``parsed_metadata`` row stage 1 just computed for it (authentication, sender
identity, list headers), and returns plain values: the rules never look at
raw input again, and nothing here can grow with a hostile message's size.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from inboxmine.forensics.domains import address_domain, clean_address, registered_domain

#: Longest display name, subject or header value read.
MAX_FIELD = 512
#: Header values of one name read.
MAX_VALUES = 8
#: Attachments looked at.
MAX_ATTACHMENTS = 32

_TAG = re.compile(r"<(?:style|script)\b.*?</(?:style|script)\s*>|<[^>]*>", re.S)
_ENTITY = re.compile(r"&(?:nbsp|#160|#xa0);")
#: Tags that only HTML has (a text part may hold "<http://...>" or "<name@host>").
_HTML_TAG = re.compile(r"<(?:html|body|div|p|a|br|table|td|span|font|img|head|meta)[\s>/]", re.I)


@dataclass(slots=True)
class MessageFacts:
    """The evidence of one message, as trust rules read it."""

    from_address: str | None
    from_local: str
    from_name: str  # lower case
    from_domain: str | None  # registered domain of the From address
    from_host: str | None
    is_freemail: bool
    freemail: frozenset[str]
    reply_to: list[str]
    subject: str  # as written (case matters for the capitals rule)
    #: Subject and visible text, lower-cased, starting with a space.
    text: str
    #: The HTML head, lower-cased ("" for plain-text mail).
    html: str
    headers: dict[str, Any]
    labels: list[str]
    attachments: list[tuple[str, str]]  # (filename lower case, mime type)
    metadata: Mapping[str, Any]

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (lower-case), bounded, or None."""
        values = self.headers.get(name)
        if values is None:
            return None
        if isinstance(values, str):
            return values[:MAX_FIELD]
        if isinstance(values, list):
            for value in values[:MAX_VALUES]:
                if isinstance(value, str):
                    return value[:MAX_FIELD]
        return None

    def header_values(self, name: str) -> list[str]:
        values = self.headers.get(name)
        if isinstance(values, str):
            return [values[: MAX_FIELD * 8]]
        if isinstance(values, list):
            return [v[: MAX_FIELD * 8] for v in values[:MAX_VALUES] if isinstance(v, str)]
        return []

    @property
    def is_list(self) -> bool:
        """List or newsletter mail: List-Id, List-Unsubscribe or bulk Precedence."""
        return bool(self.metadata.get("is_bulk"))


def visible_text(body_text: str | None, html: str | None, limit: int) -> str:
    """The first ``limit`` characters a reader sees: the text part, else the
    HTML without its tags (tags become spaces, so words stay apart)."""
    if body_text:
        return body_text[:limit]
    if not html:
        return ""
    return _ENTITY.sub(" ", _TAG.sub(" ", html[: limit * 3]))[:limit]


def _labels(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [v[:MAX_FIELD] for v in value[:64] if isinstance(v, str)]


def _attachments(value: Any) -> list[tuple[str, str]]:
    found = []
    for entry in (value or [])[:MAX_ATTACHMENTS]:
        if isinstance(entry, Mapping):
            name, mime = entry.get("filename"), entry.get("mime_type")
        elif isinstance(entry, (list, tuple)) and len(entry) == 2:
            name, mime = entry
        else:
            continue
        found.append(((name or "")[:MAX_FIELD].strip().lower(), (mime or "")[:128].lower()))
    return found


def message_facts(
    item: Mapping[str, Any],
    metadata: Mapping[str, Any],
    text_chars: int,
    html_chars: int,
    freemail: frozenset[str] = frozenset(),
) -> MessageFacts:
    """The facts of one message (``item`` as stage 1 loads it) and its metadata row."""
    address = clean_address(item.get("from_address"))
    host = address_domain(address)
    body = item.get("body") or ""
    head = body[:html_chars]
    html = head.lower() if _HTML_TAG.search(head) else ""
    # Stage 1 loads the text part beside HTML only; without HTML, body is the text.
    body_text = item.get("body_text") or (None if html else body)
    subject = (item.get("subject") or "")[:MAX_FIELD]
    text = visible_text(body_text, html, text_chars).lower()
    reply_to = []
    for part in (item.get("reply_to") or "")[: MAX_FIELD * 2].split(","):
        cleaned = clean_address(part)
        if cleaned:
            reply_to.append(cleaned)
    return MessageFacts(
        from_address=address,
        from_local=address.rsplit("@", 1)[0] if address else "",
        from_name=" ".join((item.get("from_name") or "")[:MAX_FIELD].lower().split()),
        from_domain=registered_domain(host),
        from_host=host,
        is_freemail=bool(metadata.get("is_freemail")),
        freemail=freemail,
        reply_to=reply_to[:4],
        subject=subject,
        text=" " + subject.lower() + " \n " + text,
        html=html,
        # (a plain dict test: ``isinstance(x, Mapping)`` costs an ABC check per call)
        headers=item.get("headers") if isinstance(item.get("headers"), dict) else {},
        labels=_labels(item.get("labels")),
        attachments=_attachments(item.get("attachments")),
        metadata=metadata,
    )

"""The one shape every mail source delivers, whatever it reads."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import yaml


@dataclass(slots=True)
class RawMessage:
    """One message as a source delivered it, before any parsing.

    ``read_error`` is set (and ``raw`` empty) when the source could not even
    read the item (permission denied, not a file): it is still accounted for.
    """

    raw: bytes
    source_kind: str  # mbox | maildir | eml | imap | gmail
    source_ref: str  # the path, or account/folder
    position: str | None = None  # byte offset, file name, UID ...
    labels: list[str] | None = None
    gmail_thread_id: str | None = None
    folder: str | None = None
    read_error: str | None = None
    #: Read state the source itself knows (IMAP \\Seen, a Maildir S flag); None: unknown.
    is_read: bool | None = None
    #: Bytes of the source consumed so far (for progress bars), when known.
    progress: int | None = field(default=None, repr=False)

    @property
    def item_id(self) -> str:
        """How the item is named in the run's error list."""
        return f"{self.source_ref}#{self.position}" if self.position else self.source_ref


@lru_cache(maxsize=1)
def _sent_folder_names() -> frozenset[str]:
    text = resources.files("inboxmine.sources").joinpath("sent_folders.yaml").read_text("utf-8")
    return frozenset(name.strip().lower() for name in yaml.safe_load(text)["sent_folder_names"])


def is_sent_folder(name: str | None) -> bool:
    """True when a folder or label name is a "Sent" folder in some client/language.

    Each component of the path is compared whole (``.Sent``, ``INBOX.Sent Items``,
    ``[Gmail]/Sent Mail``, ``Archive/Gesendet``, ``.Sent.2020``), so ``Sent-Stuff``
    or ``Consent`` are not sent folders.
    """
    if not name:
        return False
    names = _sent_folder_names()
    return any(part.strip().lower() in names for part in re.split(r"[./\\]", name))


def is_sent_by_labels(labels: list[str] | None) -> bool:
    """Gmail's own "Sent" label (or a Sent folder name) marks a message as sent."""
    return any(is_sent_folder(label) for label in labels or ())


def gmail_hex_id(value) -> str | None:
    """A Gmail message or thread id in the API's hex form.

    Takeout's X-GM-THRID / X-GM-MSGID headers and IMAP's X-GM-* items give
    the same ids in decimal; the API gives hex. One form lets a Takeout
    import and a live sync share threads.
    """
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    text = str(value).strip()
    if text.isdigit():
        return format(int(text), "x")
    if text and len(text) <= 32 and all(c in "0123456789abcdefABCDEF" for c in text):
        return text.lower()
    return None

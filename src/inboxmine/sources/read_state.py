"""Whether the user has read a message, from what its source says.

Every source says it differently: IMAP has the ``\\Seen`` flag, Gmail the
absence of its ``UNREAD`` label, Google Takeout the ``Unread``/``Opened``
labels in ``X-Gmail-Labels``, a Maildir file name its ``S`` flag (``:2,S``),
and mbox files written by mutt, Thunderbird or pine a ``Status``/``X-Status``
header whose ``R`` means read. ``None`` means the source does not say: it
is never guessed as read or unread.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

#: Gmail API system label of an unread message.
GMAIL_UNREAD = "UNREAD"


def imap_seen(flags: Iterable[bytes | str] | None) -> bool | None:
    """``True`` when the IMAP FLAGS hold ``\\Seen``; None when no FLAGS came back."""
    if flags is None:
        return None
    names = {f.decode("ascii", "replace") if isinstance(f, bytes) else str(f) for f in flags}
    return "\\seen" in {n.lower() for n in names}


def maildir_seen(file_name: str) -> bool | None:
    """The ``S`` (seen) flag of a Maildir file name (``cur/1234.host:2,RS``).

    A file still in ``new/`` has not been seen by any mail client: unread.
    A name in ``cur/`` without the ``:2,`` info part says nothing.
    """
    parts = file_name.replace("\\", "/").rsplit("/", 2)
    base = parts[-1]
    if len(parts) > 1 and parts[-2] == "new":
        return False
    for separator in (":2,", "!2,", ";2,"):  # ":" is not allowed on some file systems
        if separator in base:
            return "S" in base.rsplit(separator, 1)[1]
    return None


def label_read_state(labels: Iterable[str] | None, source_kind: str) -> bool | None:
    """Gmail's labels: ``UNREAD`` (API), ``Unread``/``Opened`` (Takeout)."""
    if labels is None:
        return None
    names = {str(label) for label in labels}
    if source_kind == "gmail":
        return GMAIL_UNREAD not in names
    lowered = {n.lower() for n in names}
    if "unread" in lowered:
        return False
    if "opened" in lowered:
        return True
    return None


def status_read_state(headers: Mapping[str, list[str]] | None) -> bool | None:
    """``Status: RO`` / ``X-Status: R``: an ``R`` means read; a Status without it, unread."""
    if not headers:
        return None
    values = [str(v) for v in headers.get("status") or ()]
    values += [str(v) for v in headers.get("x-status") or ()]
    if not values:
        return None
    if any("R" in v.upper() for v in values):
        return True
    # Only Status speaks for unread: X-Status alone carries other flags (A, F, D).
    return False if headers.get("status") else None


def read_state(
    source_kind: str,
    *,
    given: bool | None = None,
    labels: Iterable[str] | None = None,
    headers: Mapping[str, list[str]] | None = None,
) -> bool | None:
    """The read state of one message: what the source said, else its labels,
    else its Status headers, else ``None`` (unknown)."""
    if given is not None:
        return given
    found = label_read_state(labels, source_kind)
    if found is not None:
        return found
    return status_read_state(headers)

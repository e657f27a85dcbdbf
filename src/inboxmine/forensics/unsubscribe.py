"""List headers: List-Unsubscribe (RFC 2369), one-click (RFC 8058), List-Id, Feedback-ID."""

from __future__ import annotations

import re
from dataclasses import dataclass

from inboxmine.forensics.domains import clean_address, clean_host

MAX_VALUE = 4_096

_BRACKETED = re.compile(r"<([^<>]{1,2048})>")
_URL_HOST = re.compile(r"^https?://(?:[^/@?#\s]{0,256}@)?([^/:?#\s]{1,253})", re.I)
_ONE_CLICK = re.compile(r"list-unsubscribe\s*=\s*one-click", re.I)


@dataclass(slots=True)
class Unsubscribe:
    url: str | None = None
    email: str | None = None
    one_click: bool = False
    hosts: tuple[str, ...] = ()  # hosts of the URL and of the mailto address


def url_host(url: str) -> str | None:
    """The host of an http(s) URL, lower-case; None if it is not one."""
    match = _URL_HOST.match(url.strip())
    return clean_host(match.group(1)) if match else None


def read_unsubscribe(value: str | None, post_value: str | None) -> Unsubscribe:
    """Read List-Unsubscribe (and List-Unsubscribe-Post for one-click)."""
    result = Unsubscribe()
    if not value:
        return result
    hosts: list[str] = []
    entries = _BRACKETED.findall(value[:MAX_VALUE]) or value[:MAX_VALUE].split(",")
    for entry in entries[:8]:
        entry = entry.strip()
        lowered = entry.lower()
        if lowered.startswith(("http://", "https://")):
            host = url_host(entry)
            if host:
                hosts.append(host)
                if result.url is None:
                    result.url = entry[:2048]
        elif lowered.startswith("mailto:"):
            address = clean_address(entry[7:].split("?", 1)[0])
            if address:
                hosts.append(address.rsplit("@", 1)[1])
                if result.email is None:
                    result.email = address
    # RFC 8058: one-click needs the POST header *and* an https URL to post to.
    result.one_click = bool(
        post_value
        and _ONE_CLICK.search(post_value[:256])
        and result.url
        and result.url.lower().startswith("https://")
    )
    result.hosts = tuple(dict.fromkeys(h for h in hosts if h))
    return result


def list_id_host(value: str | None) -> str | None:
    """The identifier of List-Id (``Name <list.example.com>`` -> ``list.example.com``)."""
    if not value:
        return None
    value = value[:1024]
    match = _BRACKETED.search(value)
    text = match.group(1) if match else (value.split()[-1] if value.split() else "")
    return clean_host(text)


_LEGACY_LIST = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def legacy_list_id(
    mailing_list: str | None, x_mailing_list: str | None, been_there: str | None
) -> str | None:
    """The list of mail from list software older than List-Id (RFC 2919):
    ezmlm and Yahoo Groups' ``Mailing-List: list x@host; contact ...``,
    SmartList's ``X-Mailing-List``, Mailman's ``X-BeenThere``: the list's
    posting address, lower-cased."""
    for value in (mailing_list, x_mailing_list, been_there):
        match = _LEGACY_LIST.search((value or "")[:512])
        if match:
            return match.group(0).lower()
    return None


def feedback_sender_id(value: str | None) -> str | None:
    """The last field of a Feedback-ID (``a:b:c:SenderId``): names the sending platform."""
    if not value or ":" not in value:
        return None
    token = value[:512].rsplit(":", 1)[1].strip().lower()
    return token[:64] or None

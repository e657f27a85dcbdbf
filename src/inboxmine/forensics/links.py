"""Hosts of the links and images in a body, found cheaply.

Stage 1 only needs *which hosts* a body points at (click-tracking and
open-pixel hosts identify an ESP); the content stage does the full HTML
parse. One bounded regex over a capped slice of the body is enough.
"""

from __future__ import annotations

import re

from inboxmine.forensics.domains import clean_host

#: Characters of a body scanned: the head (where most links are) and the tail
#: (where open pixels and footers are).
HEAD_CHARS = 262_144
TAIL_CHARS = 32_768
#: Distinct hosts kept per message.
MAX_HOSTS = 200

_URL_HOST = re.compile(r"https?://(?:[\w.%+-]{1,64}@)?([A-Za-z0-9][A-Za-z0-9.-]{0,252})", re.I)


def body_link_hosts(body: str | None) -> list[str]:
    """Distinct lower-case hosts of the http(s) URLs in ``body`` (HTML or text), in order."""
    if not body:
        return []
    if len(body) > HEAD_CHARS + TAIL_CHARS:
        parts = (body[:HEAD_CHARS], body[-TAIL_CHARS:])
    else:
        parts = (body,)
    found: dict[str, None] = {}
    for part in parts:
        for match in _URL_HOST.finditer(part):
            host = match.group(1).lower()
            if host not in found:
                host = clean_host(host)
                if host and "." in host:
                    found[host] = None
                    if len(found) >= MAX_HOSTS:
                        return list(found)
    return list(found)

"""The Received chain: which servers carried a message, and where it entered.

Each server prepends a ``Received`` header, so the first one is the newest
hop. The *first external hop* is the newest hop whose "from" side is a public
IP address: the server that handed the message to the recipient's
infrastructure, i.e. the sender's outbound mail server. Hosts at and below
it are the sender's side (what ESP fingerprints may look at); hosts above it
belong to the recipient.

Parsing is tolerant and linear: each value is cut to a fixed size and read
with anchored, bounded patterns.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import parsedate_to_datetime

from inboxmine.forensics.domains import clean_host

#: Longest Received value read (real ones are < 1 KB).
MAX_VALUE = 2_048
#: Hops read per message (mail loops and spam can stack hundreds).
MAX_HOPS = 40

_FROM = re.compile(r"^\s*from\s+([^\s;()\[\]]{1,255})", re.I)
_BY = re.compile(r"(?:^|[\s)])by\s+([^\s;()\[\]]{1,255})", re.I)
_WITH = re.compile(r"(?:^|[\s)])with\s+([A-Za-z0-9_/.-]{1,40})", re.I)
_PAREN = re.compile(r"\(([^()]{0,600})\)")
_BRACKET_IP = re.compile(r"\[(?:ipv6:)?([0-9a-f:.]{2,45})(?:%[0-9a-z]{1,16})?\]", re.I)
_BARE_IP4 = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d.])")
_HOSTNAME = re.compile(r"[a-z0-9_-]{1,63}(?:\.[a-z0-9_-]{1,63}){1,10}\.?", re.I)


@dataclass(slots=True)
class Hop:
    """One Received header, read."""

    from_host: str | None = None  # the name the client gave (HELO/EHLO)
    from_rdns: str | None = None  # the name the server looked up for the client's IP
    from_ip: str | None = None
    by_host: str | None = None
    protocol: str | None = None  # with ESMTP / ESMTPS / SMTP / HTTP / mapi
    received_at: str | None = None  # ISO 8601, UTC

    def as_dict(self) -> dict[str, str | None]:
        return {
            "from_host": self.from_host,
            "from_rdns": self.from_rdns,
            "from_ip": self.from_ip,
            "by_host": self.by_host,
            "protocol": self.protocol,
            "received_at": self.received_at,
        }

    @property
    def sender_name(self) -> str | None:
        """The client's name, verified reverse DNS first."""
        return self.from_rdns or self.from_host


def _ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def is_public_ip(ip: str | None) -> bool:
    """True for an address on the public internet (not private, loopback, link-local...)."""
    if not ip:
        return False
    try:
        return ipaddress.ip_address(ip).is_global
    except ValueError:
        return False


def parse_received(value: str) -> Hop:
    """Read one Received header value; fields it lacks stay None. Never raises."""
    value = value[:MAX_VALUE]
    hop = Hop()
    head, sep, date_text = value.rpartition(";")
    if not sep:
        head, date_text = value, ""
    by_match = _BY.search(head)
    from_part = head[: by_match.start()] if by_match else head
    if by_match:
        hop.by_host = clean_host(by_match.group(1)) or _ip(by_match.group(1))
    from_match = _FROM.match(from_part)
    if from_match:
        hop.from_host = clean_host(from_match.group(1)) or None
        bracket = _BRACKET_IP.search(from_part)
        hop.from_ip = _ip(bracket.group(1)) if bracket else None
        for comment in _PAREN.findall(from_part)[:4]:
            words = comment.replace("[", " [").split()
            name = words[0] if words else ""
            if (
                not hop.from_rdns
                and name.lower() not in ("helo", "ehlo")
                and _HOSTNAME.fullmatch(name)
                and not _BARE_IP4.fullmatch(name)
            ):
                hop.from_rdns = clean_host(name)
            if not hop.from_ip:
                # Exchange writes the client address bare: "from X (10.1.2.3)"
                # or "(2603:10b6:806:441::34)".
                bare = _BARE_IP4.search(comment)
                hop.from_ip = _ip(bare.group(1)) if bare else _ip(name)
        if hop.from_host and _ip(hop.from_host):
            hop.from_ip = hop.from_ip or _ip(hop.from_host)
    # "with" inside the client's comment is TLS talk ("using TLSv1.3 with cipher").
    protocol = _WITH.search(head, by_match.end() if by_match else len(from_part))
    hop.protocol = protocol.group(1)[:40] if protocol else None
    date_text = date_text.strip()[:128]
    if date_text:
        try:
            moment = parsedate_to_datetime(date_text)
            if moment.tzinfo is not None:
                hop.received_at = moment.astimezone(UTC).isoformat()
        except (TypeError, ValueError, IndexError, OverflowError):
            pass
    return hop


@dataclass(slots=True)
class ReceivedChain:
    """The hops of one message, newest first, and where it entered."""

    hops: list[Hop] = field(default_factory=list)
    external_index: int | None = None  # index in ``hops`` of the first external hop

    @property
    def sending_ip(self) -> str | None:
        if self.external_index is None:
            return None
        return self.hops[self.external_index].from_ip

    @property
    def sending_host(self) -> str | None:
        if self.external_index is None:
            return None
        return self.hops[self.external_index].sender_name

    def sender_side_hosts(self) -> list[str]:
        """Hosts on the sender's side: the external hop's client and every older hop."""
        if self.external_index is None:
            # No public hop: only the clients' names, never a receiving server's.
            older = self.hops
            names = [h.sender_name for h in older]
        else:
            entry = self.hops[self.external_index]
            names = [entry.from_rdns, entry.from_host]
            for hop in self.hops[self.external_index + 1 :]:
                names += [hop.from_rdns, hop.from_host, hop.by_host]
        seen: list[str] = []
        for name in names:
            if name and "." in name and name not in seen:
                seen.append(name)
        return seen


def read_received(values: list[str], client_ip: str | None = None) -> ReceivedChain:
    """The Received chain from the header values, in header order (newest first).

    ``client_ip`` is the address the receiving server checked SPF for (from
    Received-SPF or Authentication-Results): when a hop came from it, that hop
    is the entry point, whatever relays (forwarding, gateways) came after.
    """
    chain = ReceivedChain(hops=[parse_received(v) for v in values[:MAX_HOPS]])
    client_ip = _ip(client_ip) if client_ip else None
    if client_ip:
        for index, hop in enumerate(chain.hops):
            if hop.from_ip == client_ip:
                chain.external_index = index
                return chain
    for index, hop in enumerate(chain.hops):
        if is_public_ip(hop.from_ip):
            chain.external_index = index
            break
    else:
        # Nothing public (a test relay, an internal network): the oldest hop
        # that names a client address is the best guess at the sender.
        for index in range(len(chain.hops) - 1, -1, -1):
            ip = chain.hops[index].from_ip
            if ip and not ipaddress.ip_address(ip).is_loopback:
                chain.external_index = index
                break
    return chain

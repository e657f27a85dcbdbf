"""Domains and sender identity.

The sender identity is the unit every later stage groups by: a company is its
registered domain (``news.mail.x.co.uk`` -> ``x.co.uk``), while a free-mail
sender (gmail.com, outlook.com, ...) is the full address, so that different
people are never merged into one "company".  A publication on a newsletter
platform that names it in the From address (``growthnotes@substack.com``) is
the full address too, so that two newsletters are never one "substack.com".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import tldextract

#: Longest host name worth looking at (RFC 1035 allows 253).
MAX_HOST = 253
#: Longest address kept as an identity (RFC 5321 path limit).
MAX_ADDRESS = 320

_HOST_OK = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*")


@lru_cache(maxsize=1)
def _extractor() -> tldextract.TLDExtract:
    # The suffix list bundled with tldextract; never fetched from the network.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def clean_host(host: str | None) -> str | None:
    """A host name lower-cased and stripped of brackets, dots and a port, or None;
    an internationalised name in its ASCII (punycode) form.

    Returns None for anything that is not a plausible host name (spaces,
    empty labels, over-long), so callers never match on garbage.
    """
    if not host:
        return None
    host = host.strip().strip("<>[]()\"'").rstrip(".").lower()
    if ":" in host and host.count(":") == 1:  # host:port, not an IPv6 literal
        host = host.split(":", 1)[0]
    if host and not host.isascii() and len(host) <= MAX_HOST:
        host = _ascii_host(host)
    if not host or len(host) > MAX_HOST or not _HOST_OK.fullmatch(host):
        return None
    return host


def _ascii_host(host: str) -> str | None:
    """An internationalised host in the ASCII form DNS uses (``раypal.com`` with
    a Cyrillic ``р`` -> ``xn--aypal-uye.com``), or None when it cannot be one.

    Lookalike domains are what phishing sends from: as punycode they stay a
    sender of their own, apart from the brand they imitate.
    """
    try:
        return host.encode("idna").decode("ascii").lower()
    except (UnicodeError, ValueError):
        return None


@lru_cache(maxsize=65_536)
def registered_domain(host: str | None) -> str | None:
    """The registered domain of ``host`` (``mail.x.co.uk`` -> ``x.co.uk``).

    Hosts without a public suffix (``localhost``, an IP address, an internal
    name) are returned as they are, lower-cased; None for non-hosts.
    """
    host = clean_host(host)
    if host is None:
        return None
    return _extractor()(host).top_domain_under_public_suffix or host


def host_suffixes(host: str) -> list[str]:
    """``a.b.c.com`` -> ``["a.b.c.com", "b.c.com", "c.com", "com"]`` (for dict lookups)."""
    parts = host.split(".")
    return [".".join(parts[i:]) for i in range(len(parts))]


def in_domain(host: str | None, domain: str | None) -> bool:
    """True when ``host`` is ``domain`` or one of its subdomains."""
    if not host or not domain:
        return False
    return host == domain or host.endswith("." + domain)


def address_domain(address: str | None) -> str | None:
    """The host part of an e-mail address (``Ann <a@Mail.X.com>`` -> ``mail.x.com``)."""
    if not address or "@" not in address:
        return None
    host = address[: MAX_ADDRESS + 2].rsplit("@", 1)[1]
    return clean_host(host.split(">", 1)[0])


def clean_address(address: str | None) -> str | None:
    """An address lower-cased, without name or angle brackets; None if it has no ``@``."""
    if not address:
        return None
    address = address[:1024]
    if "<" in address:  # "Name <a@b.com>": the part in angle brackets
        address = address.rsplit("<", 1)[1].split(">", 1)[0]
    address = address.strip()[: MAX_ADDRESS + 2].strip("<>").strip().lower()
    if "@" not in address or any(ch.isspace() for ch in address):
        return None
    return address[:MAX_ADDRESS]


def tenant_host(host: str | None, platforms: frozenset[str]) -> str | None:
    """``acme.zendesk.com`` when ``host`` is a customer subdomain of a listed platform.

    ``mail.acme.zendesk.com`` gives ``acme.zendesk.com`` too; the platform's own
    domain (``zendesk.com``) gives None.
    """
    domain = registered_domain(host)
    if not host or domain not in platforms or host == domain:
        return None
    return host[: -len(domain) - 1].rsplit(".", 1)[-1] + "." + domain


@dataclass(frozen=True, slots=True)
class SenderIdentity:
    """Who a message is from, as later stages group it."""

    sender_domain: str | None  # the identity: registered domain, or the address for free-mail
    from_domain: str | None  # registered domain of the From address
    sender_subdomain: str | None  # the From host when it differs from from_domain
    is_freemail: bool
    # A newsletter on a shared platform address: the address is the identity,
    # as for free-mail, but it is a publication, not a person.
    is_publication: bool = False


def sender_identity(
    address: str | None,
    freemail_domains: frozenset[str],
    publication_platforms: frozenset[str] = frozenset(),
) -> SenderIdentity:
    """The identity of the sender at ``address``.

    ``publication_platforms`` lists the hosts (or parent domains) of newsletter
    platforms whose From address names the publication: there, as for free-mail,
    the full address is the identity, with ``is_publication`` set.

    >>> sender_identity("news@mail.shop.co.uk", frozenset()).sender_domain
    'shop.co.uk'
    >>> sender_identity("Ann@GMail.com", frozenset({"gmail.com"})).sender_domain
    'ann@gmail.com'
    >>> notes = sender_identity("Notes@Substack.com", frozenset(), frozenset({"substack.com"}))
    >>> notes.sender_domain, notes.from_domain, notes.is_publication
    ('notes@substack.com', 'substack.com', True)
    """
    address = clean_address(address)
    host = address_domain(address)
    if host is None:
        return SenderIdentity(None, None, None, False)
    domain = registered_domain(host)
    subdomain = host if host != domain else None
    if domain in freemail_domains or host in freemail_domains:
        return SenderIdentity(address, domain, subdomain, True)
    if publication_platforms and any(
        suffix in publication_platforms for suffix in host_suffixes(host)
    ):
        return SenderIdentity(address, domain, subdomain, False, True)
    return SenderIdentity(domain, domain, subdomain, False)


@dataclass(frozen=True)
class IdentityRules:
    """The domain lists that decide a sender's identity (rules/freemail.yaml)."""

    freemail: frozenset[str] = frozenset()
    publications: frozenset[str] = frozenset()


def identity_rules(rules_dir=None) -> IdentityRules:
    """The free-mail and publication-platform lists, with the user's additions."""
    from inboxmine.rules.loader import load_rules

    rules = load_rules("freemail.yaml", rules_dir)

    def listed(key: str) -> frozenset[str]:
        return frozenset(str(v).strip().lower() for v in rules[key] if str(v).strip())

    return IdentityRules(listed("domains"), listed("publication_platforms"))


def sender_key(entry: str, rules: IdentityRules) -> str | None:
    """The sender identity a person means when they type ``entry``.

    ``mail.acme.io`` and ``bob@acme.io`` mean ``acme.io``; a free-mail or
    publication address stays the address; None when it is neither a domain
    nor an address. Used wherever people name senders (imports, exclusions).
    """
    entry = entry.strip().lower()
    if "@" in entry:
        return sender_identity(entry, rules.freemail, rules.publications).sender_domain
    domain = registered_domain(entry.strip("."))
    return domain if domain and "." in domain else None

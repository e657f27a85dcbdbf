"""Deceptive links: text that shows one address and goes to another, bare IPs,
punycode hosts and URL shorteners.

Read from the head of the HTML (``scan.html_chars``) or the plain text, with
bounded patterns. Click tracking is not deception: a link whose target is a
known ESP tracking host (``esp.yaml``), the sender's own domain, or another
domain of the same brand is left alone.
"""

from __future__ import annotations

import re

from inboxmine.forensics.domains import _extractor, host_suffixes, registered_domain
from inboxmine.trust.facts import MessageFacts
from inboxmine.trust.rules import TrustRules
from inboxmine.trust.signal import Signal, fire

_ANCHOR = re.compile(
    r"<a\s[^>]{0,1000}?href\s*=\s*[\"']?\s*([^\"'\s>]{1,1000})[^>]{0,1000}>(.{0,400}?)</a", re.S
)
_URL_HOST = re.compile(r"https?://(?:[\w.%+-]{1,64}@)?(\[[0-9a-f:.]{2,45}\]|[a-z0-9.-]{1,253})")
_TAG = re.compile(r"<[^>]*>")
_SHOWN_HOST = re.compile(
    r"^\s*(?:https?://)?((?:[a-z0-9-]{1,63}\.){1,8}[a-z]{2,24})(?:[/:?#]\S*)?\s*$"
)
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")


def _is_ip(host: str) -> bool:
    return host.startswith("[") or bool(_IPV4.fullmatch(host))


def _shown_domain(text: str) -> str | None:
    """The domain a link's text shows ("www.paypal.com/login"), or None when
    the text is words ("Click here"), not an address."""
    text = _TAG.sub("", text).replace("&nbsp;", " ")
    match = _SHOWN_HOST.match(text)
    if not match:
        return None
    host = match.group(1)
    parts = _extractor()(host)
    return parts.top_domain_under_public_suffix if parts.suffix and parts.domain else None


def _tracking(host: str, rules: TrustRules) -> bool:
    return any(suffix in rules.tracking_hosts for suffix in host_suffixes(host))


def _deceptive(shown: str, host: str, facts: MessageFacts, rules: TrustRules) -> bool:
    target = registered_domain(host)
    if not target or target == shown or _tracking(host, rules):
        return False
    if target == facts.from_domain:  # the sender's own redirector
        return False
    brand = rules.brand_by_domain.get(shown)
    return not (brand and rules.brand_by_domain.get(target) == brand)


def link_signals(facts: MessageFacts, rules: TrustRules) -> list[Signal]:
    """One signal per kind of deceptive link, with the first example as evidence."""
    found: dict[str, Signal] = {}
    html = facts.html
    if html and "<a" in html:
        for index, match in enumerate(_ANCHOR.finditer(html)):
            if index >= rules.max_links or "link_text_mismatch" in found:
                break
            href, text = match.group(1), match.group(2)
            host_match = _URL_HOST.match(href)
            if not host_match or "." not in text:
                continue
            shown = _shown_domain(text)
            host = host_match.group(1).strip(".")
            if shown and _deceptive(shown, host, facts, rules):
                if shown in rules.brand_by_domain or any(
                    suffix in rules.brand_by_domain for suffix in host_suffixes(shown)
                ):
                    name = "brand_link_mismatch"
                else:
                    name = "list_link_mismatch" if facts.is_list else "link_text_mismatch"
                found["link_text_mismatch"] = fire(rules, name, f"shows {shown}, goes to {host}")
    source = html or facts.text
    for index, match in enumerate(_URL_HOST.finditer(source)):
        if index >= rules.max_links * 2:
            break
        host = match.group(1).strip(".")
        if _is_ip(host):
            found.setdefault("raw_ip_link", fire(rules, "raw_ip_link", match.group()))
        elif "xn--" in host:
            found.setdefault("punycode_link", fire(rules, "punycode_link", host))
        elif host in rules.shorteners or host.removeprefix("www.") in rules.shorteners:
            found.setdefault("url_shortener", fire(rules, "url_shortener", match.group()))
    return list(found.values())

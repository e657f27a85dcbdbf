"""Links: what each link is for (intents), UTM data, social profiles, pixels.

The rules come from ``rules/link_intents.yaml`` and are compiled once
(:meth:`LinkRules.from_rules`) into one combined pattern per kind, so each
link costs one search of its URL and one of its anchor text, whatever the
number of intents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from inboxmine.content.html import Image, Link
from inboxmine.content.patterns import compile_groups, compile_words
from inboxmine.content.text import one_line

_TEXT_URL = re.compile(r"https?://[^\s<>\"'()\[\]{}|\\^`]{1,2000}", re.IGNORECASE)
_TRAILING = ".,;:!?*_~'\""
MAX_QUERY_CHARS = 4_000


@dataclass(frozen=True)
class LinkRules:
    """Compiled link rules (picklable)."""

    url_intents: re.Pattern
    text_intents: re.Pattern
    intent_names: dict[str, str]
    social_hosts: re.Pattern
    social_texts: re.Pattern
    social_names: dict[str, str]
    pixel_urls: re.Pattern | None
    max_pixel_size: int
    utm_keys: tuple[str, ...]

    @classmethod
    def from_rules(cls, data: dict, source: str = "link_intents.yaml") -> LinkRules:
        """Compile the ``link_intents.yaml`` data; errors name the rule and the fix."""
        intents = data["intents"]
        # An intent or platform added by the user may leave out a list.
        url_intents, names = compile_groups(
            {k: v.get("url") or [] for k, v in intents.items()}, source, "intents.*.url"
        )
        text_intents, _ = compile_groups(
            {k: v.get("text") or [] for k, v in intents.items()}, source, "intents.*.text"
        )
        social = data["social"]
        social_hosts, social_names = compile_groups(
            {k: v["hosts"] for k, v in social.items()}, source, "social.*.hosts"
        )
        social_texts, _ = compile_groups(
            {k: v.get("text") or [] for k, v in social.items()},
            source,
            "social.*.text",
            whole=True,
        )
        pixels = data["tracking_pixels"]
        return cls(
            url_intents=url_intents,
            text_intents=text_intents,
            intent_names=names,
            social_hosts=social_hosts,
            social_texts=social_texts,
            social_names=social_names,
            pixel_urls=compile_words(pixels["url"], source, "tracking_pixels.url"),
            max_pixel_size=int(pixels["max_pixel_size"]),
            utm_keys=tuple(data["utm_keys"]),
        )


@dataclass(slots=True)
class LinkFacts:
    """What the links and images of a message say (columns of parsed_content)."""

    link_count: int = 0
    unique_link_domains: list[str] = field(default_factory=list)
    link_intents: dict[str, list[str]] = field(default_factory=dict)
    utm_campaigns: list[dict[str, str]] = field(default_factory=list)
    social_links: dict[str, str] = field(default_factory=dict)
    tracking_pixel_count: int = 0
    image_count: int = 0


def links_in_text(text: str, limit: int = 500) -> list[Link]:
    """The distinct http(s) URLs written in plain text, as links without anchor text."""
    seen: dict[str, Link] = {}
    for match in _TEXT_URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        if url not in seen:
            seen[url] = Link(url=url)
            if len(seen) >= limit:
                break
    return list(seen.values())


def _matches(pattern: re.Pattern, names: dict[str, str], text: str) -> set[str]:
    return {names[m.lastgroup] for m in pattern.finditer(text) if m.lastgroup}


def _intent_target(parts) -> str:
    """Host and path, lower case, "_" read as "-", for word-boundary matching."""
    return f"{parts.hostname or ''}{parts.path[:1000]}".lower().replace("_", "-")


def analyze_links(links: list[Link], images: list[Image], rules: LinkRules) -> LinkFacts:
    """Link count, domains, intents, UTM data, social links and pixels of a message."""
    facts = LinkFacts(image_count=len(images))
    domains: set[str] = set()
    intents: dict[str, list[str]] = {}
    utms: list[dict[str, str]] = []
    for link in links:
        try:
            parts = urlsplit(link.url)
            host = (parts.hostname or "").lower()
        except ValueError:
            continue  # malformed URL (bad IPv6 literal, bad port): not a link
        if parts.scheme.lower() not in ("http", "https") or not host:
            continue
        facts.link_count += 1
        domains.add(host)
        found = _matches(rules.url_intents, rules.intent_names, _intent_target(parts))
        for text in link.texts:
            found |= _matches(rules.text_intents, rules.intent_names, text)
        for intent in sorted(found):
            urls = intents.setdefault(intent, [])
            if len(urls) < 20:
                urls.append(link.url)
        utm = _utm(parts.query, rules.utm_keys)
        if utm and utm not in utms and len(utms) < 50:
            utms.append(utm)
        platforms = _matches(rules.social_hosts, rules.social_names, host)
        for text in link.texts:
            platforms |= _matches(rules.social_texts, rules.social_names, text)
        for platform in sorted(platforms):
            facts.social_links.setdefault(platform, link.url)
    facts.unique_link_domains = sorted(domains)
    facts.link_intents = intents
    facts.utm_campaigns = utms
    facts.tracking_pixel_count = sum(1 for image in images if is_tracking_pixel(image, rules))
    return facts


def _utm(query: str, keys: tuple[str, ...]) -> dict[str, str]:
    if "utm_" not in query:
        return {}
    values = {}
    for key, value in parse_qsl(query[:MAX_QUERY_CHARS], keep_blank_values=False):
        key = key.lower()
        if key in keys and key not in values:
            values[key] = one_line(value, 200)
    return {key: values[key] for key in keys if key in values}


def is_tracking_pixel(image: Image, rules: LinkRules) -> bool:
    """True when an image is an open-tracking pixel.

    By its declared size (every declared dimension at most
    ``max_pixel_size``), by CSS that hides it, or by a known tracker URL
    when it is not declared larger.
    """
    sizes = [s for s in (image.width, image.height) if s is not None]
    tiny = bool(sizes) and all(s <= rules.max_pixel_size for s in sizes)
    if tiny:
        return True
    style = image.style.lower()
    if "display:none" in style.replace(" ", "") or "visibility:hidden" in style.replace(" ", ""):
        return True
    if rules.pixel_urls is None or not image.src:
        return False
    declared_large = any(s > rules.max_pixel_size for s in sizes)
    return not declared_large and bool(rules.pixel_urls.search(image.src[:2048].lower()))

"""Models of the stage-2 files: structure.yaml, link_intents.yaml, offers.yaml."""

from __future__ import annotations

from inboxmine.rules.models.base import Section, WordFamilies, Words


class Quote(Section):
    html_selectors: Words
    html_cut_after: Words
    header_lines: Words
    header_block_start: str
    header_block_next: str
    prefix: str


class Signature(Section):
    delimiters: Words
    sign_offs: Words
    max_lines_after_sign_off: int
    max_chars_after_sign_off: int


class Footer(Section):
    markers: Words
    extend_up: Words
    max_lines: int


class Hidden(Section):
    styles: Words


class Personalization(Section):
    #: ESP name -> merge-tag pattern (open: add your ESP's tags).
    merge_tags: dict[str, str]
    greeting: str
    generic_names: Words


class AddressFormat(Section):
    postal: str
    street: str


class Address(Section):
    #: Country or region -> its postcode and street patterns (open).
    formats: dict[str, AddressFormat]
    max_lines_before: int


class StructureFile(Section):
    """rules/structure.yaml."""

    quote: Quote
    signature: Signature
    footer: Footer
    hidden: Hidden
    personalization: Personalization
    address: Address


class LinkIntent(Section):
    """One intent; a new intent may give only one of its lists."""

    url: Words = []
    text: Words = []


class SocialPlatform(Section):
    hosts: Words
    text: Words = []


class TrackingPixels(Section):
    max_pixel_size: int
    url: Words


class LinkIntentsFile(Section):
    """rules/link_intents.yaml."""

    #: Intent -> URL and anchor-text patterns (open: add an intent).
    intents: dict[str, LinkIntent]
    #: Platform -> host and text patterns (open).
    social: dict[str, SocialPlatform]
    tracking_pixels: TrackingPixels
    utm_keys: Words


class OffersFile(Section):
    """rules/offers.yaml: offer -> patterns, and phrases that cancel a hit (both open)."""

    exclude: WordFamilies
    offers: WordFamilies

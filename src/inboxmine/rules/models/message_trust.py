"""Model of rules/trust.yaml: stage 1's per-message trust signals, weights and thresholds."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from inboxmine.rules.models.base import Number, Section, Words

#: What a signal says about a message (see docs/message-trust.md).
Kind = Literal["phishing", "spam", "fraud", "spoofing", "server", "trust"]


class Scan(Section):
    text_chars: int = Field(gt=0)
    html_chars: int = Field(gt=0)
    max_links: int = Field(ge=0)


class Thresholds(Section):
    suspicious: Number
    spam: Number
    phishing_weight: Number


class SignalSpec(Section):
    weight: Number
    kind: Kind
    detail: str | None = None  # optional for a user's own wording


class PhraseFamily(Section):
    kind: Kind
    weight: Number
    per_extra: Number | None = None
    max: Number | None = None
    phrases: Words | None = None
    patterns: Words | None = None


class BrandSpec(Section):
    names: Words | None = None
    domains: Words
    tokens: Words | None = None


class Attachments(Section):
    dangerous: Words
    html: Words
    lure_carriers: Words
    decoy_extensions: Words


class Automated(Section):
    local_parts: Words
    subjects: Words
    auto_submitted_human: Words
    headers: Words
    precedence: Words
    content_types: Words


class MessageTrustFile(Section):
    """rules/trust.yaml."""

    scan: Scan
    thresholds: Thresholds
    signals: dict[str, SignalSpec]
    phrases: dict[str, PhraseFamily]
    brands: dict[str, BrandSpec]
    brand_service_words: Words
    brand_common_words: Words
    shorteners: Words
    attachments: Attachments
    junk_folders: Words
    automated: Automated

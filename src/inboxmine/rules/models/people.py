"""Models of the people and reading-habits rules: identity.yaml, habits.yaml."""

from __future__ import annotations

from pydantic import Field

from inboxmine.rules.models.base import Section, Share, Words


class IdentityFile(Section):
    """rules/identity.yaml: when several addresses are one person."""

    domain_aliases: dict[str, str]
    dotless_domains: Words
    known_aliases: list[list[str]]
    role_words: Words
    announcement_phrases: Words


class NeverRead(Section):
    min_messages: int = Field(ge=1)
    max_read_ratio: Share


class HabitsFile(Section):
    """rules/habits.yaml: which senders and lists count as never read."""

    never_read: NeverRead

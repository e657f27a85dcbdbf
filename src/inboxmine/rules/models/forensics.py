"""Models of the stage-1 files: esp.yaml and freemail.yaml."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from inboxmine.rules.models.base import OneOrMany, Section

Strength = Literal["strong", "weak"]


class EspSignals(Section):
    """How much one matching signal of each kind is worth."""

    header: Strength
    return_path: Strength
    dkim_domain: Strength
    received_host: Strength
    message_id_domain: Strength
    list_unsubscribe_host: Strength
    list_id: Strength
    feedback_id: Strength
    x_mailer: Strength
    link_domain: Strength
    dkim_aligned: Strength
    sending_host_own: Strength
    message_id_own: Strength


class EspSpec(Section):
    """One ESP's fingerprints; a new ESP gives only the signals it has (its
    name defaults to its key and its tier to ``platform``, see forensics/esp.py)."""

    name: str | None = None
    tier: str | None = None
    domains: OneOrMany | None = None
    return_path: OneOrMany | None = None
    dkim_domain: OneOrMany | None = None
    received_host: OneOrMany | None = None
    message_id_domain: OneOrMany | None = None
    list_unsubscribe_host: OneOrMany | None = None
    list_id: OneOrMany | None = None
    links: OneOrMany | None = None
    headers: OneOrMany | None = None
    feedback_id: OneOrMany | None = None
    x_mailer: OneOrMany | None = None
    skip_for_freemail: bool | None = None


class EspFile(Section):
    """rules/esp.yaml."""

    signals: EspSignals
    tiers: dict[str, int]
    own_infrastructure: str | None
    esps: dict[str, EspSpec] = Field(min_length=1)


class FreemailFile(Section):
    """rules/freemail.yaml."""

    domains: list[str]
    tenant_platforms: list[str]
    publication_platforms: list[str]

"""Models of the files of the reports: crm.yaml (``export crm``) and digest.yaml."""

from __future__ import annotations

from inboxmine.rules.models.base import Number, Section, Words

#: Gem status -> the CRM's deal stage or status.
ByGemStatus = dict[str, str]


class HubspotTarget(Section):
    pipeline: str
    stages: ByGemStatus


class PipedriveTarget(Section):
    pipeline: str
    stages: ByGemStatus
    statuses: ByGemStatus


class CrmTargets(Section):
    hubspot: HubspotTarget
    pipedrive: PipedriveTarget


class CrmFile(Section):
    """rules/crm.yaml."""

    #: Value tier -> the deal amount when the mail names none (open).
    amount_by_value_tier: dict[str, Number]
    default_currency: str
    amount_from_mail_gem_types: Words
    amount_from_any_mail_gem_types: Words
    robot_local_parts: Words
    skip_relationships: Words
    targets: CrmTargets


class DigestFile(Section):
    """rules/digest.yaml."""

    default_since_days: int
    renewal_days: int
    ask_gem_types: Words
    renewal_gem_types: Words
    waiting_draft_statuses: Words
    closed_gem_statuses: Words
    max_items_per_section: int


class SearchWeights(Section):
    subject: Number
    sender: Number
    attachments: Number
    list_id: Number
    recipients: Number
    body: Number


class SearchFile(Section):
    """rules/search.yaml."""

    weights: SearchWeights
    snippet_chars: int

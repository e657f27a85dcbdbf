"""Models of the stage 5-7 files: scoring, segments, relationships,
known_entities, strategies and exclusions."""

from __future__ import annotations

from typing import Any

from pydantic import Field, RootModel, model_validator

from inboxmine.rules.models.base import Number, Section, Share, WordFamilies, Words

# -- scoring.yaml -----------------------------------------------------------


class EspTier(Section):
    points: int
    esps: Words


class EspTiers(Section):
    """Tier name -> {points, esps} (open), and the points of an ESP in no tier."""

    model_config = Section.model_config | {"extra": "allow"}
    __pydantic_extra__: dict[str, EspTier] = Field(init=False)

    default_points: int


class Sophistication(Section):
    class Points(Section):
        personalization: Number
        utm_tracking: Number
        template_complexity: Number
        segmentation: Number
        authentication: Number
        list_unsubscribe: Number

    class Blend(Section):
        deterministic: Share
        ai: Share

    esp_tiers: EspTiers
    points: Points
    template_complexity_min: Number
    segmentation_min_campaigns: int
    max: Number
    blend: Blend
    trend_min_scores: int
    trend_min_difference: Number


class Opportunity(Section):
    class Weights(Section):
        inbound_initiation: Number
        inbound_engagement: Number
        reachability: Number
        relevance: Number
        recency: Number
        known_contacts: Number
        monetary_signals: Number
        gem_type_strength: Number
        gem_diversity_per_type: Number
        gem_diversity_cap: Number
        dormant_thread_bonus: Number
        procurement_bonus: Number
        partner_bonus: Number
        renewal_bonus: Number

    class TierMax(Section):
        inbound: Number
        base: Number
        gem: Number

    class RecencyDays(Section):
        full: int
        half: int

    target_industries: Words
    weights: Weights
    #: Gem type -> the name of the weight its gems get as a bonus (open).
    gem_type_bonus: dict[str, str]
    tier_max: TierMax
    #: Company size -> reachability factor (open).
    size_factors: dict[str, Number]
    size_factor_default: Number
    relevance_miss_factor: Number
    recency_days: RecencyDays
    contacts_without_role_factor: Number
    monetary_relationships: Words
    #: Relationship -> the highest score its senders get (open).
    relationship_caps: dict[str, Number]
    #: Sender trust verdict -> points taken off its gems after the cap (open).
    trust_penalties: dict[str, Number]

    @model_validator(mode="after")
    def _bonuses_name_weights(self) -> Opportunity:
        weights = type(self.weights).model_fields
        for gem_type, weight in self.gem_type_bonus.items():
            if weight not in weights:
                raise ValueError(
                    f"gem_type_bonus.{gem_type} names {weight!r}, which is not one of the weights"
                )
        return self


class ScoringFile(Section):
    """rules/scoring.yaml."""

    sophistication: Sophistication
    opportunity: Opportunity


# -- segments.yaml ----------------------------------------------------------


class EconomicSegment(Section):
    """What puts a sender in an economic segment (any condition that holds)."""

    intents: Words = []
    offers: Words = []
    renewal_dates: bool = False
    partner_program: bool = False
    procurement_entities: bool = False


class SubSegments(Section):
    class SpendMap(Section):
        churned_after_days: int

    class ProspectMap(Section):
        hot_lead_max_sophistication: Number
        warm_prospect_max_sophistication: Number

    class DormantThreads(Section):
        min_dormancy_days: int
        #: Gem type -> the dormant_threads sub-segment an open gem of it gives.
        from_gems: dict[str, str]
        confidence: Share

    spend_map: SpendMap
    prospect_map: ProspectMap
    #: Sub-segment -> offer types or intents (open).
    distribution_map: WordFamilies
    #: Sub-segment -> procurement words (open).
    procurement_map: WordFamilies
    dormant_threads: DormantThreads


class CustomSegment(Section):
    name: str
    priority: str
    #: field -> condition (see the operators in segments.yaml).
    rules: dict[str, Any]
    confidence: Share | None = None


class SegmentsFile(Section):
    """rules/segments.yaml."""

    #: Segment -> its conditions (open).
    economic: dict[str, EconomicSegment]
    sub_segments: SubSegments
    custom_segments: list[CustomSegment]


# -- relationships.yaml -------------------------------------------------------


class DiscussionList(Section):
    min_senders: int
    min_share: Share
    confidence: Share


class KnownEntityCategory(Section):
    relationship: str
    suppress_gems: bool


class RelationshipPhrases(Section):
    vendor: Words
    prospect: Words
    selling: Words
    partner: Words


class RelationshipWeights(Section):
    vendor_initiation_high: Number
    vendor_phrases_many: Number
    vendor_phrases_some: Number
    vendor_transactional_intent: Number
    vendor_spend_segment: Number
    prospect_initiation_low: Number
    prospect_reply_rate_high: Number
    prospect_phrase_per_message: Number
    prospect_procurement_intent: Number
    selling_reply_rate_low: Number
    selling_many_unanswered: Number
    selling_phrase_per_message: Number
    selling_intent: Number
    partner_phrase_per_message: Number
    partner_intent: Number
    warm_two_way: Number
    community_intent: Number
    institutional_intent: Number


class Colleague(Section):
    confidence: Share


class RelationshipsFile(Section):
    """rules/relationships.yaml."""

    types: Words
    colleague: Colleague
    discussion_list: DiscussionList
    suppress_gems_types: Words
    min_confidence: Share
    #: Category of known_entities.yaml -> relationship (open).
    known_entity_categories: dict[str, KnownEntityCategory]
    phrases: RelationshipPhrases
    weights: RelationshipWeights
    first_messages: int
    selling_intents: Words
    vendor_intents: Words
    prospect_intents: Words
    partner_intents: Words
    community_intents: Words


class KnownEntitiesFile(RootModel[WordFamilies]):
    """rules/known_entities.yaml: category -> sender identities (open)."""


# -- strategies.yaml, exclusions.yaml -----------------------------------------


class Strategy(Section):
    channel: str
    gem_types: Words


class StrategiesFile(Section):
    """rules/strategies.yaml."""

    #: Strategy -> its channel and gem types (open; order decides defaults).
    strategies: dict[str, Strategy]
    fallback_strategy: str
    default_top: int
    thread_history_messages: int


class ExclusionsFile(Section):
    """rules/exclusions.yaml."""

    domains: Words

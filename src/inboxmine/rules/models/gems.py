"""Model of rules/gems.yaml: one section per gem type, with fixed keys.

The packaged gem types have a section class here and a field on
``GemsFile``. A gem type added by a detector module of its own (a plug-in,
CONTRIBUTING.md "Adding a gem type") brings its section in the user's
gems.yaml: any other top-level mapping is read as an :class:`AddedGemSection`
(its ``confidence`` and ``actions`` checked, its own thresholds kept), and
``opportunities.rules.gem_rules`` refuses one that no registered detector owns.
"""

from __future__ import annotations

from pydantic import Field

from inboxmine.rules.models.base import Number, Section, Share, WordFamilies, Words

#: Days -> points ({60: 15}: within 60 days, 15 points); sophistication -> points.
PointsBy = dict[Number, Number]


class GemSection(Section):
    """What every detector section has: its confidence and recommended actions."""

    confidence: Share
    actions: Words


class AddedGemSection(GemSection):
    """The section of a gem type registered outside this file: its own keys are free."""

    model_config = GemSection.model_config | {"extra": "allow"}


class DormantUrgency(Section):
    high: int
    low: int


class DormantValue(Section):
    high_boost: Number


class DormantWarmThread(GemSection):
    min_dormancy_days: int
    max_dormancy_days: int
    min_messages: int
    require_warm_signal: bool
    completion_window: int
    reject_intents: Words
    base_score: Number
    warm_signal_points: Number
    warm_boost_cap: Number
    participated_points: Number
    recent_points: PointsBy
    many_messages_points: Number
    value: DormantValue
    urgency_days: DormantUrgency


class UnansweredAsk(GemSection):
    min_days: int
    max_days: int
    min_messages: int
    require_ask: bool
    score: Number


class WeakMarketingLead(GemSection):
    min_messages: int
    max_sophistication: Number
    marketing_intents: Words
    marketing_from_locals: Words
    exclude_intents: Words
    exclude_sizes: Words
    base_score: Number
    sophistication_points: PointsBy
    size_points: dict[str, Number]


class PartnerProgram(GemSection):
    min_evidence: int
    base_score: Number
    url_points: Number
    commission_points: Number


class RenewalUrgency(Section):
    high: int
    medium: int


class RenewalLeverage(GemSection):
    max_days_ahead: int
    urgency_days: RenewalUrgency
    base_score: Number
    date_points: Number
    amount_points: Number


class RenewalContext(Section):
    subscription_words: Words
    promotion_words: Words


class VendorUpsell(GemSection):
    min_messages: int
    base_score: Number
    per_message_points: Number


class DistributionChannel(GemSection):
    min_points: Number
    base_score: Number
    many_messages: int
    many_messages_points: Number
    per_phrase_points: Number
    phrase_points_cap: Number


class CoMarketing(GemSection):
    min_overlap: int
    exclude_intents: Words
    exclude_sizes: Words
    base_score: Number
    per_word_points: Number
    max_overlap_points: Number
    stop_words: Words


class IndustryIntel(GemSection):
    min_messages: int
    exclude_intents: Words
    score: Number


class ProcurementSignal(GemSection):
    min_signals: int
    base_score: Number
    per_category_points: Number


class Phrases(Section):
    #: Warm-signal family -> phrases (open: add a family).
    warm: WordFamilies
    completion: Words
    ask: Words
    upsell: Words
    #: Phrase -> points.
    content_opportunity: dict[str, Number]
    commission: Words


class GemsFile(Section):
    """rules/gems.yaml."""

    model_config = Section.model_config | {"extra": "allow"}
    #: Sections of gem types whose detector registers outside the package.
    __pydantic_extra__: dict[str, AddedGemSection] = Field(init=False)

    #: Relationship -> the gem types that may be detected for it (open).
    eligibility: WordFamilies
    thread_precedence: Words
    bulk_ratio: Share
    dormant_warm_thread: DormantWarmThread
    unanswered_ask: UnansweredAsk
    weak_marketing_lead: WeakMarketingLead
    partner_program: PartnerProgram
    renewal_leverage: RenewalLeverage
    renewal_context: RenewalContext
    vendor_upsell: VendorUpsell
    distribution_channel: DistributionChannel
    co_marketing: CoMarketing
    industry_intel: IndustryIntel
    procurement_signal: ProcurementSignal
    phrases: Phrases

"""Models of the stage-4 files: classify_heuristic.yaml and classify_dimensions.yaml."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from inboxmine.rules.models.base import Number, Section, Weights, WordFamilies, Words


class Industry(Section):
    """One industry; ``keywords`` is a list (weight 1) or a mapping word -> weight."""

    keywords: Words | dict[str, Number]
    weak_keywords: Words = []
    features: Weights = {}


class AudienceAtLeast(Section):
    huge: int
    large: int


class SizeSignals(Section):
    own_infrastructure_esps: Words
    own_infrastructure_min_complexity: Number
    volume_full_at: Number
    addresses_full_at: Number
    roles: WordFamilies
    legal_forms: WordFamilies
    claims: WordFamilies
    audience_at_least: AudienceAtLeast
    countries: WordFamilies


class IndustrySources(Section):
    identity: Number
    domain: Number
    text: Number
    links: Number


class PerDimension(Section):
    sender_intent: Number
    industry: Number
    company_size_estimate: Number


class Sophistication(Section):
    base: Number
    features: Weights
    complexity_points: Number


class ProductTypeRule(Section):
    when: str
    value: str


class HeuristicFile(Section):
    """rules/classify_heuristic.yaml."""

    #: Category -> ESP keys (open).
    esp_categories: WordFamilies
    #: Keyword group -> phrases (open; ``kw:<group>`` features).
    keywords: WordFamilies
    #: Intent -> feature weights (open).
    intents: dict[str, Weights]
    industry_sources: IndustrySources
    weak_keyword_weight: Number
    industry_domain_min_chars: int
    industry_min_score: Number
    industries: dict[str, Industry]
    #: Size -> feature weights (open).
    sizes: dict[str, Weights]
    esp_tiers: WordFamilies
    size_signals: SizeSignals
    confidence_full_at: PerDimension
    confidence_weights: PerDimension
    sophistication: Sophistication
    product_types: list[ProductTypeRule]
    target_audiences: dict[str, str]
    pain_points: dict[str, str]
    intent_phrases: dict[str, str]


class Dimension(Section):
    """One classification dimension; which keys apply depends on ``kind``."""

    kind: Literal["choice", "int", "bool", "text", "list", "float", "object"]
    overridable: bool
    optional: bool | None = None
    values: list[str] | None = None
    min: Number | None = None
    max: Number | None = None
    max_length: int | None = None
    max_items: int | None = None

    @model_validator(mode="after")
    def _choice_has_values(self) -> Dimension:
        if self.kind == "choice" and not self.values:
            raise ValueError("a `choice` dimension needs `values: [...]`")
        return self


class DimensionsFile(Section):
    """rules/classify_dimensions.yaml: dimension -> spec (open: add a dimension)."""

    dimensions: dict[str, Dimension]

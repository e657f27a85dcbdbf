"""Models of the stage-3 files: entities.yaml and procurement.yaml."""

from __future__ import annotations

from pydantic import Field

from inboxmine.rules.models.base import Number, Section, WordFamilies, Words


class Money(Section):
    #: Symbol -> ISO code ("$": USD); open.
    symbols: dict[str, str]
    codes: Words
    #: Currency word -> ISO code; open.
    words: dict[str, str]
    #: Multiplier word -> factor; open.
    multipliers: dict[str, Number]
    #: Category -> context words; open.
    contexts: WordFamilies
    #: Period word -> period; open.
    periods: dict[str, str]
    max_per_message: int


class Promotion(Section):
    kinds: Words
    words: Words
    unless: Words
    window: int


class Dates(Section):
    #: Date kind -> trigger phrases; open.
    triggers: WordFamilies
    promotion: Promotion
    fillers: Words
    max_per_message: int


class People(Section):
    title_words: Words
    decision_maker_titles: Words
    not_decision_maker: Words
    automated_contains: Words
    automated_words: Words
    vendor_contact_words: Words
    sign_offs: Words


class Orgs(Section):
    legal_suffixes: Words
    stop_words: Words
    max_per_message: int


class Ner(Section):
    max_body_chars: int = Field(ge=0)
    bulk_body_chars: int = Field(ge=0)


class EntitiesFile(Section):
    """rules/entities.yaml."""

    money: Money
    dates: Dates
    people: People
    orgs: Orgs
    ner: Ner


class ProcurementSignal(Section):
    """One procurement signal; a new one gives its category and some phrases or acronyms."""

    category: str
    phrases: Words = []
    acronyms: Words = []
    topic: bool = False


class ProcurementFile(Section):
    """rules/procurement.yaml: signal key -> how it is written (open)."""

    signals: dict[str, ProcurementSignal]

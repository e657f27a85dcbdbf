"""The entity rules, loaded from YAML and compiled once per run."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from inboxmine.entities.dates import DateRules, compile_date_rules
from inboxmine.entities.money import MoneyRules, compile_money_rules
from inboxmine.entities.orgs import OrgRules, compile_org_rules
from inboxmine.entities.people import PeopleRules, compile_people_rules
from inboxmine.entities.procurement import ProcurementRules, compile_procurement_rules
from inboxmine.entities.signature import SignatureRules, compile_signature_rules
from inboxmine.rules.loader import RulesError, load_rules

ENTITY_RULES_FILE = "entities.yaml"
PROCUREMENT_RULES_FILE = "procurement.yaml"


@dataclass(frozen=True)
class NerRules:
    """How much of a message spaCy reads (``ner`` in rules/entities.yaml)."""

    max_body_chars: int
    #: Of a bulk message's body (its signature is read whatever this says).
    bulk_body_chars: int

    def body_chars(self, is_bulk: bool) -> int:
        return min(self.bulk_body_chars, self.max_body_chars) if is_bulk else self.max_body_chars


def compile_ner_rules(config: dict) -> NerRules:
    return NerRules(int(config["max_body_chars"]), int(config["bulk_body_chars"]))


@dataclass(frozen=True)
class EntityRules:
    """Every compiled rule the extractors use (picklable: sent to workers)."""

    money: MoneyRules
    dates: DateRules
    procurement: ProcurementRules
    people: PeopleRules
    signature: SignatureRules
    orgs: OrgRules
    ner: NerRules


def compile_entity_rules(entities: dict, procurement: dict) -> EntityRules:
    """Compile the contents of entities.yaml and procurement.yaml."""
    people = entities["people"]
    return EntityRules(
        money=compile_money_rules(entities["money"]),
        dates=compile_date_rules(entities["dates"]),
        procurement=compile_procurement_rules(procurement),
        people=compile_people_rules(people),
        signature=compile_signature_rules(people),
        orgs=compile_org_rules(entities["orgs"]),
        ner=compile_ner_rules(entities["ner"]),
    )


def load_entity_rules(rules_dir: str | Path | None = None) -> EntityRules:
    """The packaged rules with the user's files in ``rules_dir`` merged on top."""
    entities = load_rules(ENTITY_RULES_FILE, rules_dir)
    procurement = load_rules(PROCUREMENT_RULES_FILE, rules_dir)
    try:
        return compile_entity_rules(entities, procurement)
    except (AttributeError, TypeError, ValueError, re.error) as exc:
        # A user's rule file with a wrong shape (a mapping where a list belongs).
        raise RulesError(
            f"the entity rules ({ENTITY_RULES_FILE}, {PROCUREMENT_RULES_FILE}) cannot be used: "
            f"{exc} - check the lists in your copy in {rules_dir or 'the rules folder'}"
        ) from exc

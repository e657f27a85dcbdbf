"""Entity extraction (stage 3): pure functions over one message's text.

``extract_with_rules`` always works; ``nlp.find_named_entities`` adds spaCy's
named entities when the optional model is installed. The stage
(``inboxmine.stages.entities``) only reads and writes the database.
"""

from inboxmine.entities.base import Entity, MessageText
from inboxmine.entities.extract import ExtractOptions, extract_with_rules
from inboxmine.entities.rules import EntityRules, load_entity_rules

__all__ = [
    "Entity",
    "EntityRules",
    "ExtractOptions",
    "MessageText",
    "extract_with_rules",
    "load_entity_rules",
]

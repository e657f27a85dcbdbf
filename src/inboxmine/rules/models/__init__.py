"""One pydantic model per rules file, validated when the file is loaded.

``MODELS`` maps a file name to its model. Adding a rules file: write its
model (in the module of its area, or a new one), add it here, and keep its
defaults in the YAML only - the model requires what the packaged file gives.
``tests/test_rules_models.py`` fails for a packaged file without a model.
"""

from __future__ import annotations

from pydantic import BaseModel

from inboxmine.rules.models.classify import DimensionsFile, HeuristicFile
from inboxmine.rules.models.content import LinkIntentsFile, OffersFile, StructureFile
from inboxmine.rules.models.entities import EntitiesFile, ProcurementFile
from inboxmine.rules.models.forensics import EspFile, FreemailFile
from inboxmine.rules.models.gems import GemsFile
from inboxmine.rules.models.message_trust import MessageTrustFile
from inboxmine.rules.models.opportunities import (
    ExclusionsFile,
    KnownEntitiesFile,
    RelationshipsFile,
    ScoringFile,
    SegmentsFile,
    StrategiesFile,
)
from inboxmine.rules.models.people import HabitsFile, IdentityFile
from inboxmine.rules.models.reports import CrmFile, DigestFile, SearchFile
from inboxmine.rules.models.trust import GemFeedbackFile, SenderTrustFile

MODELS: dict[str, type[BaseModel]] = {
    "esp.yaml": EspFile,
    "freemail.yaml": FreemailFile,
    "structure.yaml": StructureFile,
    "link_intents.yaml": LinkIntentsFile,
    "offers.yaml": OffersFile,
    "entities.yaml": EntitiesFile,
    "procurement.yaml": ProcurementFile,
    "classify_heuristic.yaml": HeuristicFile,
    "classify_dimensions.yaml": DimensionsFile,
    "gems.yaml": GemsFile,
    "scoring.yaml": ScoringFile,
    "segments.yaml": SegmentsFile,
    "relationships.yaml": RelationshipsFile,
    "known_entities.yaml": KnownEntitiesFile,
    "strategies.yaml": StrategiesFile,
    "exclusions.yaml": ExclusionsFile,
    "crm.yaml": CrmFile,
    "digest.yaml": DigestFile,
    "sender_trust.yaml": SenderTrustFile,
    "gem_feedback.yaml": GemFeedbackFile,
    "search.yaml": SearchFile,
    "trust.yaml": MessageTrustFile,
    "identity.yaml": IdentityFile,
    "habits.yaml": HabitsFile,
}


def model_for(name: str) -> type[BaseModel] | None:
    """The model of the rules file ``name``, None when it has none."""
    return MODELS.get(name)

"""The rule files of stages 5-7, with the user's settings applied on top."""

from __future__ import annotations

import difflib
from typing import Any

from inboxmine.config import Settings
from inboxmine.rules.errors import RulesError
from inboxmine.rules.loader import load_rules, merge, validate_rules
from inboxmine.rules.models.gems import GemsFile

#: Where overrides from the settings come from, in error messages.
SETTINGS_SOURCE = "rules/{name} with the settings' [scoring] overrides"


def scoring_rules(settings: Settings) -> dict[str, Any]:
    """rules/scoring.yaml with ``settings.scoring`` overrides (weights, caps, industries)."""
    rules = load_rules("scoring.yaml", settings.rules_dir)
    scoring = settings.scoring
    if not (scoring.weights or scoring.relationship_caps or scoring.target_industries is not None):
        return rules
    opportunity = rules["opportunity"]
    opportunity["weights"] = {**opportunity["weights"], **scoring.weights}
    opportunity["relationship_caps"] = {
        **opportunity["relationship_caps"],
        **scoring.relationship_caps,
    }
    if scoring.target_industries is not None:
        opportunity["target_industries"] = list(scoring.target_industries)
    # A misspelt weight in the settings is refused like one in the file.
    return validate_rules("scoring.yaml", rules, SETTINGS_SOURCE.format(name="scoring.yaml"))


def gem_rules(settings: Settings) -> dict[str, Any]:
    """rules/gems.yaml with ``settings.scoring.gem_thresholds`` merged per gem type,
    and under ``enabled_gem_types`` the detectors ``components.gem_detectors`` leaves on."""
    from inboxmine.opportunities.gems import ENABLED, enabled_gem_types, gem_types

    rules = load_rules("gems.yaml", settings.rules_dir)
    if settings.scoring.gem_thresholds:
        rules = merge(rules, settings.scoring.gem_thresholds)
        rules = validate_rules("gems.yaml", rules, SETTINGS_SOURCE.format(name="gems.yaml"))
    known = set(GemsFile.model_fields) | set(gem_types())
    for key in rules:
        if key not in known:
            near = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f" - did you mean {near[0]}?" if near else ""
            raise RulesError(
                f"rules/gems.yaml: {key} is not a known key nor a registered gem type{hint}"
            )
    rules[ENABLED] = enabled_gem_types(settings)
    return rules


def link_hosts(rules_dir) -> frozenset[str]:
    """The click-tracking hosts of every mailing platform in rules/esp.yaml."""
    esps = load_rules("esp.yaml", rules_dir)["esps"]
    return frozenset(str(h).lower() for esp in esps.values() for h in esp.get("links") or [])


def all_rules(settings: Settings) -> dict[str, Any]:
    """Every rule file stage 5 and 6 use, keyed by area (``gems.link_hosts``:
    the platforms' tracking hosts, through which a sender's own links go)."""
    gems = gem_rules(settings)
    gems["link_hosts"] = link_hosts(settings.rules_dir)
    return {
        "scoring": scoring_rules(settings),
        "gems": gems,
        "segments": load_rules("segments.yaml", settings.rules_dir),
        "relationships": load_rules("relationships.yaml", settings.rules_dir),
        "known_entities": load_rules("known_entities.yaml", settings.rules_dir),
        "sender_trust": load_rules("sender_trust.yaml", settings.rules_dir),
    }

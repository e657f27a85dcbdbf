"""The stage registry: every module in ``inboxmine.stages`` that defines ``STAGE``.

Adding a stage is one file; nothing else needs to change.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

import inboxmine.stages
from inboxmine.runner.stage import Stage

#: Stage keys in pipeline order (SPEC.md); "all" means 1-6.
PIPELINE_ORDER = (
    "ingest",
    "metadata",
    "content",
    "entities",
    "classify",
    "profile",
    "segment",
    "engage",
)
RUN_ALL = ("metadata", "content", "entities", "classify", "profile", "segment")


class UnknownStage(Exception):
    pass


@lru_cache(maxsize=1)
def stages() -> dict[str, Stage]:
    """All registered stages by key, in pipeline order."""
    found: dict[str, Stage] = {}
    for info in pkgutil.iter_modules(inboxmine.stages.__path__):
        module = importlib.import_module(f"inboxmine.stages.{info.name}")
        stage = getattr(module, "STAGE", None)
        if isinstance(stage, Stage):
            found[stage.key] = stage
    return dict(sorted(found.items(), key=lambda kv: kv[1].order))


def get_stage(key: str) -> Stage:
    registered = stages()
    if key not in registered:
        known = ", ".join(registered) or "none"
        raise UnknownStage(f"unknown stage {key!r}: choose one of {known}, or all")
    return registered[key]


def expand(keys: list[str]) -> list[str]:
    """Stage keys to run, with ``all`` expanded to stages 1-6, in pipeline order."""
    wanted: list[str] = []
    for key in keys:
        names = [k for k in RUN_ALL if k in stages()] if key == "all" else [get_stage(key).key]
        for name in names:
            if name not in wanted:
                wanted.append(name)
    return sorted(wanted, key=lambda k: stages()[k].order)

"""The stage registry: every stage registers itself on :data:`STAGES`.

A stage module ends with ``STAGE = register(Stage(...))``; a plug-in package
registers more through the ``inboxmine.stages`` entry-point group. The
settings' ``components.stages`` reorder a stage or leave it out
(``engage = false``). ``all`` means the enabled stages that declare
``in_run_all`` (stages 1-6), in order.
"""

from __future__ import annotations

from typing import Any

from inboxmine.components import Registry, chosen_for
from inboxmine.runner.stage import Stage

STAGES: Registry[Stage] = Registry("stages", defaults="inboxmine.stages")


class UnknownStage(Exception):
    pass


def register(stage: Stage) -> Stage:
    """Register a stage under its key, in its pipeline order (stage N at N x 10,
    so a setting can put a stage between two: ``segment = 45``)."""
    return STAGES.register(stage.key, stage, order=_default_order(stage))


def _default_order(stage: Stage) -> int:
    return stage.order * 10


def stages() -> dict[str, Stage]:
    """All registered stages by key, in pipeline order."""
    return {component.name: component.value for component in STAGES.all()}


def get_stage(key: str) -> Stage:
    registered = stages()
    if key not in registered:
        known = ", ".join(registered) or "none"
        raise UnknownStage(f"unknown stage {key!r}: choose one of {known}, or all")
    return registered[key]


def run_all_keys(settings: Any = None) -> list[str]:
    """What ``all`` runs: the enabled stages that take part in it, in order."""
    return [k for k, stage in _enabled(settings).items() if stage.in_run_all]


def _enabled(settings: Any) -> dict[str, Stage]:
    registered = stages()
    chosen = chosen_for(settings, "stages")
    for name in chosen:
        if name not in registered:
            raise UnknownStage(STAGES.unknown_message(name, setting=True))

    def order(key: str) -> int:
        setting = chosen.get(key, True)
        return _default_order(registered[key]) if isinstance(setting, bool) else int(setting)

    enabled = [k for k in registered if chosen.get(k, True) is not False]
    return {k: registered[k] for k in sorted(enabled, key=lambda k: (order(k), k))}


def expand(keys: list[str], settings: Any = None) -> list[str]:
    """Stage keys to run, with ``all`` expanded, in order (the settings' order)."""
    enabled = _enabled(settings)
    wanted: list[str] = []
    for key in keys:
        if key == "all":
            names = run_all_keys(settings)
        else:
            name = get_stage(key).key
            if name not in enabled:
                raise UnknownStage(
                    f"stage {name!r} is disabled (components.stages.{name} = false in the "
                    "settings): enable it to run it"
                )
            names = [name]
        for name in names:
            if name not in wanted:
                wanted.append(name)
    position = {k: i for i, k in enumerate(enabled)}
    return sorted(wanted, key=lambda k: position[k])

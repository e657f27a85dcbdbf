"""Load a packaged YAML rule file, with the user's own file merged on top.

A user extends the rules without editing code: a file of the same name in
``settings.rules_dir`` is merged into the packaged one (mappings are merged
key by key, lists are extended, scalars replaced).
"""

from __future__ import annotations

import copy
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml


class RulesError(Exception):
    """A rule file cannot be used; the message names the file and the problem."""


@lru_cache(maxsize=64)
def _packaged(name: str) -> Any:
    try:
        text = resources.files("inboxmine.rules").joinpath(name).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise RulesError(f"packaged rule file {name} is missing: reinstall inboxmine") from exc
    return yaml.safe_load(text) or {}


def _read_user(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise RulesError(
            f"cannot read rule file {path}: {exc} - fix the YAML or remove the file"
        ) from exc


def merge(base: Any, extra: Any) -> Any:
    """``extra`` merged into a copy of ``base`` (dicts by key, lists extended)."""
    if isinstance(base, dict) and isinstance(extra, dict):
        merged = dict(base)
        for key, value in extra.items():
            merged[key] = merge(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    if isinstance(base, list) and isinstance(extra, list):
        return list(base) + [v for v in extra if v not in base]
    return copy.deepcopy(extra)


def load_rules(name: str, rules_dir: str | Path | None = None) -> Any:
    """The rule file ``name`` (e.g. ``"esp.yaml"``), merged with the user's copy if any."""
    rules = copy.deepcopy(_packaged(name))
    if rules_dir:
        user_file = Path(rules_dir).expanduser() / name
        if user_file.is_file():
            rules = merge(rules, _read_user(user_file))
    return rules

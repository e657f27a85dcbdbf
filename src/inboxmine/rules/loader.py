"""Load a packaged YAML rule file, with the user's own file merged on top.

A user extends the rules without editing code: a file of the same name in
``settings.rules_dir`` is merged into the packaged one (mappings are merged
key by key, lists are extended, scalars replaced). The merged result is then
validated through the file's model (:mod:`inboxmine.rules.models`): a
misspelt key or a value of the wrong type is a :class:`RulesError` naming the
file, the key and the fix, instead of a setting that is silently ignored.
"""

from __future__ import annotations

import copy
import os
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from inboxmine.rules.errors import RulesError, describe_errors
from inboxmine.rules.models import model_for

__all__ = ["RulesError", "load_rules", "merge", "validate_rules"]

#: Set (to anything but "" or "0") to refuse packaged rule files that have no
#: model; the test suite sets it, so a new file cannot ship without one.
STRICT_ENV = "INBOXMINE_RULES_STRICT"


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


def validate_rules(name: str, data: Any, source: str | None = None) -> Any:
    """``data`` checked against the model of ``name``, as plain dicts and lists.

    Only the keys given come back (``exclude_unset``), with their values
    converted to the model's types. ``source`` names the file to blame in the
    error (default ``rules/<name>``). Without a model, ``data`` comes back as
    is, unless ``INBOXMINE_RULES_STRICT`` is set (the tests set it).
    """
    model = model_for(name)
    if model is None:
        if os.environ.get(STRICT_ENV, "") not in ("", "0"):
            raise RulesError(
                f"rules/{name} has no model: add one in inboxmine/rules/models/ and list it "
                "in MODELS (see CONTRIBUTING.md, 'A rules file')"
            )
        return data
    try:
        return model.model_validate(data).model_dump(exclude_unset=True)
    except ValidationError as exc:
        raise RulesError(describe_errors(exc, model, data, source or f"rules/{name}")) from None


@lru_cache(maxsize=128)
def _loaded(name: str, user_file: str | None, _stamp: tuple[int, int] | None) -> Any:
    """The validated rules; cached per user file and its modification time."""
    packaged = _packaged(name)
    checked = _packaged_checked(name)
    if user_file is None:
        return checked
    return validate_rules(name, merge(packaged, _read_user(Path(user_file))), user_file)


@lru_cache(maxsize=64)
def _packaged_checked(name: str) -> Any:
    return validate_rules(name, copy.deepcopy(_packaged(name)))


def load_rules(name: str, rules_dir: str | Path | None = None) -> Any:
    """The rule file ``name`` (e.g. ``"esp.yaml"``), merged with the user's copy if any."""
    user_file: str | None = None
    stamp: tuple[int, int] | None = None
    if rules_dir:
        path = Path(rules_dir).expanduser() / name
        try:
            stat = path.stat()
        except OSError:
            stat = None
        if stat is not None and path.is_file():
            user_file, stamp = str(path), (stat.st_mtime_ns, stat.st_size)
    return copy.deepcopy(_loaded(name, user_file, stamp))

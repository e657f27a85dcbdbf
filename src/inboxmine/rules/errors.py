"""Rule-file errors in the words of the file: which key, what is wrong, the fix.

A pydantic error says ``('dormant_warm_thread', 'min_dormancy_dayz')
extra_forbidden``; a user needs ``rules/gems.yaml:
dormant_warm_thread.min_dormancy_dayz is not a known key - did you mean
min_dormancy_days?``. The model is walked along the error's path to find
the keys that are valid there and the type that is expected.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, RootModel, ValidationError

#: Problems listed in one message (the rest are counted).
MAX_PROBLEMS = 5


class RulesError(Exception):
    """A rule file cannot be used; the message names the file and the problem."""


def _members(annotation: Any) -> list[Any]:
    """The alternatives of a union (``X | None`` -> [X]); [annotation] otherwise."""
    if get_origin(annotation) is typing.Annotated:
        return _members(get_args(annotation)[0])
    if get_origin(annotation) in (Union, types.UnionType):
        return [m for a in get_args(annotation) if a is not type(None) for m in _members(a)]
    return [annotation]


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _root(annotation: Any) -> Any:
    if _is_model(annotation) and issubclass(annotation, RootModel):
        return annotation.model_fields["root"].annotation
    return annotation


def _extra_type(model: type[BaseModel]) -> Any:
    """The type of a model's extra keys (``__pydantic_extra__: dict[str, X]``), if typed."""
    if model.model_config.get("extra") != "allow":
        return None
    hint = typing.get_type_hints(model).get("__pydantic_extra__")
    args = get_args(hint)
    return args[1] if len(args) == 2 else Any


def _child(annotation: Any, key: Any) -> Any:
    """The annotation of ``key`` inside ``annotation`` (None when there is none)."""
    for member in _members(_root(annotation)):
        member = _root(member)
        if _is_model(member):
            if isinstance(key, str) and key in member.model_fields:
                return member.model_fields[key].annotation
            extra = _extra_type(member)
            if extra is not None:
                return extra
        elif get_origin(member) is dict and isinstance(key, str | int | float):
            return get_args(member)[1]
        elif get_origin(member) is list and isinstance(key, int):
            return get_args(member)[0]
    return None


def _known_keys(annotation: Any) -> list[str]:
    keys: list[str] = []
    for member in _members(_root(annotation)):
        member = _root(member)
        if _is_model(member):
            keys += [name for name in member.model_fields if name not in keys]
    return keys


def expected(annotation: Any) -> str:
    """``annotation`` in words: "a whole number", "a list of text", ..."""
    words = []
    for member in _members(_root(annotation)):
        member = _root(member)
        origin = get_origin(member)
        if member is bool:
            text = "true or false"
        elif member is int:
            text = "a whole number"
        elif member is float:
            text = "a number"
        elif member is str:
            text = "text"
        elif origin is Literal:
            text = "one of " + ", ".join(repr(a) for a in get_args(member))
        elif origin is list:
            text = f"a list of {_plural(expected(get_args(member)[0]))}"
        elif origin is dict:
            text = f"a mapping of names to {_plural(expected(get_args(member)[1]))}"
        elif _is_model(member):
            text = "a mapping with the keys " + ", ".join(_known_keys(member))
        else:
            text = "a value"
        if text not in words:
            words.append(text)
    if words == ["a whole number", "a number"]:
        return "a number"
    return " or ".join(words) or "a value"


def _plural(text: str) -> str:
    for single, many in (
        ("a whole number", "whole numbers"),
        ("a number", "numbers"),
        ("true or false", "true/false values"),
        ("a list of", "lists of"),
        ("a mapping", "mappings"),
    ):
        if text.startswith(single):
            return many + text[len(single) :]
    return text


def _holds(node: Any, part: Any) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


def _path(loc: tuple, data: Any, kind: str) -> tuple[list[Any], Any]:
    """The keys of ``loc`` that are keys of ``data`` (pydantic adds union tags
    such as ``list[str]``) and the value found there."""
    keys: list[Any] = []
    node = data
    for position, part in enumerate(loc):
        if _holds(node, part):
            keys.append(part)
            node = node[part]
        elif position == len(loc) - 1 and kind == "missing":
            keys.append(part)
            node = None
        # anything else is a tag pydantic added, not a key of the file
    return keys, node


def _dotted(keys: list[Any]) -> str:
    out = ""
    for key in keys:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out or "the file"


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _problem(error: dict, model: type[BaseModel], data: Any) -> tuple[str, str]:
    kind = error["type"]
    keys, value = _path(tuple(error["loc"]), data, kind)
    where = _dotted(keys)
    annotation: Any = model
    for key in keys[:-1] if kind in ("extra_forbidden", "missing") else keys:
        annotation = _child(annotation, key) if annotation is not None else None
    if kind == "extra_forbidden":
        known = _known_keys(annotation)
        close = difflib.get_close_matches(str(keys[-1]), known, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}?" if close else f"known keys: {', '.join(known)}"
        return where, f"{where} is not a known key - {hint}"
    if kind == "missing":
        field = _child(annotation, keys[-1]) if annotation is not None else None
        # A new entry of an open map beside fixed keys (a gem type's section
        # among gems.yaml's) may be a fixed key misspelt: say so.
        hint = _misspelt_fixed_key(model, keys[:-1])
        return where, f"{where} is missing - add it ({expected(field)}){hint}"
    if kind.endswith("_type") or kind.endswith("_parsing") or kind == "model_type":
        shown = "holds" if not keys else "is"
        text = f"{where} {shown} {_shown(value)}, expected {expected(annotation)}"
        return where, text + _misspelt_fixed_key(model, keys)
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    return where, f"{where} is {_shown(value)}: {message[:1].lower()}{message[1:]}"


def _misspelt_fixed_key(model: type[BaseModel], keys: list[Any]) -> str:
    """ " - or did you mean default_points?" when a new entry of a map that also
    has fixed keys (scoring's esp_tiers) is named like one of those keys."""
    if not keys or not isinstance(keys[-1], str):
        return ""
    parent: Any = model
    for key in keys[:-1]:
        parent = _child(parent, key) if parent is not None else None
    fixed = _known_keys(parent)
    if keys[-1] in fixed:  # a fixed key with a wrong value, not a misspelt one
        return ""
    close = difflib.get_close_matches(keys[-1], fixed, n=1, cutoff=0.8)
    return f" - or did you mean {close[0]}?" if close else ""


def describe_errors(exc: ValidationError, model: type[BaseModel], data: Any, source: str) -> str:
    """One message for every problem pydantic found in ``data`` (from ``source``)."""
    seen: dict[str, str] = {}
    for error in exc.errors():
        where, text = _problem(error, model, data)
        seen.setdefault(where, text)  # a union reports once per alternative
    problems = list(seen.values())
    shown = problems[:MAX_PROBLEMS]
    more = len(problems) - len(shown)
    tail = f" (and {more} more)" if more else ""
    return f"{source}: " + "; ".join(shown) + tail

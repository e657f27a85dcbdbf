"""Compiling rule patterns once: word boundaries, one combined pattern per kind."""

from __future__ import annotations

import re

from inboxmine.rules.loader import RulesError

#: Word boundaries that also work next to "$", "%" or "/" (unlike ``\b``).
WORD_START = r"(?<!\w)"
WORD_END = r"(?!\w)"


def _check(fragment: str, source: str, where: str, flags: int) -> str:
    if not isinstance(fragment, str) or not fragment.strip():
        raise RulesError(
            f"{source}: {where}: {fragment!r} is not a pattern - write a non-empty string"
        )
    try:
        re.compile(fragment, flags)
    except re.error as exc:
        raise RulesError(
            f"{source}: {where}: pattern {fragment!r} is not a valid regular expression ({exc}) - "
            "fix it in your rules_dir copy of the file"
        ) from exc
    return fragment


def _wrap(fragments: list[str], whole: bool) -> str:
    body = "|".join(f"(?:{f})" for f in fragments)
    return f"^(?:{body})$" if whole else f"{WORD_START}(?:{body}){WORD_END}"


def compile_words(
    fragments: list[str], source: str, where: str, flags: int = re.IGNORECASE, whole: bool = False
) -> re.Pattern | None:
    """One pattern matching any fragment as whole words; None for no fragments."""
    checked = [_check(f, source, where, flags) for f in fragments]
    return re.compile(_wrap(checked, whole), flags) if checked else None


def compile_groups(
    groups: dict[str, list[str]],
    source: str,
    where: str,
    flags: int = re.IGNORECASE,
    whole: bool = False,
) -> tuple[re.Pattern, dict[str, str]]:
    """One pattern with a named group per key; ``finditer`` + ``lastgroup`` says which.

    Returns the pattern and the map from group name to key (keys may hold
    characters a group name cannot).
    """
    parts, names = [], {}
    for index, (key, fragments) in enumerate(groups.items()):
        checked = [_check(f, source, where.replace("*", str(key)), flags) for f in fragments or []]
        if not checked:
            continue
        name = f"g{index}"
        names[name] = key
        parts.append(f"(?P<{name}>{_wrap(checked, whole)})")
    # A pattern that never matches keeps callers free of None checks.
    return re.compile("|".join(parts) or r"(?!x)x", flags), names

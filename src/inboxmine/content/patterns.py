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


#: What keeps its case: escapes, and named groups with their names.
_ESCAPE = re.compile(r"(\\.|\(\?P<\w+>|\(\?P=\w+\))")
#: Escapes that can name a character by number (it could be a capital).
_NUMERIC_ESCAPE = re.compile(r"\\[xuUN0-7]")


def folded(pattern: re.Pattern) -> re.Pattern | None:
    """``pattern`` (compiled with IGNORECASE) for lower-cased text, or None.

    Python's ``re`` runs a big case-insensitive alternation several times
    slower than the same pattern, lower-cased, on text lower-cased once;
    both find the same matches at the same offsets. Escapes (``\\D``,
    ``\\W``...) keep their case; a pattern naming characters by number is
    left as it is.
    """
    if not pattern.flags & re.IGNORECASE or _NUMERIC_ESCAPE.search(pattern.pattern):
        return None
    parts = _ESCAPE.split(pattern.pattern)
    source = "".join(part if index % 2 else part.lower() for index, part in enumerate(parts))
    return re.compile(source, pattern.flags & ~re.IGNORECASE)


def lowered(text: str) -> str | None:
    """``text`` lower-cased, or None when that would move offsets (a few
    characters, such as the Turkish dotted I, lower-case to two)."""
    low = text.lower()
    return low if len(low) == len(text) else None

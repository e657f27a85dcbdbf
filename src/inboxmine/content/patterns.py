"""Compiling rule patterns once: word boundaries, one combined pattern per kind."""

from __future__ import annotations

import re
import re._constants as sre_constants
import re._parser as sre_parse

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
    characters a group name cannot). The word boundaries are checked once
    around all the groups, and when every fragment's first characters are
    known the pattern opens with a look-ahead for them: Python's ``re`` then
    skips the positions no rule can start at, several times faster on long
    texts, with the same matches.
    """
    parts, names, starts = [], {}, []
    for index, (key, fragments) in enumerate(groups.items()):
        checked = [_check(f, source, where.replace("*", str(key)), flags) for f in fragments or []]
        if not checked:
            continue
        name = f"g{index}"
        names[name] = key
        parts.append(f"(?P<{name}>{'|'.join(f'(?:{f})' for f in checked)})")
        starts += [first_chars(f, flags) for f in checked]
    if not parts:  # a pattern that never matches keeps callers free of None checks
        return re.compile(r"(?!x)x", flags), names
    body = "|".join(parts)
    if whole:
        return re.compile(f"^(?:{body})$", flags), names
    guard = "" if None in starts else "(?=[" + "".join(sorted(set().union(*starts))) + "])"
    return re.compile(f"{guard}{WORD_START}(?:{body}){WORD_END}", flags), names


_CATEGORIES = {
    sre_constants.CATEGORY_DIGIT: r"\d",
    sre_constants.CATEGORY_WORD: r"\w",
    sre_constants.CATEGORY_SPACE: r"\s",
}
_REPEATS = (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT)
_ZERO_WIDTH = (sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT)


def first_chars(fragment: str, flags: int = 0) -> set[str] | None:
    """The characters a match of ``fragment`` can start with, as character-class
    items (``a``, ``0-9``, ``\\d``); None when unknown (the fragment can match
    the empty string, or uses a construct this does not follow)."""
    try:
        return _firsts(list(sre_parse.parse(fragment, flags)))
    except (re.error, TypeError, ValueError):
        return None


def _class_char(code: int) -> str | None:
    char = chr(code)
    if not char.isprintable() or char.isspace() and char != " ":
        return None
    return "\\" + char if char in "\\]^-[" else char


def _firsts(items: list) -> set[str] | None:
    for position, (op, av) in enumerate(items):
        if op in _ZERO_WIDTH:
            continue
        if op is sre_constants.LITERAL:
            char = _class_char(av)
            return {char} if char else None
        if op is sre_constants.IN:
            return _class_items(av)
        if op is sre_constants.SUBPATTERN:
            _group, add_flags, del_flags, pattern = av
            return None if add_flags or del_flags else _firsts(list(pattern))
        if op is sre_constants.BRANCH:
            found: set[str] = set()
            for branch in av[1]:
                chars = _firsts(list(branch))
                if chars is None:
                    return None
                found |= chars
            return found
        if op in _REPEATS:
            low, _high, pattern = av
            chars = _firsts(list(pattern))
            if chars is None or low > 0:
                return chars
            rest = _firsts(items[position + 1 :])  # the repeat may be skipped
            return None if rest is None else chars | rest
        return None
    return None  # nothing consumed: the fragment can match the empty string


def _class_items(av: list) -> set[str] | None:
    found = set()
    for op, value in av:
        if op is sre_constants.LITERAL:
            char = _class_char(value)
        elif op is sre_constants.RANGE:
            low, high = _class_char(value[0]), _class_char(value[1])
            char = f"{low}-{high}" if low and high else None
        elif op is sre_constants.CATEGORY:
            char = _CATEGORIES.get(value)
        else:  # a negated class, and the like: anything may start
            return None
        if char is None:
            return None
        found.add(char)
    return found


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

"""Plain-text helpers shared by the content modules: lines, caps, quotes."""

from __future__ import annotations

import re

#: Most characters of text any content module looks at.
MAX_TEXT_CHARS = 300_000
#: Longest line matched against line rules (the rest of a line is not read).
MAX_LINE_CHARS = 1_000

# Only what changes: a run of two or more, or one tab-like character (a lone
# space is left alone, so ordinary text costs no replacement per word).
_HORIZONTAL_SPACE = re.compile(r"[^\S\n]{2,}|[^\S\n ]")
_LINE_BREAKS = re.compile(r"\r\n?|[\f\v\u2028\u2029\x85]")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")
# Zero-width characters that preheader padding and trackers sprinkle in text.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u2060-\u2064\ufeff]"
)


def normalize_lines(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """``text`` with runs of spaces collapsed, lines trimmed, at most one blank line.

    Form feeds (the block breaks of HTML conversion) and other line
    separators become newlines. Linear in the input; the input is capped.
    """
    text = _LINE_BREAKS.sub("\n", text[: limit * 2])
    text = _HORIZONTAL_SPACE.sub(" ", _INVISIBLE.sub("", text.replace("\u00a0", " ")))
    lines = [line.strip() for line in text.split("\n")]
    text = "\n".join(lines).strip()
    return _MANY_BLANK_LINES.sub("\n\n", text)[:limit]


def join_lines(lines: list[str], limit: int = MAX_TEXT_CHARS) -> str:
    """Lines of :func:`normalize_lines` output back into text, at most one blank
    line in a row (they need no normalising again)."""
    return _MANY_BLANK_LINES.sub("\n\n", "\n".join(lines).strip())[:limit]


def one_line(text: str, limit: int) -> str:
    """``text`` on one line, whitespace collapsed, at most ``limit`` characters."""
    return " ".join(_INVISIBLE.sub("", text[: limit * 4]).split())[:limit]


def quote_around(text: str, start: int, end: int, limit: int = 120) -> str:
    """The phrase around ``text[start:end]``: its sentence or line, at most ``limit`` chars."""
    line_start = text.rfind("\n", max(0, start - 400), start) + 1
    line_end = text.find("\n", end, end + 400)
    if line_end == -1:
        line_end = min(len(text), end + 400)
    # Prefer the sentence: cut at the nearest sentence end on either side.
    left = max(
        text.rfind(". ", line_start, start),
        text.rfind("! ", line_start, start),
        text.rfind("? ", line_start, start),
    )
    if left != -1:
        line_start = left + 2
    right_candidates = [
        i
        for i in (
            text.find(". ", end, line_end),
            text.find("! ", end, line_end),
            text.find("? ", end, line_end),
        )
        if i != -1
    ]
    if right_candidates:
        line_end = min(right_candidates) + 1
    phrase = one_line(text[line_start:line_end], 10_000)
    if len(phrase) <= limit:
        return phrase
    # Centre the window on the match.
    match = one_line(text[start:end], limit)
    offset = max(0, phrase.find(match) - (limit - len(match)) // 2)
    window = phrase[offset : offset + limit]
    return window.strip()

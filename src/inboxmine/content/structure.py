"""The parts of a message's text: its own words, the quoted reply, the signature, the footer.

Works on lines of normalised text (HTML quote containers are removed before
conversion, see :mod:`inboxmine.content.html`). Every line rule is matched
from the start of one line capped at :data:`MAX_LINE_CHARS`, so the work is
linear in the text whatever it holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from inboxmine.content.patterns import _check
from inboxmine.content.text import MAX_LINE_CHARS, join_lines, normalize_lines

#: body_clean is capped at this many characters.
MAX_BODY_CHARS = 100_000
MAX_PART_CHARS = 20_000


def _line_pattern(fragments: list[str], source: str, where: str) -> re.Pattern | None:
    checked = [_check(f, source, where, re.IGNORECASE) for f in fragments or []]
    return re.compile("|".join(f"(?:{f})" for f in checked), re.IGNORECASE) if checked else None


@dataclass(frozen=True)
class StructureRules:
    """Compiled line rules (picklable)."""

    quote_header: re.Pattern | None
    header_block_start: re.Pattern | None
    header_block_next: re.Pattern | None
    quote_prefix: str
    signature_delimiter: re.Pattern | None
    sign_off: re.Pattern | None
    max_lines_after_sign_off: int
    max_chars_after_sign_off: int
    footer_marker: re.Pattern | None
    footer_extend_up: re.Pattern | None
    footer_max_lines: int

    @classmethod
    def from_rules(cls, data: dict, source: str = "structure.yaml") -> StructureRules:
        quote = data["quote"]
        signature = data["signature"]
        footer = data["footer"]
        sign_offs = [
            _check(s, source, "signature.sign_offs", re.IGNORECASE) for s in signature["sign_offs"]
        ]
        sign_off = None
        if sign_offs:
            names = "|".join(f"(?:{s})" for s in sign_offs)
            # Alone on its line, or followed by a comma and a short name ("Best, Dana").
            sign_off = re.compile(
                rf"(?:{names})(?:[ ,.!]{{0,3}}|, ?[\w.'-]{{1,30}}(?: [\w.'-]{{1,30}})?)$",
                re.IGNORECASE,
            )
        one = [quote["header_block_start"]] if quote["header_block_start"] else []
        nxt = [quote["header_block_next"]] if quote["header_block_next"] else []
        return cls(
            quote_header=_line_pattern(quote["header_lines"], source, "quote.header_lines"),
            header_block_start=_line_pattern(one, source, "quote.header_block_start"),
            header_block_next=_line_pattern(nxt, source, "quote.header_block_next"),
            quote_prefix=str(quote["prefix"] or ">"),
            signature_delimiter=_line_pattern(
                signature["delimiters"], source, "signature.delimiters"
            ),
            sign_off=sign_off,
            max_lines_after_sign_off=int(signature["max_lines_after_sign_off"]),
            max_chars_after_sign_off=int(signature["max_chars_after_sign_off"]),
            footer_marker=_line_pattern(footer["markers"], source, "footer.markers"),
            footer_extend_up=_line_pattern(footer["extend_up"], source, "footer.extend_up"),
            footer_max_lines=int(footer["max_lines"]),
        )


@dataclass(slots=True)
class TextParts:
    """A message's text split into its parts (each whitespace-normalised)."""

    body: str = ""
    quoted: str = ""
    signature: str = ""
    footer: str = ""


def _matches(pattern: re.Pattern | None, line: str) -> bool:
    return pattern is not None and pattern.match(line[:MAX_LINE_CHARS]) is not None


def _quote_start(lines: list[str], rules: StructureRules) -> int | None:
    """Index of the line where the quoted message begins, if any."""
    for index, line in enumerate(lines):
        if not line:
            continue
        if _matches(rules.quote_header, line):
            return index
        # Gmail wraps long "On ... wrote:" lines in two.
        if (
            index + 1 < len(lines)
            and len(line) < 300
            and line[:3].lower() in ("on ", "am ", "le ", "el ", "op ", "il ")
            and _matches(rules.quote_header, f"{line} {lines[index + 1]}")
        ):
            return index
        if _matches(rules.header_block_start, line):
            following = lines[index + 1 : index + 4]
            if any(_matches(rules.header_block_next, other) for other in following):
                return index
    return None


def _footer_start(
    lines: list[str], rules: StructureRules, is_address: Callable[[str], bool] | None
) -> int | None:
    """Index of the first footer line: the highest marker among the last lines."""
    if len(lines) <= 3 or rules.footer_marker is None:
        return None
    first = max(0, len(lines) - rules.footer_max_lines)
    start = None
    for index in range(first, len(lines)):
        if _matches(rules.footer_marker, lines[index]):
            start = index
            break
    if start is None:
        return None
    # The footer's own lines often sit just above the first marker: the
    # postal address, separators, the row of social links.
    while start > 0:
        above = lines[start - 1]
        if (
            not above
            or _matches(rules.footer_extend_up, above)
            or (is_address is not None and is_address(above))
        ):
            start -= 1
        else:
            break
    return start


def _name_lines(name: str | None) -> set[str]:
    """Lines that are the sender signing: the full name or the first name alone."""
    words = (name or "").strip().strip("\"'").split()
    if not words or "@" in words[0]:
        return set()
    return {" ".join(words).lower(), words[0].lower()}


def _signature_start(
    lines: list[str], rules: StructureRules, sender_name: str | None = None
) -> int | None:
    """Index of the first signature line, or None.

    A delimiter ("-- ", "Sent from my iPhone") starts it wherever it is. A
    sign-off ("Best regards,") starts it only when little follows it, so an
    early "Thanks," followed by more paragraphs stays in the body.
    """
    for index, line in enumerate(lines):
        if index > 0 and _matches(rules.signature_delimiter, line):
            return index
    for index in range(len(lines) - 1, 0, -1):
        line = lines[index]
        if not line or len(line) > 80 or not _matches(rules.sign_off, line):
            continue
        rest = [other for other in lines[index + 1 :] if other]
        if (
            len(rest) <= rules.max_lines_after_sign_off
            and sum(map(len, rest)) <= rules.max_chars_after_sign_off
        ):
            return index
        break
    # No sign-off: the sender's own name on a line near the end starts it.
    names = _name_lines(sender_name)
    if names:
        tail = [i for i in range(len(lines)) if lines[i]][-(rules.max_lines_after_sign_off + 1) :]
        for index in tail:
            if index > 0 and lines[index].lower().rstrip(" ,.") in names:
                rest = [other for other in lines[index + 1 :] if other]
                if sum(map(len, rest)) <= rules.max_chars_after_sign_off:
                    return index
    return None


def split_text(
    text: str,
    rules: StructureRules,
    is_address: Callable[[str], bool] | None = None,
    sender_name: str | None = None,
) -> TextParts:
    """Split normalised text into body, quoted reply, signature and footer.

    Order: the quoted reply (from its header line down, and every ``>``
    line), then the footer (marker lines near the end, with the address and
    social row just above), then the signature in what is left.
    ``is_address(line)`` lets the footer take in a postal address line;
    ``sender_name`` on its own line near the end starts the signature when
    there is no sign-off.
    """
    parts = TextParts()
    lines = normalize_lines(text).split("\n")
    quoted: list[str] = []
    start = _quote_start(lines, rules)
    if start is not None:
        quoted = lines[start:]
        lines = lines[:start]
    own = []
    prefix = rules.quote_prefix
    for line in lines:
        if line.startswith(prefix):
            quoted.append(line)
        else:
            own.append(line)
    lines = own
    footer_at = _footer_start(lines, rules, is_address)
    if footer_at is not None:
        parts.footer = _join(lines[footer_at:], MAX_PART_CHARS)
        lines = lines[:footer_at]
    signature_at = _signature_start(lines, rules, sender_name)
    if signature_at is not None:
        parts.signature = _join(lines[signature_at:], MAX_PART_CHARS)
        lines = lines[:signature_at]
    parts.body = _join(lines, MAX_BODY_CHARS)
    parts.quoted = _join(quoted, MAX_PART_CHARS)
    return parts


def _join(lines: list[str], limit: int) -> str:
    return join_lines(lines, limit)

"""Who owes the next reply: the new words of a message, and the rules on them.

Pure functions; the phrase lists live in ``reply_rules.yaml`` next to this
module so they can be extended without touching code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources

import yaml

#: Characters of a body looked at (the new words come first).
MAX_ANALYSED_CHARS = 20_000

_ATTRIBUTION_START = re.compile(r"^\s*(on|am|le|el|il|op|em|den|dne)\b", re.IGNORECASE)
_ATTRIBUTION_END = re.compile(
    r"(wrote|schrieb|a écrit|escribió|ha scritto|schreef|escreveu|skrev|napsal)\s*:\s*$",
    re.IGNORECASE,
)
_OUTLOOK_FROM = re.compile(r"^\s*\**\s*(from|von|de|da|van)\s*:\**\s", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(
    r"^\s*\**\s*(sent|date|gesendet|datum|envoyé|enviado|inviato|to|an|subject|betreff)\s*:",
    re.IGNORECASE,
)
_HTML_QUOTES = (
    ".gmail_quote, blockquote, #divRplyFwdMsg, #appendonsend, .moz-cite-prefix, "
    ".yahoo_quoted, #mail-editor-reference-message-container, .protonmail_quote"
)


@dataclass(frozen=True)
class ReplyRules:
    question_phrases: tuple[str, ...]
    concluding_phrases: tuple[str, ...]
    last_lines: int
    quote_headers: tuple[re.Pattern, ...]
    signature_markers: tuple[re.Pattern, ...]

    # One alternation per list: a line is searched once, not once per phrase.
    @cached_property
    def question_re(self) -> re.Pattern:
        return _alternation(self.question_phrases)

    @cached_property
    def concluding_re(self) -> re.Pattern:
        return _alternation(self.concluding_phrases)

    @cached_property
    def cut_re(self) -> re.Pattern:
        patterns = [p.pattern for p in (*self.quote_headers, *self.signature_markers)]
        return re.compile("|".join(f"(?:{p})" for p in patterns) or r"(?!)", re.IGNORECASE)


def _alternation(phrases: tuple[str, ...]) -> re.Pattern:
    if not phrases:
        return re.compile(r"(?!)")  # matches nothing
    return re.compile("|".join(re.escape(p) for p in phrases))


@lru_cache(maxsize=1)
def load_reply_rules() -> ReplyRules:
    """The packaged rules (``reply_rules.yaml``)."""
    text = resources.files("inboxmine.sources").joinpath("reply_rules.yaml").read_text("utf-8")
    return rules_from_data(yaml.safe_load(text))


def rules_from_data(data: dict) -> ReplyRules:
    """Rules from plain data (the YAML file's shape)."""
    return ReplyRules(
        question_phrases=tuple(p.lower() for p in data.get("question_phrases", [])),
        concluding_phrases=tuple(p.lower() for p in data.get("concluding_phrases", [])),
        last_lines=int(data.get("last_lines", 4)),
        quote_headers=tuple(re.compile(p, re.IGNORECASE) for p in data.get("quote_headers", [])),
        signature_markers=tuple(
            re.compile(p, re.IGNORECASE) for p in data.get("signature_markers", [])
        ),
    )


def strip_quoted(text: str, rules: ReplyRules | None = None) -> str:
    """The new words of a plain-text reply: quoted text and signature removed.

    Cuts at an attribution line ("On Tue, ... John wrote:", also wrapped over
    up to three lines), an Outlook header block ("From: ... / Sent: ..."),
    "-----Original Message-----" and similar markers, or a signature
    delimiter; drops every line starting with ">".
    """
    rules = rules or load_reply_rules()
    lines = text[:MAX_ANALYSED_CHARS].replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith(">"):
            continue
        if _ATTRIBUTION_START.match(stripped) and any(
            _ATTRIBUTION_END.search(" ".join(s.strip() for s in lines[index : index + n]))
            for n in (1, 2, 3)
        ):
            break
        if _OUTLOOK_FROM.match(stripped) and any(
            _OUTLOOK_NEXT.match(following) for following in lines[index + 1 : index + 4]
        ):
            break
        if rules.cut_re.search(stripped):
            break
        kept.append(line)
    return "\n".join(kept).strip()


def html_new_text(html: str) -> str:
    """The visible new words of an HTML reply (quote containers removed)."""
    try:
        from selectolax.lexbor import LexborHTMLParser

        tree = LexborHTMLParser(html[: MAX_ANALYSED_CHARS * 5])
        for node in tree.css("script, style, head, title, " + _HTML_QUOTES):
            node.decompose()
        for node in tree.css("br"):
            node.replace_with("\n")
        body = tree.body or tree.root
        text = body.text(separator="\n") if body is not None else ""
    except Exception:
        text = re.sub(r"<[^>]+>", "\n", html)
    return re.sub(r"\n\s*\n+", "\n", text)


def new_text(body_text: str | None, body_html: str | None, rules: ReplyRules | None = None) -> str:
    """The new words of a message, from its text body, else its HTML body."""
    if body_text and body_text.strip():
        return strip_quoted(body_text, rules)
    if body_html:
        return strip_quoted(html_new_text(body_html), rules)
    return ""


def _lines(text: str) -> list[str]:
    return [line.strip().lower() for line in text.split("\n") if line.strip()]


def last_question_line(text: str, rules: ReplyRules | None = None) -> int:
    """Index (among non-empty lines) of the last line asking something, or -1."""
    rules = rules or load_reply_rules()
    found = -1
    for index, line in enumerate(_lines(text)):
        if line.endswith("?") or rules.question_re.search(line):
            found = index
    return found


def last_concluding_line(text: str, rules: ReplyRules | None = None) -> int:
    """Index of the last closing phrase within the last lines, or -1."""
    rules = rules or load_reply_rules()
    lines = _lines(text)
    first = max(0, len(lines) - rules.last_lines)
    found = -1
    for index in range(first, len(lines)):
        if rules.concluding_re.search(lines[index]):
            found = index
    return found


def awaiting_response_from(sent_by_user: bool, text: str, rules: ReplyRules | None = None) -> str:
    """``user``, ``other`` or ``none`` from the new words of a thread's last message.

    A question from someone else means the user owes a reply; a question from
    the user means the other side does; a closing phrase after the last
    question (or no question at all) means nobody does.
    """
    rules = rules or load_reply_rules()
    question = last_question_line(text, rules)
    if question < 0:
        return "none"
    if last_concluding_line(text, rules) > question:
        return "none"
    return "other" if sent_by_user else "user"

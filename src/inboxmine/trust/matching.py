"""Matching text fast: phrases as words, tries as regular expressions, brand tokens
with a letter missing. Used by :mod:`inboxmine.trust.rules` when compiling, and by
the signals when matching."""

from __future__ import annotations

import re
from typing import Any


def trie_source(words: list[str]) -> str:
    """A regex source matching any of ``words`` (literals), shaped as a trie.

    Spaces in a word match any run of whitespace. The longest word wins where
    one is a prefix of another.
    """
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = True

    def render(node: dict[str, Any]) -> str:
        end = "" in node
        branches = []
        for char in sorted(k for k in node if k):
            piece = r"\s+" if char == " " else re.escape(char)
            branches.append(piece + render(node[char]))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if end:
            return f"(?:{body})?"
        return body

    return render(trie) if trie else r"(?!x)x"


def normalise_phrase(text: str) -> str:
    """A matched phrase as the rules list it: lower case, single spaces."""
    return " ".join(text.lower().split())


#: Bytes that separate words for phrase matching (punctuation; ' - + % $ stay
#: inside words: "you've", "sign-in", "18+", "100%").
_BREAK_CHARS = b'!"#&()*,./:;<=>?@[\\]^_`{|}~'
WORD_BREAKS = bytes.maketrans(_BREAK_CHARS, b" " * len(_BREAK_CHARS))


def phrase_words(text: str) -> list[bytes]:
    """The words of ``text`` (lower case already) as phrase matching cuts them."""
    return text.replace("\u2019", "'").encode("utf-8", "replace").translate(WORD_BREAKS).split()


#: Words too common to anchor a phrase on (they are in nearly every message).
COMMON_WORDS = frozenset(
    b"""a about all an and any are as at be been below by can click do dear for free from
    get has have here if in is it its me more my new no not now of on only or our out
    per see so than that the this to up us we will with within you you're you've your
    find please account money""".split()
)


def anchor_position(words: list[bytes]) -> int:
    """The position of a phrase's rarest word: its longest uncommon one."""
    ranked = sorted(range(len(words)), key=lambda i: (words[i] in COMMON_WORDS, -len(words[i]), i))
    return ranked[0]


#: Shortest brand token that still reads as the brand with one letter missing
#: ("microsft"); shorter ones would hit ordinary words ("icloud" -> "cloud").
MIN_FUZZY_TOKEN = 7


def one_letter_missing(by_token: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for token, brand in by_token.items():
        if len(token) >= MIN_FUZZY_TOKEN:
            for i in range(len(token)):
                out.setdefault(token[:i] + token[i + 1 :], brand)
    return out

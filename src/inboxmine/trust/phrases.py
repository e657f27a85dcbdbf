"""Known spam phrases and the tricks spam plays with its subject line.

The subject and the visible text (lower-cased, bounded by ``scan.text_chars``)
are cut into words once; phrases are looked up by their rarest word (see
:mod:`inboxmine.trust.rules`), so the cost is one pass over the words,
whatever the number of phrases.
"""

from __future__ import annotations

import re
import unicodedata

from inboxmine.trust.facts import MessageFacts
from inboxmine.trust.matching import normalise_phrase, phrase_words
from inboxmine.trust.rules import TrustRules
from inboxmine.trust.signal import Signal, fire

#: Distinct phrases kept as evidence per family.
MAX_EVIDENCE_PHRASES = 4

_MONEY_RUN = re.compile(r"[$€£]{3,}|!{3,}|\?{3,}|[$€£]\d[\d,.]*\s*!{2,}")
_TOKEN = re.compile(r"[A-Za-z0-9]{7,24}")
_LETTERS = re.compile(r"[^\W\d_]")
_SYMBOL_CATEGORIES = frozenset({"So", "Sk", "Cs", "Co"})


def phrase_signals(facts: MessageFacts, rules: TrustRules) -> list[Signal]:
    """One signal per phrase family found, weighted by its distinct phrases."""
    hits: dict[str, list[str]] = {}
    text = facts.text
    words = phrase_words(text)
    present = rules.phrase_anchors.keys() & words
    if present:
        joined = b" " + b" ".join(words) + b" "
        for anchor in present:
            for phrase_bytes, phrase in rules.phrase_anchors[anchor]:
                if phrase_bytes is None or phrase_bytes in joined:
                    found = hits.setdefault(rules.phrase_family[phrase], [])
                    if phrase not in found:
                        found.append(phrase)
    for name, family in rules.families.items():
        if family.pattern is not None:
            match = family.pattern.search(text)
            if match:
                hits.setdefault(name, []).append(normalise_phrase(match.group())[:60])
    signals = []
    for name, phrases in hits.items():
        family = rules.families[name]
        weight = min(family.max, family.weight + family.per_extra * (len(phrases) - 1))
        signals.append(
            Signal(
                f"{name}_phrases",
                weight,
                f"{len(phrases)} {name.replace('_', ' ')} phrase(s)",
                ", ".join(repr(p) for p in phrases[:MAX_EVIDENCE_PHRASES]),
                family.kind,
            )
        )
    return signals


def _is_symbol(char: str) -> bool:
    return ord(char) > 0x2000 and unicodedata.category(char) in _SYMBOL_CATEGORIES


def _emoji_run(subject: str) -> str | None:
    run = 0
    for index, char in enumerate(subject):
        if _is_symbol(char):
            run += 1
            if run >= 3:
                return subject[max(0, index - 5) : index + 1]
        elif char not in " \ufe0f\u200d":
            run = 0
    return None


def _random_token(subject: str) -> str | None:
    """A token mixing letters and digits with no pattern a person would type:
    ``x7Kq9PzL``; not ``MP3``, ``Order 123456`` or ``ABC-2024``."""
    for match in _TOKEN.finditer(subject):
        token = match.group()
        digits = sum(c.isdigit() for c in token)
        letters = len(token) - digits
        if digits < 2 or letters < 3:
            continue
        # Changes between letter and digit, and between cases: noise has many.
        flips = sum(
            1
            for a, b in zip(token, token[1:], strict=False)
            if a.isdigit() != b.isdigit()
            or (a.isalpha() and b.isalpha() and a.isupper() != b.isupper())
        )
        if flips >= 4:
            return token
    return None


def subject_signals(facts: MessageFacts, rules: TrustRules) -> list[Signal]:
    """Capitals, emoji runs, $$$ and !!!, random tokens, and Re: without a thread."""
    subject = facts.subject.strip()
    if not subject:
        return []
    found = []
    letters = _LETTERS.findall(subject) if len(subject) >= 12 else ()
    if len(letters) >= 12 and sum(c.isupper() for c in letters) / len(letters) >= 0.8:
        found.append(fire(rules, "subject_all_caps", subject[:80]))
    run = None if subject.isascii() else _emoji_run(subject)
    if run:
        found.append(fire(rules, "subject_emoji_run", run))
    money = _MONEY_RUN.search(subject)
    if money:
        found.append(fire(rules, "subject_money_symbols", money.group()))
    token = _random_token(subject)
    if token:
        found.append(fire(rules, "subject_random_token", token))
    low = subject[:8].lower()
    if low.startswith(("re:", "re :", "fwd:", "fw:")) and not (
        # (Outlook threads by Thread-Index, sometimes without In-Reply-To)
        facts.header("in-reply-to")
        or facts.header("references")
        or facts.header("thread-index")
        or facts.is_list
    ):
        found.append(fire(rules, "fake_reply", subject[:80]))
    return found

"""The optional spaCy layer: named entities the rules cannot see.

spaCy is an extra (``pip install inboxmine[nlp]``). When it or its model is
missing, or fails to load (a Python version it does not support), the model
loader returns the reason in words a user can act on, the stage says it once
and extracts with rules only, and marks those messages ``partial`` so they
are extracted again once the model loads - never silently "done".
"""

from __future__ import annotations

import re

from inboxmine.entities.base import (
    MAX_SIGNATURE_CHARS,
    Entity,
    MessageText,
    clip,
    context_window,
    squash,
)
from inboxmine.entities.dates import explicit_date
from inboxmine.entities.money import find_money
from inboxmine.entities.orgs import org_key
from inboxmine.entities.rules import EntityRules
from inboxmine.entities.signature import same_person

MAX_NER_ENTITIES = 60
#: Pipes NER does not need; disabling them roughly halves the time.
_UNUSED_PIPES = ("parser", "lemmatizer", "tagger", "attribute_ruler", "senter")
_LOADED: dict[str, tuple[object | None, str | None]] = {}


def load_model(name: str, retry_failed: bool = False) -> tuple[object | None, str | None]:
    """``(nlp, None)`` when the model loads, else ``(None, why)``; cached per process.

    ``retry_failed`` tries again after an earlier failure (once per run: the
    model may have been installed since)."""
    if retry_failed and name in _LOADED and _LOADED[name][0] is None:
        del _LOADED[name]
    if name not in _LOADED:
        _LOADED[name] = _load(name)
    return _LOADED[name]


def forget_models() -> None:
    """Drop cached models and failures (after installing spaCy in a running process)."""
    _LOADED.clear()


def _load(name: str) -> tuple[object | None, str | None]:
    fallback = "extracting with rules only; these messages are extracted again once it loads"
    try:
        import spacy
    except Exception as exc:  # ImportError, or a broken install that raises anything
        reason = (
            "is not installed" if isinstance(exc, ImportError) else f"cannot be imported ({exc})"
        )
        return None, f"spaCy {reason}: `pip install inboxmine[nlp]` - {fallback}"
    try:
        nlp = spacy.load(name, disable=[p for p in _UNUSED_PIPES])
    except OSError as exc:
        if "E050" in str(exc) or "Can't find model" in str(exc):
            return None, (
                f"spaCy model {name} is not installed: `pip install inboxmine[nlp]` "
                f"(or set entities.spacy_model) - {fallback}"
            )
        return None, f"spaCy model {name} failed to load ({exc}) - {fallback}"
    except Exception as exc:
        return None, (
            f"spaCy model {name} failed to load ({exc.__class__.__name__}: {exc}); "
            f"check that spaCy supports this Python - {fallback}"
        )
    if "ner" not in getattr(nlp, "pipe_names", ()):
        return None, f"spaCy model {name} has no named-entity recognizer (ner) - {fallback}"
    return nlp, None


def find_named_entities(
    nlp, message: MessageText, rules: EntityRules, known: list[Entity]
) -> list[Entity]:
    """People, organizations, money and dates spaCy finds that the rules did not,
    in the signature and as much of the body as ``rules.ner`` says (none of a
    bulk message's by default)."""
    names = [e.entity_value for e in known if e.entity_type == "person"]
    orgs = {e.entity_normalized for e in known if e.entity_type == "organization"}
    amounts = {(e.amount, e.currency) for e in known if e.entity_type == "money"}
    days = {e.date_value for e in known if e.entity_type == "date"}
    found: list[Entity] = []
    for text, source, confidence in (
        (clip(message.body, rules.ner.body_chars(message.is_bulk)), "body", 0.8),
        (
            None if message.is_sent else clip(message.signature, MAX_SIGNATURE_CHARS),
            "signature",
            0.9,
        ),
    ):
        if not text or not text.strip():
            continue
        for ent in nlp(text).ents:
            value = squash(ent.text)
            if not value:
                continue
            context = context_window(text, ent.start_char, ent.end_char)
            entity = None
            if ent.label_ == "PERSON":
                # One capitalised word is too often a greeting or an imperative
                # ("Hi Alex", "Hurry - ..."); a known correspondent is not new.
                if len(value.split()) < 2 or any(same_person(value, n) for n in names):
                    continue
                names.append(value)
                entity = Entity("person", value, source, confidence)
            elif ent.label_ == "ORG":
                key = org_key(value, rules.orgs)
                if not key or key in orgs or _not_an_org(value, rules):
                    continue
                orgs.add(key)
                entity = Entity("organization", value, source, confidence, entity_normalized=key)
            elif ent.label_ == "MONEY" and source == "body":
                for money in find_money(rules.money, value, source):
                    if (money.amount, money.currency) in amounts:
                        continue
                    amounts.add((money.amount, money.currency))
                    money.confidence, money.extractor, money.context = confidence, "spacy", context
                    found.append(money)
                    break
                continue
            elif ent.label_ == "DATE" and source == "body":
                day = explicit_date(value)
                if day is None or day in days:
                    continue
                days.add(day)
                sent_day = message.reference_time().date()
                entity = Entity(
                    "date",
                    value,
                    source,
                    confidence,
                    entity_normalized=day.isoformat(),
                    date_value=day,
                    is_future=day > sent_day,
                )
            if entity is not None:
                entity.extractor = "spacy"
                entity.context = context
                found.append(entity)
            if len(found) >= MAX_NER_ENTITIES:
                return found
    return found


_DIGITS = re.compile(r"\d{3}")


def _not_an_org(value: str, rules: EntityRules) -> bool:
    """Small-model mistakes: a job title ("Account Executive") or a reference
    number ("Invoice INV-85382") tagged as an organization."""
    if _DIGITS.search(value):
        return True
    if rules.signature.title_pattern.fullmatch(value):
        return True
    return all(rules.signature.title_pattern.fullmatch(w) for w in value.split())

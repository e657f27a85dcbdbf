"""``rules/trust.yaml`` compiled once per run into plain, picklable structures.

Speed is the point of the shapes chosen here. Phrases are matched on words,
not with a regular expression: the text is cut into words once (in C: bytes
``translate`` and ``split``), a set test says whether the rarest word of any
phrase (its *anchor*: "suspended" in "your account has been suspended") is
there at all - for most mail none is - and only there are the phrases
compared, as a substring of the words joined by single spaces. A few hundred
phrases cost about one pass over the words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from inboxmine.rules.loader import RulesError, load_rules
from inboxmine.trust.matching import (
    anchor_position,
    normalise_phrase,
    one_letter_missing,
    phrase_words,
    trie_source,
)

SOURCE = "trust.yaml"
KINDS = frozenset({"phishing", "spam", "fraud", "spoofing", "server", "trust"})


@dataclass(frozen=True, slots=True)
class SignalRule:
    weight: float
    kind: str
    detail: str


@dataclass(frozen=True, slots=True)
class PhraseFamily:
    name: str
    kind: str
    weight: float
    per_extra: float
    max: float
    #: Regular expressions of the family (for what a literal cannot say), or None.
    pattern: re.Pattern | None = None


@dataclass(frozen=True, slots=True)
class Brand:
    name: str
    domains: frozenset[str]
    tokens: tuple[str, ...]


@dataclass(frozen=True)
class TrustRules:
    """Everything :func:`inboxmine.trust.assess.assess` needs, compiled."""

    text_chars: int
    html_chars: int
    max_links: int
    suspicious: float
    spam: float
    phishing_weight: float
    signals: dict[str, SignalRule]
    families: dict[str, PhraseFamily]
    #: The rarest word of a phrase -> [(the phrase's words joined by spaces,
    #: with a space either side - None for a one-word phrase -, the phrase)].
    phrase_anchors: dict[bytes, list[tuple[bytes | None, str]]]
    phrase_family: dict[str, str]
    brands: dict[str, Brand]
    brand_names: re.Pattern
    brand_by_name: dict[str, str]
    brand_by_token: dict[str, str]
    #: Any brand token anywhere in a string (lookalike domains).
    brand_tokens: re.Pattern
    brand_by_domain: dict[str, str]
    service_words: frozenset[str]
    #: Brand tokens that are also ordinary words (apple, chase, ledger ...).
    common_word_tokens: frozenset[str]
    shorteners: frozenset[str]
    dangerous_ext: frozenset[str]
    html_ext: frozenset[str]
    lure_ext: frozenset[str]
    decoy_ext: frozenset[str]
    junk_folders: frozenset[str]
    auto_local_parts: frozenset[str]
    auto_subjects: re.Pattern
    auto_submitted_human: frozenset[str]
    auto_headers: tuple[str, ...]
    auto_precedence: frozenset[str]
    auto_content_types: tuple[str, ...]
    #: Link hosts of ESP click tracking (from esp.yaml): never a deceptive link.
    tracking_hosts: frozenset[str] = field(default_factory=frozenset)
    #: Long brand tokens with one letter missing -> the brand (``microsft``).
    token_deletions: dict[str, str] = field(default_factory=dict)
    #: Domain -> lookalike verdict, filled as messages are read (domains repeat).
    memo: dict = field(default_factory=dict, compare=False, repr=False)


def _fail(where: str, problem: str) -> RulesError:
    return RulesError(f"{SOURCE}: {where}: {problem} - fix it in your rules_dir copy of {SOURCE}")


def _words(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(where, "must be a list of non-empty strings")
    return [normalise_phrase(v) for v in value]


def _number(section: Mapping[str, Any], key: str, where: str, default: float | None = None):
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(f"{where}.{key}", f"{value!r} is not a number")
    return float(value)


def _signals(raw: Any) -> dict[str, SignalRule]:
    if not isinstance(raw, Mapping):
        raise _fail("signals", "must map each signal to {weight, kind, detail}")
    out = {}
    for name, spec in raw.items():
        if not isinstance(spec, Mapping):
            raise _fail(f"signals.{name}", "must be a mapping like {weight: 10, kind: spam}")
        kind = spec.get("kind", "spam")
        if kind not in KINDS:
            raise _fail(f"signals.{name}.kind", f"{kind!r} is not one of {sorted(KINDS)}")
        out[str(name)] = SignalRule(
            _number(spec, "weight", f"signals.{name}"), kind, str(spec.get("detail") or name)
        )
    return out


def _families(raw: Any) -> tuple[dict[str, PhraseFamily], dict, dict[str, str]]:
    if not isinstance(raw, Mapping):
        raise _fail("phrases", "must map each family to its phrases")
    families, owner = {}, {}
    for name, spec in raw.items():
        where = f"phrases.{name}"
        if not isinstance(spec, Mapping):
            raise _fail(where, "must be a mapping with weight and phrases")
        kind = spec.get("kind", "spam")
        if kind not in KINDS:
            raise _fail(f"{where}.kind", f"{kind!r} is not one of {sorted(KINDS)}")
        pattern = None
        sources = spec.get("patterns") or []
        if not isinstance(sources, list) or not all(isinstance(s, str) and s for s in sources):
            raise _fail(f"{where}.patterns", "must be a list of regular expressions")
        if sources:
            try:
                pattern = re.compile("|".join(f"(?:{s})" for s in sources))
            except re.error as exc:
                raise _fail(f"{where}.patterns", f"not a valid regular expression ({exc})") from exc
        weight = _number(spec, "weight", where)
        families[str(name)] = PhraseFamily(
            str(name),
            kind,
            weight,
            _number(spec, "per_extra", where, weight / 2),
            _number(spec, "max", where, weight * 2),
            pattern,
        )
        for phrase in _words(spec.get("phrases"), f"{where}.phrases"):
            owner.setdefault(phrase, str(name))
    anchors: dict[bytes, list[tuple[bytes | None, str]]] = {}
    for phrase in owner:
        words = phrase_words(phrase)
        if words:
            joined = b" " + b" ".join(words) + b" " if len(words) > 1 else None
            anchors.setdefault(words[anchor_position(words)], []).append((joined, phrase))
    return families, anchors, owner


def _brands(raw: Any) -> tuple[dict[str, Brand], dict[str, str], dict[str, str], dict[str, str]]:
    if not isinstance(raw, Mapping):
        raise _fail("brands", "must map each brand to {names, domains, tokens}")
    brands, by_name, by_token, by_domain = {}, {}, {}, {}
    for key, spec in raw.items():
        where = f"brands.{key}"
        if not isinstance(spec, Mapping):
            raise _fail(where, "must be a mapping with names and domains")
        domains = _words(spec.get("domains"), f"{where}.domains")
        if not domains:
            raise _fail(f"{where}.domains", "list at least one domain that is really the brand")
        tokens = tuple(_words(spec.get("tokens"), f"{where}.tokens"))
        brands[str(key)] = Brand(str(key), frozenset(domains), tokens)
        for name in _words(spec.get("names"), f"{where}.names"):
            by_name.setdefault(name, str(key))
        for token in tokens:
            by_token.setdefault(token, str(key))
        for domain in domains:
            by_domain.setdefault(domain, str(key))
    return brands, by_name, by_token, by_domain


def compile_trust_rules(raw: Any, tracking_hosts: frozenset[str] = frozenset()) -> TrustRules:
    """Compile the loaded ``trust.yaml``; raises :class:`RulesError` naming what is wrong."""
    if not isinstance(raw, Mapping):
        raise _fail("top level", "must be a mapping")
    scan = raw.get("scan") or {}
    thresholds = raw.get("thresholds") or {}
    families, anchors, owner = _families(raw.get("phrases") or {})
    brands, by_name, by_token, by_domain = _brands(raw.get("brands") or {})
    attachments = raw.get("attachments") or {}
    automated = raw.get("automated") or {}
    rules = TrustRules(
        text_chars=int(_number(scan, "text_chars", "scan", 8000)),
        html_chars=int(_number(scan, "html_chars", "scan", 24000)),
        max_links=int(_number(scan, "max_links", "scan", 60)),
        suspicious=_number(thresholds, "suspicious", "thresholds", 25),
        spam=_number(thresholds, "spam", "thresholds", 50),
        phishing_weight=_number(thresholds, "phishing_weight", "thresholds", 30),
        signals=_signals(raw.get("signals") or {}),
        families=families,
        phrase_anchors=anchors,
        phrase_family=owner,
        brands=brands,
        brand_names=re.compile(f"(?<!\\w)(?:{trie_source(sorted(by_name))})(?!\\w)"),
        brand_by_name=by_name,
        brand_by_token=by_token,
        brand_tokens=re.compile(trie_source(sorted(by_token))),
        brand_by_domain=by_domain,
        service_words=frozenset(_words(raw.get("brand_service_words"), "brand_service_words")),
        common_word_tokens=frozenset(_words(raw.get("brand_common_words"), "brand_common_words")),
        shorteners=frozenset(_words(raw.get("shorteners"), "shorteners")),
        dangerous_ext=frozenset(_words(attachments.get("dangerous"), "attachments.dangerous")),
        html_ext=frozenset(_words(attachments.get("html"), "attachments.html")),
        lure_ext=frozenset(_words(attachments.get("lure_carriers"), "attachments.lure_carriers")),
        decoy_ext=frozenset(
            _words(attachments.get("decoy_extensions"), "attachments.decoy_extensions")
        ),
        junk_folders=frozenset(_words(raw.get("junk_folders"), "junk_folders")),
        auto_local_parts=frozenset(_words(automated.get("local_parts"), "automated.local_parts")),
        auto_subjects=re.compile(
            trie_source(sorted(_words(automated.get("subjects"), "automated.subjects")))
        ),
        auto_submitted_human=frozenset(
            _words(automated.get("auto_submitted_human"), "automated.auto_submitted_human")
        ),
        auto_headers=tuple(_words(automated.get("headers"), "automated.headers")),
        auto_precedence=frozenset(_words(automated.get("precedence"), "automated.precedence")),
        auto_content_types=tuple(_words(automated.get("content_types"), "automated.content_types")),
        tracking_hosts=tracking_hosts,
        token_deletions=one_letter_missing(by_token),
    )
    missing = REQUIRED_SIGNALS - rules.signals.keys()
    if missing:
        raise _fail("signals", f"missing {', '.join(sorted(missing))}")
    return rules


#: Signals the code emits; each needs a weight in the rules.
REQUIRED_SIGNALS = frozenset(
    {
        "dmarc_fail",
        "dmarc_fail_enforced",
        "spf_fail",
        "spf_softfail",
        "dkim_fail",
        "unaligned_authentication",
        "authenticated_sender",
        "reply_to_other_domain",
        "reply_to_freemail",
        "brand_impersonation",
        "brand_on_freemail",
        "lookalike_domain",
        "punycode_domain",
        "link_text_mismatch",
        "brand_link_mismatch",
        "list_link_mismatch",
        "raw_ip_link",
        "punycode_link",
        "url_shortener",
        "dangerous_attachment",
        "html_attachment",
        "lure_with_attachment",
        "subject_all_caps",
        "subject_emoji_run",
        "subject_money_symbols",
        "subject_random_token",
        "fake_reply",
        "server_spam_flag",
        "server_spam_score",
        "microsoft_spam",
        "microsoft_phish",
        "junk_folder",
    }
)


def load_trust_rules(rules_dir=None, tracking_hosts: frozenset[str] = frozenset()) -> TrustRules:
    """``trust.yaml`` (with the user's copy merged in), compiled."""
    return compile_trust_rules(load_rules(SOURCE, rules_dir), tracking_hosts)

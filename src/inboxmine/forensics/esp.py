"""Which email service provider (ESP) sent a message, and why we think so.

The rules (``rules/esp.yaml``) are compiled once into lookup tables, so one
message costs a few dict lookups per host it mentions rather than a scan of
every rule. Matching collects evidence per ESP; the winner is the ESP of the
highest tier with strong evidence (a platform sending through Amazon SES is
the platform), then the one with the most kinds of strong evidence. Its
confidence follows from its evidence. Unknown stays unknown: no signal, no ESP.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from inboxmine.forensics.domains import host_suffixes, in_domain
from inboxmine.rules.loader import RulesError
from inboxmine.rules.models.forensics import EspSpec

#: Signals matched on hosts found in the headers (the ``domains`` shorthand).
HEADER_HOST_SIGNALS = (
    "return_path",
    "dkim_domain",
    "received_host",
    "message_id_domain",
    "list_unsubscribe_host",
    "list_id",
)
HOST_SIGNALS = (*HEADER_HOST_SIGNALS, "link_domain")
#: Signals the code computes for the sender's own mail server.
OWN_SIGNALS = ("dkim_aligned", "sending_host_own", "message_id_own")
ALL_SIGNALS = (*HOST_SIGNALS, "header", "feedback_id", "x_mailer", *OWN_SIGNALS)

#: The keys of one ESP rule, as rules/models/forensics.py declares them.
_RULE_KEYS = frozenset(EspSpec.model_fields)
_KEY = re.compile(r"[a-z0-9_]{1,64}")
#: Evidence entries kept per ESP (a message can mention a host many times).
MAX_EVIDENCE = 16


@dataclass(frozen=True)
class EspRules:
    """Compiled ESP rules: plain dicts and tuples, cheap to pickle to workers."""

    names: dict[str, str]
    tiers: dict[str, int]
    order: dict[str, int]
    strong: frozenset[str]
    skip_for_freemail: frozenset[str]
    own_key: str | None
    hosts: dict[str, dict[str, tuple[str, ...]]]
    host_prefixes: dict[str, tuple[tuple[str, str], ...]]
    headers: dict[str, tuple[str, ...]]
    feedback_ids: dict[str, tuple[str, ...]]
    x_mailer_terms: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class EspMatch:
    """The ESP identified for one message (``esp`` None when unknown)."""

    esp: str | None
    confidence: str | None  # high | medium | low
    evidence: list[dict[str, str]] = field(default_factory=list)
    #: A relay or mailbox provider that carried the mail for the platform, if any.
    infrastructure: str | None = None


def _as_list(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RulesError(f"esp.yaml: {where} must be a list of strings, got {value!r}")
    return [v.strip().lower() for v in value if v.strip()]


def compile_rules(raw: Mapping[str, Any]) -> EspRules:
    """Turn the loaded ``esp.yaml`` into lookup tables; raise RulesError if it is unusable."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("esps"), Mapping):
        raise RulesError("esp.yaml: the top-level key `esps` (a mapping of ESP rules) is missing")
    tier_ranks = raw.get("tiers") or {"platform": 3, "relay": 2, "mailbox": 1, "own": 0}
    strengths = raw.get("signals") or {}
    unknown = set(strengths) - set(ALL_SIGNALS)
    if unknown:
        raise RulesError(
            f"esp.yaml: unknown signal(s) {sorted(unknown)} under `signals`; "
            f"known signals: {', '.join(ALL_SIGNALS)}"
        )
    strong = frozenset(s for s in ALL_SIGNALS if strengths.get(s, "strong") == "strong")

    names: dict[str, str] = {}
    tiers: dict[str, int] = {}
    order: dict[str, int] = {}
    skip: set[str] = set()
    hosts: dict[str, dict[str, list[str]]] = {s: {} for s in HOST_SIGNALS}
    prefixes: dict[str, list[tuple[str, str]]] = {s: [] for s in HOST_SIGNALS}
    headers: dict[str, list[str]] = {}
    feedback: dict[str, list[str]] = {}
    terms: list[tuple[str, str]] = []

    def add_host(signal: str, value: str, key: str) -> None:
        if value.endswith("*"):
            prefixes[signal].append((value[:-1], key))
        else:
            bucket = hosts[signal].setdefault(value.strip("."), [])
            if key not in bucket:
                bucket.append(key)

    for position, (key, rule) in enumerate(raw["esps"].items()):
        where = f"ESP {key!r}"
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise RulesError(f"esp.yaml: ESP key {key!r} must be lower-case letters, digits or _")
        if not isinstance(rule, Mapping):
            raise RulesError(f"esp.yaml: {where} must be a mapping of signals")
        extra = set(rule) - _RULE_KEYS
        if extra:
            raise RulesError(
                f"esp.yaml: {where} has unknown key(s) {sorted(extra)}; "
                f"use {', '.join(sorted(_RULE_KEYS))}"
            )
        tier = rule.get("tier", "platform")
        if tier not in tier_ranks:
            raise RulesError(
                f"esp.yaml: {where} has tier {tier!r}; choose one of {', '.join(tier_ranks)}"
            )
        names[key] = str(rule.get("name") or key)
        tiers[key] = int(tier_ranks[tier])
        order[key] = position
        if rule.get("skip_for_freemail"):
            skip.add(key)
        for value in _as_list(rule.get("domains"), f"{where} domains"):
            for signal in HEADER_HOST_SIGNALS:
                add_host(signal, value, key)
        for signal in HEADER_HOST_SIGNALS:
            for value in _as_list(rule.get(signal), f"{where} {signal}"):
                add_host(signal, value, key)
        for value in _as_list(rule.get("links"), f"{where} links"):
            add_host("link_domain", value, key)
        for value in _as_list(rule.get("headers"), f"{where} headers"):
            headers.setdefault(value, []).append(key)
        for value in _as_list(rule.get("feedback_id"), f"{where} feedback_id"):
            feedback.setdefault(value, []).append(key)
        for value in _as_list(rule.get("x_mailer"), f"{where} x_mailer"):
            terms.append((value, key))

    own_key = raw.get("own_infrastructure")
    if own_key is not None and own_key not in names:
        raise RulesError(
            f"esp.yaml: own_infrastructure names {own_key!r}, which is not an ESP under `esps`"
        )
    return EspRules(
        names=names,
        tiers=tiers,
        order=order,
        strong=strong,
        skip_for_freemail=frozenset(skip),
        own_key=own_key,
        hosts={s: {h: tuple(k) for h, k in table.items()} for s, table in hosts.items()},
        host_prefixes={s: tuple(p) for s, p in prefixes.items()},
        headers={h: tuple(k) for h, k in headers.items()},
        feedback_ids={f: tuple(k) for f, k in feedback.items()},
        x_mailer_terms=tuple(terms),
    )


@dataclass(slots=True)
class Observed:
    """What one message shows that ESP rules can match (all values lower-case)."""

    hosts: dict[str, list[str]] = field(default_factory=dict)  # signal -> hosts
    header_names: Iterable[str] = ()
    feedback_id: str | None = None  # the sender-id field of Feedback-ID
    x_mailer: str | None = None
    own: list[tuple[str, str]] = field(default_factory=list)  # (own signal, value)


class _Evidence:
    __slots__ = ("by_esp",)

    def __init__(self) -> None:
        self.by_esp: dict[str, list[dict[str, str]]] = {}

    def add(self, esp: str, signal: str, value: str) -> None:
        entries = self.by_esp.setdefault(esp, [])
        entry = {"signal": signal, "value": value[:200]}
        if len(entries) < MAX_EVIDENCE and entry not in entries:
            entries.append(entry)


def _match_hosts(
    rules: EspRules, observed: Observed, own_domain: str | None, evidence: _Evidence
) -> None:
    for signal, values in observed.hosts.items():
        table = rules.hosts.get(signal, {})
        starts = rules.host_prefixes.get(signal, ())
        for host in values:
            for suffix in host_suffixes(host):
                keys = table.get(suffix)
                # The sender's own domain is no evidence of an ESP by itself.
                if keys and not in_domain(own_domain, suffix):
                    for key in keys:
                        evidence.add(key, signal, host)
            for prefix, key in starts:
                if host.startswith(prefix):
                    evidence.add(key, signal, host)


def _confidence(entries: list[dict[str, str]], strong: frozenset[str]) -> str:
    kinds = {e["signal"] for e in entries if e["signal"] in strong}
    if len(kinds) >= 2:
        return "high"
    return "medium" if kinds else "low"


def identify_esp(
    observed: Observed,
    rules: EspRules,
    own_domain: str | None,
    is_freemail: bool,
    own_infrastructure: bool,
) -> EspMatch:
    """The ESP that sent the message, with its evidence and confidence.

    ``own_domain`` is the sender's registered domain (never evidence by itself);
    ``own_infrastructure`` says the message came from the sender's own server,
    whose signals are in ``observed.own``; ``is_freemail`` drops the mailbox
    providers marked ``skip_for_freemail``.
    """
    evidence = _Evidence()
    _match_hosts(rules, observed, own_domain, evidence)
    for name in observed.header_names:
        for key in rules.headers.get(name, ()):
            evidence.add(key, "header", name)
    if observed.feedback_id:
        for key in rules.feedback_ids.get(observed.feedback_id, ()):
            evidence.add(key, "feedback_id", observed.feedback_id)
    if observed.x_mailer:
        for term, key in rules.x_mailer_terms:
            if term in observed.x_mailer:
                evidence.add(key, "x_mailer", observed.x_mailer)
    own_key = rules.own_key
    if own_key:
        if own_infrastructure:
            for signal, value in observed.own:
                evidence.add(own_key, signal, value)
        else:
            # A mailer name alone does not make a mail server the sender's own.
            evidence.by_esp.pop(own_key, None)
    if is_freemail:
        for key in rules.skip_for_freemail:
            evidence.by_esp.pop(key, None)
    if not evidence.by_esp:
        return EspMatch(None, None)

    strong = rules.strong

    def rank(key: str) -> tuple:
        entries = evidence.by_esp[key]
        kinds = {e["signal"] for e in entries if e["signal"] in strong}
        weak = len(entries) - sum(1 for e in entries if e["signal"] in strong)
        # Strong evidence first, then the more specific tier, then how much
        # independent evidence, then the order of the rules file.
        return (bool(kinds), rules.tiers.get(key, 0), len(kinds), weak, -rules.order.get(key, 0))

    ranked = sorted(evidence.by_esp, key=rank, reverse=True)
    winner = ranked[0]
    entries = evidence.by_esp[winner]
    infrastructure = next(
        (
            key
            for key in ranked[1:]
            if key != own_key
            and rules.tiers.get(key, 0) < rules.tiers.get(winner, 0)
            and _confidence(evidence.by_esp[key], strong) != "low"
        ),
        None,
    )
    return EspMatch(winner, _confidence(entries, strong), entries, infrastructure)

"""Authentication: SPF, DKIM, DMARC and ARC as the receiving servers judged them.

Read from ``Authentication-Results`` (RFC 8601, parsed with ``authres``),
``ARC-Authentication-Results``, ``ARC-Seal`` and ``Received-SPF``; DKIM
signatures from ``DKIM-Signature`` (parsed with dkimpy's tag parser).
Microsoft writes Authentication-Results without the mandatory authserv-id
(``spf=pass ...;``), so values are normalised before parsing; a value that
still does not parse is read clause by clause, so one bad header never loses
the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import authres
from dkim.util import parse_tag_value

from inboxmine.forensics.domains import clean_host, in_domain, registered_domain

#: Longest header value parsed (a real Authentication-Results is < 2 KB).
MAX_VALUE = 8_192
#: Headers of one kind read per message (hops add one each).
MAX_HEADERS = 8
#: Longest value handed to ``authres`` (its parser costs ~7 ms per KB); longer,
#: unusual values are read clause by clause.
AUTHRES_MAX = 2_048

_METHODS = ("spf", "dkim", "dmarc", "arc")
_RESULT_WORDS = {
    "pass",
    "fail",
    "softfail",
    "neutral",
    "none",
    "temperror",
    "permerror",
    "policy",
    "bestguesspass",
    "hardfail",
}
_MS_START = re.compile(r"\s*(?:spf|dkim|dmarc|arc|compauth|auth)\s*=", re.I)
_ARC_INSTANCE = re.compile(r"\s*i\s*=\s*\d{1,3}\s*;\s*")
_CLAUSE = re.compile(r"\s*([a-z][a-z0-9_-]{0,30})\s*=\s*([a-z][a-z0-9_-]{0,30})", re.I)
_PROP_D = re.compile(r"header\.d\s*=\s*\"?([^\s;()\"]{1,253})", re.I)
_PROP_I = re.compile(r"header\.i\s*=\s*\"?([^\s;()\"]{1,320})", re.I)
_PROP_MAILFROM = re.compile(r"smtp\.mailfrom\s*=\s*\"?([^\s;()\"]{1,320})", re.I)
_COMMENT = re.compile(r"\([^()]{0,2048}\)")
_TAG_D = re.compile(r"(?:^|;)\s*d\s*=\s*([^\s;]{1,253})", re.I)
_TAG_S = re.compile(r"(?:^|;)\s*s\s*=\s*([^\s;]{1,253})", re.I)
_CV = re.compile(r"(?:^|;)\s*cv\s*=\s*([a-z]{1,16})", re.I)
_INSTANCE = re.compile(r"(?:^|;)\s*i\s*=\s*(\d{1,3})", re.I)
# The client address SPF was checked for: Gmail's "designates 1.2.3.4 as
# permitted sender", Microsoft's "sender IP is 1.2.3.4", Received-SPF's client-ip=.
_SPF_CLIENT = re.compile(
    r"(?:designates|sender ip is|client-ip\s*=)\s*([0-9a-f][0-9a-f:.]{1,44})", re.I
)


@dataclass(slots=True)
class AuthResult:
    """One method's verdict (``spf=pass``), with the domain it was about."""

    method: str
    result: str
    domain: str | None = None


@dataclass(slots=True)
class Authentication:
    """Everything known about a message's authentication."""

    spf_result: str | None = None
    dkim_result: str | None = None
    dmarc_result: str | None = None
    arc_result: str | None = None
    #: One entry per DKIM signature: {"domain", "selector", "result"}.
    dkim_signatures: list[dict[str, Any]] = field(default_factory=list)
    spf_mailfrom: str | None = None
    #: The address the receiving server checked SPF for: the sending server.
    spf_client_ip: str | None = None
    quality: str = "unknown"

    @property
    def dkim_domains(self) -> list[str]:
        seen: list[str] = []
        for sig in self.dkim_signatures:
            if sig["domain"] and sig["domain"] not in seen:
                seen.append(sig["domain"])
        return seen


def normalise_authres(value: str) -> str:
    """An Authentication-Results value as ``authres`` expects it.

    Microsoft omits the authserv-id: ``x; `` is prepended when the value starts
    with a method (``spf=``/``dkim=``...); a trailing ``;`` is dropped; the
    ``i=N;`` instance tag of ARC-Authentication-Results is removed.
    """
    value = value[:MAX_VALUE].strip()
    match = _ARC_INSTANCE.match(value)
    if match:
        value = value[match.end() :]
    if _MS_START.match(value):
        value = "x; " + value
    return value.rstrip().rstrip(";").rstrip()


def _domain_of(value: str | None) -> str | None:
    if not value:
        return None
    return clean_host(value.rsplit("@", 1)[-1])


def _parse_with_authres(value: str) -> list[AuthResult] | None:
    try:
        header = authres.AuthenticationResultsHeader.parse_value(value)
    except Exception:  # authres raises its own SyntaxError family, and more on odd input
        return None
    results = []
    for item in header.results:
        method = (item.method or "").lower()
        if method not in _METHODS:
            continue
        domain = None
        for prop in item.properties:
            if method == "dkim" and prop.type == "header" and prop.name in ("d", "i"):
                domain = _domain_of(str(prop.value)) if prop.value else None
                if prop.name == "d":
                    break
            elif method == "spf" and prop.type == "smtp" and prop.name == "mailfrom":
                domain = _domain_of(str(prop.value)) if prop.value else None
        results.append(AuthResult(method, (item.result or "").lower(), domain))
    return results


def _parse_by_clause(value: str) -> list[AuthResult]:
    """Read ``method=result property=value ...; ...`` clause by clause (comments removed)."""
    results = []
    for clause in value.split(";")[:64]:
        match = _CLAUSE.match(clause)
        if not match or match.group(1).lower() not in _METHODS:
            continue
        method, result = match.group(1).lower(), match.group(2).lower()
        domain = None
        if method == "dkim":
            prop = _PROP_D.search(clause) or _PROP_I.search(clause)
            domain = _domain_of(prop.group(1)) if prop else None
        elif method == "spf":
            prop = _PROP_MAILFROM.search(clause)
            domain = _domain_of(prop.group(1)) if prop else None
        results.append(AuthResult(method, result, domain))
    return results


def _strip_comments(value: str) -> str:
    """``value`` without its (...) comments, nested up to two deep."""
    for _ in range(2):
        if "(" not in value:
            break
        value = _COMMENT.sub(" ", value)
    return value


def _simple_form(value: str) -> str | None:
    """The value without comments when ``;`` can only separate clauses, else None.

    Nearly every real header is this simple (comments without ``;``, quoted
    values without ``;``); it is read clause by clause, which agrees with
    ``authres`` and is many times faster. Anything else goes to ``authres``.
    """
    stripped = _strip_comments(value)
    if "(" in stripped or ")" in stripped or "\\" in stripped:
        return None
    if '"' in stripped:
        pieces = stripped.split('"')
        if len(pieces) % 2 == 0 or any(";" in piece for piece in pieces[1::2]):
            return None
    return stripped


def parse_authentication_results(value: str) -> list[AuthResult]:
    """The results in one Authentication-Results (or ARC-) value; never raises."""
    normalised = normalise_authres(value)
    if not normalised:
        return []
    simple = _simple_form(normalised)
    if simple is not None:
        return _parse_by_clause(simple)
    parsed = _parse_with_authres(normalised) if len(normalised) <= AUTHRES_MAX else None
    return parsed if parsed is not None else _parse_by_clause(_strip_comments(normalised))


def parse_dkim_signature(value: str) -> dict[str, str | None]:
    """``{"domain", "selector"}`` of one DKIM-Signature value; never raises."""
    value = value[:MAX_VALUE]
    domain = selector = None
    try:
        tags = parse_tag_value(value.encode("utf-8", "replace"))
        raw_d, raw_s = tags.get(b"d"), tags.get(b"s")
        domain = raw_d.decode("utf-8", "replace") if raw_d else None
        selector = raw_s.decode("utf-8", "replace") if raw_s else None
    except Exception:  # malformed tag lists: duplicate or invalid tags
        d_match, s_match = _TAG_D.search(value), _TAG_S.search(value)
        domain = d_match.group(1) if d_match else None
        selector = s_match.group(1) if s_match else None
    return {"domain": clean_host(domain), "selector": (selector or "").strip()[:64] or None}


def _arc_seal_result(values: list[str]) -> str | None:
    """The chain validation (``cv=``) of the newest ARC-Seal."""
    best: tuple[int, str] | None = None
    for value in values[:MAX_HEADERS]:
        cv = _CV.search(value[:MAX_VALUE])
        if not cv:
            continue
        instance = _INSTANCE.search(value[:MAX_VALUE])
        rank = int(instance.group(1)) if instance else 0
        if best is None or rank > best[0]:
            best = (rank, cv.group(1).lower())
    return best[1] if best else None


def _received_spf(values: list[str]) -> str | None:
    for value in values[:MAX_HEADERS]:
        word = value[:64].strip().split(" ", 1)[0].split("(", 1)[0].lower()
        if word in _RESULT_WORDS:
            return word
    return None


def authentication_quality(auth: Authentication, from_domain: str | None) -> str:
    """``excellent`` | ``good`` | ``poor`` | ``unknown``.

    excellent: DMARC, SPF and DKIM all pass. good: DMARC passes, or a DKIM
    signature of the From domain passes, or SPF and DKIM both pass. poor: the
    receiver judged it and it fell short of that. unknown: no verdict at all.
    """
    spf, dkim, dmarc = auth.spf_result, auth.dkim_result, auth.dmarc_result
    if not (spf or dkim or dmarc):
        return "unknown"
    if dmarc == "pass" and spf == "pass" and dkim == "pass":
        return "excellent"
    aligned_pass = any(
        sig["result"] == "pass" and in_domain(sig["domain"], from_domain)
        for sig in auth.dkim_signatures
    )
    if dmarc == "pass" or aligned_pass or (spf == "pass" and dkim == "pass"):
        return "good"
    return "poor"


def read_authentication(headers: dict[str, list[str]], from_domain: str | None) -> Authentication:
    """Authentication of a message from its headers ({lower-case name: [values]})."""
    auth = Authentication()
    # The newest (topmost) header is the receiving server's own verdict; older
    # ones and ARC's copies fill in what it does not say.
    verdicts: list[list[AuthResult]] = [
        parse_authentication_results(v)
        for v in (headers.get("authentication-results") or [])[:MAX_HEADERS]
    ]
    verdicts += [
        parse_authentication_results(v)
        for v in (headers.get("arc-authentication-results") or [])[:MAX_HEADERS]
    ]
    dkim_results: list[AuthResult] = []
    for results in verdicts:
        for item in results:
            if item.method == "spf" and auth.spf_result is None:
                auth.spf_result = item.result
                auth.spf_mailfrom = item.domain
            elif item.method == "dmarc" and auth.dmarc_result is None:
                auth.dmarc_result = item.result
            elif item.method == "arc" and auth.arc_result is None:
                auth.arc_result = item.result
        if not dkim_results:
            dkim_results = [item for item in results if item.method == "dkim"]
    if auth.spf_result is None:
        auth.spf_result = _received_spf(headers.get("received-spf") or [])
    for value in [
        *(headers.get("received-spf") or [])[:MAX_HEADERS],
        *(headers.get("authentication-results") or [])[:MAX_HEADERS],
    ]:
        match = _SPF_CLIENT.search(value[:MAX_VALUE])
        if match:
            auth.spf_client_ip = match.group(1).rstrip(".")
            break
    if auth.arc_result is None:
        auth.arc_result = _arc_seal_result(headers.get("arc-seal") or [])

    unmatched = list(dkim_results)
    for value in (headers.get("dkim-signature") or [])[:MAX_HEADERS]:
        signature = parse_dkim_signature(value)
        result = None
        for item in unmatched:
            if (
                item.domain
                and signature["domain"]
                and (
                    item.domain == signature["domain"]
                    or in_domain(item.domain, signature["domain"])
                )
            ):
                result = item.result
                unmatched.remove(item)
                break
        auth.dkim_signatures.append({**signature, "result": result})
    # Verdicts about signatures no longer in the message (stripped by a relay).
    for item in unmatched:
        auth.dkim_signatures.append(
            {"domain": item.domain, "selector": None, "result": item.result}
        )

    results = [r.result for r in dkim_results]
    if results:
        auth.dkim_result = "pass" if "pass" in results else results[0]
    auth.quality = authentication_quality(auth, from_domain)
    return auth


def dkim_aligned(auth: Authentication, sender_domain: str | None) -> bool:
    """True when the message is DKIM-signed and every signature is the sender's own domain."""
    domains = auth.dkim_domains
    return (
        bool(domains)
        and bool(sender_domain)
        and all(registered_domain(d) == sender_domain for d in domains)
    )

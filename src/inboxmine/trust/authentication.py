"""Does the From domain vouch for the message, and where do replies go?

The receiving server's SPF, DKIM and DMARC verdicts come from stage 1's own
reading of Authentication-Results (:mod:`inboxmine.forensics.auth`), already
in the metadata row.
"""

from __future__ import annotations

import re

from inboxmine.forensics.domains import address_domain, registered_domain
from inboxmine.forensics.unsubscribe import list_id_host
from inboxmine.trust.facts import MessageFacts
from inboxmine.trust.rules import TrustRules
from inboxmine.trust.signal import Signal, fire

_FAILED = frozenset({"fail", "hardfail", "permerror"})
_ENFORCED = re.compile(
    r"dmarc=fail[^;]{0,80}?\b(?:p|policy\.published-policy|action)=(?:o?reject|quarantine)", re.I
)


def _aligned_dkim_pass(facts: MessageFacts) -> str | None:
    for signature in facts.metadata.get("dkim_signatures") or []:
        if not isinstance(signature, dict) or signature.get("result") != "pass":
            continue
        domain = signature.get("domain")
        if domain and facts.from_domain and registered_domain(domain) == facts.from_domain:
            return domain
    return None


def authentication_signals(facts: MessageFacts, rules: TrustRules) -> list[Signal]:
    """DMARC/SPF/DKIM failures, missing alignment, or a domain that vouches."""
    meta = facts.metadata
    spf, dkim, dmarc = meta.get("spf_result"), meta.get("dkim_result"), meta.get("dmarc_result")
    found: list[Signal] = []
    if dmarc in _FAILED:
        found.append(fire(rules, "dmarc_fail", f"dmarc={dmarc} for {facts.from_domain}"))
        policy = _ENFORCED.search(" ".join(facts.header_values("authentication-results")))
        if policy:
            found.append(fire(rules, "dmarc_fail_enforced", policy.group().strip()))
    if spf in _FAILED:
        found.append(fire(rules, "spf_fail", f"spf={spf} ({meta.get('envelope_sender') or '?'})"))
    elif spf == "softfail":
        found.append(fire(rules, "spf_softfail", f"spf=softfail ({meta.get('envelope_sender')})"))
    if dkim in _FAILED and not any(
        isinstance(s, dict) and s.get("result") == "pass" for s in meta.get("dkim_signatures") or []
    ):
        found.append(fire(rules, "dkim_fail", f"dkim={dkim}"))
    aligned = _aligned_dkim_pass(facts)
    if not facts.is_freemail and facts.from_domain and dmarc == "pass":
        found.append(fire(rules, "authenticated_sender", f"dmarc=pass for {facts.from_domain}"))
    elif (spf or dkim) and dmarc not in ("pass", *_FAILED) and facts.from_domain and not aligned:
        # (a DMARC failure already says the domain is not aligned)
        envelope = registered_domain(address_domain(meta.get("envelope_sender")))
        if envelope != facts.from_domain:
            found.append(
                fire(
                    rules,
                    "unaligned_authentication",
                    f"From {facts.from_domain}, envelope {envelope or 'none'}, "
                    f"DKIM {', '.join(meta.get('dkim_domains') or []) or 'none'}",
                )
            )
    return found


def _list_hosts(facts: MessageFacts) -> set[str]:
    hosts = set()
    host = list_id_host(facts.header("list-id"))
    if host:
        hosts.add(registered_domain(host))
    for name in ("list-post", "sender", "x-original-sender"):
        value = facts.header(name)
        if value:
            domain = registered_domain(address_domain(value.replace("mailto:", "")))
            if domain:
                hosts.add(domain)
    return hosts


def reply_to_signals(facts: MessageFacts, rules: TrustRules) -> list[Signal]:
    """Reply-To on another domain (a list's own address excepted)."""
    if not facts.reply_to or not facts.from_address:
        return []
    list_hosts = _list_hosts(facts)
    for address in facts.reply_to:
        if address == facts.from_address:
            continue
        host = address_domain(address)
        domain = registered_domain(host)
        if not domain or domain in list_hosts:
            continue
        if host in facts.freemail:  # (groups.msn.com is a list, not a mailbox)
            # Answers go to a mailbox anyone can open: the 419 and CEO-fraud shape.
            evidence = f"From {facts.from_address}, Reply-To {address}"
            return [fire(rules, "reply_to_freemail", evidence)]
        if domain != facts.from_domain and not facts.is_list:
            # (newsletters answer at their help desk or their ESP)
            evidence = f"From {facts.from_domain}, Reply-To {domain}"
            return [fire(rules, "reply_to_other_domain", evidence)]
    return []

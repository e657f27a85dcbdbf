"""Brand impersonation: a display name or domain that claims a brand it is not.

"PayPal Service <alerts@paypa1-secure.com>", "Microsoft account team
<ms.team@gmail.com>", a Cyrillic "рaypal.com": the brand's name, on an
address the brand does not own. A name that only mentions a brand among
other words ("Lockergnome Apple Core", a newsletter about Apple) is not an
impersonation; the brand's own domains (any subdomain) never are.
"""

from __future__ import annotations

import re

from inboxmine.forensics.domains import in_domain
from inboxmine.trust.facts import MessageFacts
from inboxmine.trust.matching import normalise_phrase
from inboxmine.trust.rules import TrustRules
from inboxmine.trust.signal import Signal, fire

#: Memo entries kept before the memo is cleared (bounded memory).
MEMO_LIMIT = 50_000

#: Characters that look like others in a domain name (digits for letters,
#: Cyrillic and Greek letters for Latin ones).
_CONFUSABLES = str.maketrans(
    {
        "0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a",
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x",
        "і": "i", "ј": "j", "ӏ": "l", "ԁ": "d", "ѕ": "s", "һ": "h", "ԛ": "q",
        "ο": "o", "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ρ": "p",
        "τ": "t", "υ": "u", "χ": "x", "ɑ": "a", "ɡ": "g", "ı": "i",
    }
)  # fmt: skip
_NAME_WORDS = re.compile(r"[\w&|.-]+")
_LOCAL_PARTS = re.compile(r"[._+-]+")


def _owned(domain: str | None, host: str | None, brand: str, rules: TrustRules) -> bool:
    domains = rules.brands[brand].domains
    return bool(domain) and (domain in domains or any(in_domain(host, d) for d in domains))


def _skeleton(label: str) -> str:
    """A domain label as it reads: punycode decoded, lookalike characters mapped."""
    if label.startswith("xn--"):
        try:
            label = label.encode("ascii").decode("idna")
        except (UnicodeError, ValueError):
            return label
    label = label.lower().translate(_CONFUSABLES)
    return label.replace("rn", "m").replace("vv", "w")


def lookalike_brand(domain: str | None, rules: TrustRules) -> str | tuple[str, str] | None:
    """The brand a registered domain imitates (``paypal-secure.com``,
    ``micros0ft.net``, ``xn--pypal-4ve.com``), or None; ``("word", brand)``
    when the domain only uses a brand that is also a common word, as itself
    ("big-apple-tours.com"): a lookalike only if the display name names it."""
    if not domain:
        return None
    memo = rules.memo
    key = ("lookalike", domain)
    if key in memo:
        return memo[key]
    if len(memo) > MEMO_LIMIT:
        memo.clear()
    found = None
    original = domain.split(".", 1)[0].lower()
    # Punycode decodes to one label; otherwise each hyphen part on its own.
    pieces = [original] if original.startswith("xn--") else original.split("-")
    parts = [_skeleton(piece) for piece in pieces]
    for piece, part in zip(pieces, parts, strict=True):
        match = rules.brand_tokens.search(part)
        if match:
            token = match.group()
            rest = part.replace(token, "", 1)
            if not rest or rest in rules.service_words or rest.isdigit():
                found = rules.brand_by_token[token]
                # A brand that is also a word ("apple-pie-recipes.com",
                # "paper-chase.org") needs more: a disguise (digits for
                # letters, punycode), a service word, or the name saying it.
                disguised = part != piece or bool(rest)
                with_service = any(p in rules.service_words for p in parts if p != part)
                if token in rules.common_word_tokens and not (disguised or with_service):
                    found = ("word", found)
                break
        if not found and len(part) >= 5:
            # One letter missing ("microsft") or one added ("paypall", "gooogle").
            found = rules.token_deletions.get(part)
            for i in range(len(part)) if not found else ():
                found = rules.brand_by_token.get(part[:i] + part[i + 1 :])
                if found:
                    break
        if found:
            break
    brand = found[1] if isinstance(found, tuple) else found
    if brand and domain in rules.brands[brand].domains:
        found = None
    memo[key] = found
    return found


def _only_brand_words(name: str, brand_name: str, rules: TrustRules) -> bool:
    rest = normalise_phrase(name.replace(brand_name, " ", 1))
    return all(word in rules.service_words for word in _NAME_WORDS.findall(rest))


def brand_signals(facts: MessageFacts, rules: TrustRules) -> list[Signal]:
    """Display-name impersonation, brands on free-mail, lookalike and punycode domains."""
    found: list[Signal] = []
    domain, host = facts.from_domain, facts.from_host
    name = facts.from_name
    named = rules.brand_names.search(name) if name else None
    if named:
        brand_name = normalise_phrase(named.group())
        brand = rules.brand_by_name[brand_name]
        if not _owned(domain, host, brand, rules) and _only_brand_words(name, brand_name, rules):
            evidence = f"{facts.from_name!r} <{facts.from_address or '?'}>"
            signal = "brand_on_freemail" if facts.is_freemail else "brand_impersonation"
            found.append(fire(rules, signal, evidence))
    if not found and facts.is_freemail and facts.from_local:
        # "paypal.security@gmail.com", not "chase.miller@gmail.com": the brand
        # and service words only, as for display names.
        parts = [p.rstrip("0123456789") for p in _LOCAL_PARTS.split(facts.from_local)]
        brands = [
            rules.brand_by_token.get(p) or rules.brand_by_token.get(p.translate(_CONFUSABLES))
            for p in parts
        ]
        named_brand = next((b for b in brands if b), None)
        if named_brand and all(
            b or not p or p in rules.service_words for p, b in zip(parts, brands, strict=True)
        ):
            evidence = f"{facts.from_address} ({named_brand})"
            found.append(fire(rules, "brand_on_freemail", evidence))
    if facts.is_freemail:
        return found
    imitated = lookalike_brand(domain, rules)
    if isinstance(imitated, tuple):
        # Only a display name that is the brand speaking ("Ledger Support") counts.
        claims = False
        if named:
            brand_name = normalise_phrase(named.group())
            claims = rules.brand_by_name.get(brand_name) == imitated[1] and _only_brand_words(
                name, brand_name, rules
            )
        imitated = imitated[1] if claims else None
    if imitated:
        found.append(fire(rules, "lookalike_domain", f"{domain} imitates {imitated}"))
    elif domain and (domain.startswith("xn--") or ".xn--" in (host or "")):
        found.append(fire(rules, "punycode_domain", host or domain))
    return found

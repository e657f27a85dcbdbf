"""Money in text: amounts in any common currency and format, and what they are.

``$1,200``, ``USD 1.2k``, ``€4.800,00``, ``4 800,00 €``, ``£99/mo``,
``12k ARR``, ``2 million dollars``, ``20% commission``. Each amount is
normalised (``1200.0`` + ``USD``) and labelled from the words nearest to it
(price, contract_value, arr, mrr, commission, discount).

Every pattern has bounded repetition only, so a megabyte of digits and
commas costs a linear scan, never backtracking.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from inboxmine.entities.base import Entity, context_window, squash

# A number: 1,234,567.89 / 4.800,00 / 1'000 / 1200 / 1.2. The thousands
# groups are capped at 5 (below a quadrillion) so no match can run long.
_NUM = (
    r"\d{1,3}(?:[,.\u00a0\u202f']\d{3}){1,5}(?:[.,]\d{1,2})?(?!\d)|\d{1,15}(?:[.,]\d{1,2})?(?!\d)"
)
# A number must not continue a word or another number ("A4", "v2.1.3").
_NUM_START = r"(?<![\w.,$€£¥])"
_PERCENT_KINDS = ("commission", "discount")
_ADJACENT_ONLY = ("arr", "mrr")
_ADJACENT_CHARS = 12
_PERIOD_BEATS = 20
_WINDOW = 60


@dataclass(frozen=True)
class MoneyRules:
    """Compiled money rules (see ``money`` in rules/entities.yaml)."""

    pattern: re.Pattern
    symbols: dict[str, str]
    codes: frozenset[str]
    words: dict[str, str]
    multipliers: dict[str, float]
    context_pattern: re.Pattern
    context_kinds: dict[str, str]
    period_pattern: re.Pattern
    periods: dict[str, str]
    recurring_pattern: re.Pattern
    max_per_message: int


def _alternation(items, flags_insensitive: bool = False) -> str:
    ordered = sorted(set(items), key=len, reverse=True)
    return "|".join(re.escape(item).replace(r"\ ", r"\s{1,3}") for item in ordered)


def compile_money_rules(config: dict) -> MoneyRules:
    """Build :class:`MoneyRules` from the ``money`` section of the rules."""
    symbols = {str(k): str(v) for k, v in config["symbols"].items()}
    codes = frozenset(str(c).upper() for c in config["codes"])
    words = {str(k).lower(): str(v) for k, v in config["words"].items()}
    multipliers = {str(k): float(v) for k, v in config["multipliers"].items()}
    symbol_alt = _alternation(symbols)
    code_alt = _alternation(codes)
    word_alt = _alternation(words)
    mult_alt = _alternation(multipliers)
    mult = rf"(?:\s{{0,2}}(?P<mult{{n}}>{mult_alt})(?![A-Za-z]))?"
    alternatives = [
        # $1,200  US$ 5k  €4.800,00
        rf"(?P<sym0>{symbol_alt})\s{{0,2}}(?P<num0>{_NUM})" + mult.replace("{n}", "0"),
        # USD 1.2k
        rf"\b(?P<code1>{code_alt})\s{{0,2}}(?P<num1>{_NUM})" + mult.replace("{n}", "1"),
        # 4.800,00 €   1,200 USD   2 million dollars
        rf"{_NUM_START}(?P<num2>{_NUM})"
        + mult.replace("{n}", "2")
        + rf"\s{{0,2}}(?:(?P<sym2>{symbol_alt})|(?P<code2>{code_alt})\b|(?i:(?P<word2>{word_alt}))\b)",
        # 12k ARR
        rf"{_NUM_START}(?P<num3>{_NUM})"
        + mult.replace("{n}", "3")
        + r"\s{0,2}(?P<saas3>ARR|MRR)\b",
        # 20% commission (kept only when the words around say commission or discount)
        rf"{_NUM_START}(?P<num4>\d{{1,3}}(?:[.,]\d{{1,2}})?)\s{{0,2}}%",
    ]
    pattern = re.compile("|".join(f"(?:{alt})" for alt in alternatives))

    context_kinds: dict[str, str] = {}
    sensitive: list[str] = []
    insensitive: list[str] = []
    for kind, keywords in config["contexts"].items():
        for keyword in keywords:
            keyword = str(keyword)
            # Upper-case keywords (ARR, MRR) are acronyms: "arr" is not ARR.
            if keyword.isupper() and len(keyword) <= 5:
                sensitive.append(keyword)
                context_kinds.setdefault(keyword, kind)
            else:
                insensitive.append(keyword)
                context_kinds.setdefault(keyword.lower(), kind)
    parts = []
    if sensitive:
        parts.append(_alternation(sensitive))
    if insensitive:
        parts.append(f"(?i:{_alternation(insensitive)})")
    context_pattern = re.compile(rf"(?<![\w-])(?:{'|'.join(parts) or 'x^'})(?![\w-])")

    periods = {str(k).lower(): str(v) for k, v in config["periods"].items()}
    period_pattern = re.compile(
        rf"\s{{0,2}}(?:/|per\s|a\s|an\s|each\s)\s{{0,2}}(?P<period>{_alternation(periods)})\b",
        re.IGNORECASE,
    )
    recurring_pattern = re.compile(r"\s{0,2}(?P<saas>ARR|MRR)\b")
    return MoneyRules(
        pattern=pattern,
        symbols=symbols,
        codes=codes,
        words=words,
        multipliers=multipliers,
        context_pattern=context_pattern,
        context_kinds=context_kinds,
        period_pattern=period_pattern,
        periods=periods,
        recurring_pattern=recurring_pattern,
        max_per_message=int(config["max_per_message"]),
    )


def parse_number(text: str) -> float | None:
    """``"4.800,00"`` -> 4800.0, ``"1,200"`` -> 1200.0, ``"1.2"`` -> 1.2.

    With both separators the last one is the decimal mark; with one kind,
    it separates thousands when it repeats or is followed by exactly three
    digits, else it is the decimal mark.
    """
    cleaned = text.replace("\u00a0", "").replace("\u202f", "").replace("'", "")
    has_comma, has_dot = "," in cleaned, "." in cleaned
    if has_comma and has_dot:
        decimal = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        cleaned = cleaned.replace(thousands, "").replace(decimal, ".")
    elif has_comma or has_dot:
        sep = "," if has_comma else "."
        parts = cleaned.split(sep)
        if len(parts) > 2 or len(parts[-1]) == 3:
            cleaned = cleaned.replace(sep, "")
        else:
            cleaned = cleaned.replace(sep, ".")
    try:
        return float(cleaned)
    except ValueError:
        return None


def _context_kind(rules: MoneyRules, text: str, start: int, end: int) -> tuple[str | None, int]:
    """The kind named by the keyword nearest to ``text[start:end]``, and how far it is."""
    lo = max(0, start - _WINDOW)
    window = text[lo : end + _WINDOW]
    best: tuple[int, str] | None = None
    for match in rules.context_pattern.finditer(window):
        m_start, m_end = match.start() + lo, match.end() + lo
        if m_end <= start:
            distance = start - m_end
        elif m_start >= end:
            distance = m_start - end
        else:
            distance = 0
        word = match.group(0)
        kind = rules.context_kinds.get(word) or rules.context_kinds.get(squash(word).lower())
        if kind in _ADJACENT_ONLY and (
            distance > _ADJACENT_CHARS
            or any(ch.isdigit() for ch in text[min(m_end, end) : max(m_start, start)])
            or (m_end <= start and any(ch.isdigit() for ch in text[max(0, m_start - 6) : m_start]))
        ):
            continue  # "ARR" labels the amount next to it, not every amount nearby
        if kind and (best is None or distance < best[0]):
            best = (distance, kind)
    return (best[1], best[0]) if best else (None, _WINDOW)


def _format_amount(amount: float) -> str:
    return f"{amount:.2f}"


def find_money(rules: MoneyRules, text: str | None, source: str) -> Iterator[Entity]:
    """Every amount of money in ``text`` (already capped by the caller)."""
    if not text:
        return
    found = 0
    for match in rules.pattern.finditer(text):
        entity = _money_entity(rules, text, match, source)
        if entity is None:
            continue
        yield entity
        found += 1
        if found >= rules.max_per_message:
            return


def _money_entity(rules: MoneyRules, text: str, match: re.Match, source: str) -> Entity | None:
    groups = match.groupdict()
    index = next(i for i in range(5) if groups.get(f"num{i}") is not None)
    amount = parse_number(groups[f"num{index}"])
    if amount is None:
        return None
    multiplier = groups.get(f"mult{index}")
    if multiplier:
        amount *= rules.multipliers.get(multiplier, rules.multipliers.get(multiplier.lower(), 1.0))
    end = match.end()
    tail = text[end : end + 30]
    kind: str | None = None
    if index == 4:
        kind, _ = _context_kind(rules, text, match.start(), end)
        if kind not in _PERCENT_KINDS:
            return None  # "50% of teams" is not money
        currency = "%"
    else:
        currency = _currency(rules, groups, index)
        saas = groups.get("saas3")
        if saas is None:
            recurring = rules.recurring_pattern.match(tail)
            if recurring:
                saas = recurring.group("saas")
                end += recurring.end()
        if saas:
            kind = saas.lower()
    period = None
    period_match = rules.period_pattern.match(text, end, end + 30)
    if period_match and currency != "%":
        period = rules.periods.get(period_match.group("period").lower())
        end = period_match.end()
    if kind is None:
        kind, distance = _context_kind(rules, text, match.start(), end)
        if period and (kind is None or distance > _PERIOD_BEATS):
            kind = "price"  # "$99/mo" is a price unless something close says otherwise
        kind = kind or "amount"
    if currency == "%":
        normalized = f"{amount:g}%"
    elif currency:
        normalized = f"{_format_amount(amount)} {currency}"
    else:
        normalized = _format_amount(amount)
    if period:
        normalized += f"/{period}"
    return Entity(
        entity_type="money",
        entity_value=squash(text[match.start() : end]),
        entity_normalized=normalized,
        amount=amount,
        currency=currency,
        category=kind,
        context=context_window(text, match.start(), end),
        source=source,
        confidence=0.85 if currency else 0.7,
    )


def _currency(rules: MoneyRules, groups: dict, index: int) -> str | None:
    symbol = groups.get(f"sym{index}")
    if symbol:
        return rules.symbols.get(symbol)
    code = groups.get(f"code{index}")
    if code:
        code = code.upper()
        return "CNY" if code == "RMB" else code
    word = groups.get(f"word{index}")
    if word:
        return rules.words.get(squash(word).lower())
    return None

"""Dates that mean something: renewals, expirations, deadlines, meetings, and
the ends of sales (``promotion_end``), which are never renewals.

A date is taken only where a phrase says what it is ("renews on ...",
"expires ...", "due by ...", "meeting on ..."). The words right after the
phrase must look like a date (a bounded pattern); only that short phrase is
handed to ``dateparser``, relative to the message's own date and preferring
the future, as a reader of the message would. dateparser never searches a
whole email: that finds dates in every "2 people" and "May I".

``date_value`` keeps the ISO date whether it is past or future; ``is_future``
says which, relative to when the message was sent.

A promotion deadline is told apart by its trigger ("sale ends", "offer valid
until", "code expires") or, for an expiration or deadline, by sale words in
its sentence ("20% off everything until Friday") - unless that sentence names
something the reader pays for (plan, subscription, trial, ...).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from inboxmine.entities.base import Entity, MessageText, context_window, squash

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?(?![a-z])"
)
_WEEKDAY = (
    r"(?:mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?"
    r"|sat(?:urday)?|sun(?:day)?)\.?(?![a-z])"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?(?!\d)"
_YEAR = r"\d{4}(?!\d)"
_COUNT = (
    r"(?:\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|fourteen|fifteen|twenty|thirty|forty|forty-five|sixty|ninety)"
)
_UNIT = r"(?:business\s|working\s|calendar\s)?(?:days?|weeks?|months?|years?)"

#: The shapes a date may take right after a trigger phrase (anchored match,
#: bounded repetition only). Named groups tell how to read it.
_DATE_SHAPE = re.compile(
    "|".join(
        [
            r"(?P<iso>\d{4}-\d{1,2}-\d{1,2})(?!\d)",
            r"(?P<numeric>\d{1,2}[/.]\d{1,2}[/.](?:\d{4}|\d{2}))(?![\d/.]\d)",
            rf"(?P<mdy>(?:{_WEEKDAY},?\s{{1,2}})?{_MONTH}\s{{1,2}}{_DAY}(?:,?\s{{1,2}}{_YEAR})?)",
            rf"(?P<dmy>(?:{_WEEKDAY},?\s{{1,2}})?(?:the\s{{1,2}})?{_DAY}\s{{1,2}}(?:of\s{{1,2}})?{_MONTH}(?:,?\s{{1,2}}{_YEAR})?)",
            rf"(?P<month_year>{_MONTH},?\s{{1,2}}{_YEAR})",
            rf"(?P<relative>(?:in\s{{1,2}})?{_COUNT}\s{{1,2}}{_UNIT}(?:\s{{1,2}}from\s{{1,2}}(?:now|today))?)",
            rf"(?P<weekday>(?:next\s{{1,2}}|this\s{{1,2}}|coming\s{{1,2}})?{_WEEKDAY})",
            r"(?P<day_word>tomorrow|today|tonight)(?![a-z])",
            r"(?P<next>next\s{1,2}(?:week|month|year|quarter))(?![a-z])",
            r"(?P<period_end>(?:the\s{1,2})?end\s{1,2}of\s{1,2}(?:the\s{1,2}|this\s{1,2})?(?:week|month|quarter|year)"
            r"|(?:week|month|quarter|year)[\s-]end)(?![a-z])",
        ]
    ),
    re.IGNORECASE,
)
_ABSOLUTE_FORMATS = {
    "iso": ("%Y-%m-%d",),
}
_SUFFIX = re.compile(r"(?<=\d)(?:st|nd|rd|th)", re.IGNORECASE)
_MONTHS = {name: i for i, name in enumerate(calendar.month_name) if name} | {
    name: i for i, name in enumerate(calendar.month_abbr) if name
}
_MONTHS["Sept"] = 9
#: How far from the message a date may lie and still be believed.
_YEARS_BACK = 30
_YEARS_AHEAD = 20


@dataclass(frozen=True)
class PromotionRules:
    """When a date is the end of a sale (``promotion_end``) rather than what its
    trigger says (see ``dates.promotion`` in rules/entities.yaml)."""

    words: re.Pattern | None
    unless: re.Pattern | None
    kinds: frozenset[str]
    window: int = 100

    def kind(self, text: str, start: int, end: int, kind: str) -> str:
        """The kind of the date whose trigger starts at ``start`` and whose date
        ends at ``end``, judged on the words of its sentence (bounded)."""
        if kind != "promotion_end" and kind not in self.kinds:
            return kind
        sentence = sentence_around(text, start, end, self.window)
        paid_for = self.unless is not None and self.unless.search(sentence) is not None
        if kind == "promotion_end":
            # "your trial offer ends on ...": the end of something paid for.
            return "expiration" if paid_for else kind
        if self.words is not None and not paid_for and self.words.search(sentence):
            return "promotion_end"
        return kind


@dataclass(frozen=True)
class DateRules:
    """Compiled date rules (see ``dates`` in rules/entities.yaml)."""

    triggers: re.Pattern
    kinds: dict[str, str]
    fillers: re.Pattern
    max_per_message: int
    max_parses: int = 40
    promotion: PromotionRules | None = None


_SENTENCE_END = re.compile(r"[.!?\n]")


def sentence_around(text: str, start: int, end: int, window: int) -> str:
    """The sentence holding ``text[start:end]``, at most ``window`` characters
    either side of it (a cut at the nearest ``.``, ``!``, ``?`` or line end)."""
    left = max(0, start - window)
    before = text[left:start]
    cuts = [m.end() for m in _SENTENCE_END.finditer(before)]
    if cuts:
        left += cuts[-1]
    right = min(len(text), end + window)
    after = _SENTENCE_END.search(text, end, right)
    return text[left : after.start() if after else right]


def word_list(words: list) -> re.Pattern | None:
    """A case-insensitive pattern matching any of ``words`` as whole words
    (``% off`` matches in ``20% off``); None for an empty list."""
    parts = []
    for word in sorted(
        {str(w).strip().lower() for w in words or [] if str(w).strip()}, key=len, reverse=True
    ):
        body = re.escape(word).replace(r"\ ", r"\s{1,3}")
        prefix = r"(?<![\w-])" if word[0].isalnum() else ""
        suffix = r"(?![\w-])" if word[-1].isalnum() else ""
        parts.append(prefix + body + suffix)
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def compile_date_rules(config: dict) -> DateRules:
    """Build :class:`DateRules` from the ``dates`` section of the rules."""
    kinds: dict[str, str] = {}
    for kind, phrases in config["triggers"].items():
        for phrase in phrases:
            kinds.setdefault(squash(str(phrase)).lower(), kind)
    ordered = sorted(kinds, key=len, reverse=True)
    alternation = "|".join(re.escape(p).replace(r"\ ", r"\s{1,3}") for p in ordered) or "x^"
    triggers = re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])", re.IGNORECASE)
    words = [str(w) for w in config["fillers"]]
    word_alt = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True) if w.isalpha())
    punct = "".join(re.escape(w) for w in words if not w.isalpha())
    # Up to three filler words, each bounded: "on the", "is on", ": -".
    fillers = re.compile(
        rf"(?:[\s{punct}]{{0,4}}(?:{word_alt or 'x^'})(?![a-z])){{0,3}}[\s{punct}]{{0,4}}",
        re.IGNORECASE,
    )
    promo = config["promotion"]
    return DateRules(
        triggers=triggers,
        kinds=kinds,
        fillers=fillers,
        max_per_message=int(config["max_per_message"]),
        promotion=PromotionRules(
            words=word_list(promo["words"]),
            unless=word_list(promo["unless"]),
            kinds=frozenset(promo["kinds"]),
            window=int(promo["window"]),
        ),
    )


def find_dates(
    rules: DateRules, text: str | None, source: str, message: MessageText
) -> Iterator[Entity]:
    """Every date in ``text`` that a trigger phrase gives a meaning to."""
    if not text:
        return
    base = message.reference_time()
    sent_day = base.date()
    seen: set[tuple[str, date]] = set()
    parses = 0
    for trigger in rules.triggers.finditer(text):
        kind = rules.kinds.get(squash(trigger.group(0)).lower())
        if kind is None:
            continue
        position = rules.fillers.match(text, trigger.end(), trigger.end() + 40).end()
        # A trigger's own filler words ("by", "on") must not be read as a date.
        shape = _DATE_SHAPE.match(text, position, position + 60)
        if shape is None:
            continue
        if parses >= rules.max_parses:
            return
        parses += 1
        value = parse_date_phrase(shape, base)
        if value is None or not _plausible(value, sent_day):
            continue
        if rules.promotion is not None:
            kind = rules.promotion.kind(text, trigger.start(), shape.end(), kind)
        if (kind, value) in seen:
            continue
        seen.add((kind, value))
        yield Entity(
            entity_type="date",
            entity_value=squash(text[trigger.start() : shape.end()]).rstrip(".,"),
            entity_normalized=value.isoformat(),
            date_value=value,
            date_kind=kind,
            is_future=value > sent_day,
            context=context_window(text, trigger.start(), shape.end()),
            source=source,
            confidence=0.85 if shape.lastgroup in ("iso", "mdy", "dmy", "numeric") else 0.7,
        )
        if len(seen) >= rules.max_per_message:
            return


def parse_date_phrase(shape: re.Match, base: datetime) -> date | None:
    """The calendar date a matched date phrase means, relative to ``base``
    (the message's send time, naive UTC). Explicit dates are read directly;
    relative ones ("in 3 weeks", "Friday") go to dateparser."""
    text = squash(shape.group(0))
    how = shape.lastgroup
    if how == "iso":
        try:
            return date.fromisoformat("-".join(f"{int(p):02d}" for p in text.split("-")))
        except ValueError:
            return None
    if how == "period_end":
        return _period_end(text.lower(), base.date())
    if how in ("mdy", "dmy"):
        explicit = explicit_date(text)
        if explicit is not None:
            return explicit
    return _dateparser(text, base)


def explicit_date(text: str) -> date | None:
    """'March 3rd, 2026' / 'Tue, 3 March 2026' with a year: no dateparser needed."""
    tokens = re.findall(r"[A-Za-z]+|\d+", _SUFFIX.sub("", text))
    month = day = year = None
    for token in tokens:
        if token.isdigit():
            if len(token) == 4:
                year = int(token)
            elif day is None:
                day = int(token)
        else:
            month = month or _MONTHS.get(token[:1].upper() + token[1:].lower())
    if not (month and day and year):
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _period_end(text: str, today: date) -> date:
    if "week" in text:
        return today + timedelta(days=6 - today.weekday())
    if "quarter" in text:
        last_month = ((today.month - 1) // 3 + 1) * 3
        return date(today.year, last_month, calendar.monthrange(today.year, last_month)[1])
    if "year" in text:
        return date(today.year, 12, 31)
    return date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])


_WORKING = re.compile(r"\b(?:business|working|calendar)\s", re.IGNORECASE)
_FROM_NOW = re.compile(r"\s(?:from\s(?:now|today))$", re.IGNORECASE)


def _dateparser(text: str, base: datetime) -> date | None:
    import dateparser  # imported on first use: it is slow to import

    text = _FROM_NOW.sub("", _WORKING.sub("", text))
    try:
        parsed = dateparser.parse(
            text,
            languages=["en"],
            settings={
                "PREFER_DATES_FROM": "future",
                "RELATIVE_BASE": base,
                "PREFER_DAY_OF_MONTH": "first",
            },
        )
    except Exception:  # dateparser raises on some odd inputs; a date is optional
        return None
    return parsed.date() if parsed is not None else None


def _plausible(value: date, sent_day: date) -> bool:
    return sent_day.year - _YEARS_BACK <= value.year <= sent_day.year + _YEARS_AHEAD

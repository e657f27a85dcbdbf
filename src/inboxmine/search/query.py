"""The search query language, parsed into a typed AST (pure: no database).

What people know from mail clients::

    invoice "renewal quote" from:alice@example.com to:bob domain:acme.io
    subject:pricing list:news.example.com has:attachment esp:mailchimp
    gem:partner_program before:2024-06-01 after:2024-01-01 -spam -from:noreply
    invoice OR receipt    from:alice OR from:bob    has:attachment OR "see attached"

Terms are ANDed; ``-`` excludes; ``OR`` (in capitals, between two terms)
joins alternatives, of which one must hold. ``word*`` is a prefix. Nothing here builds
SQL: :mod:`inboxmine.search.compile` quotes every value for the index, and
the SQL filters use bind parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

#: Longest query accepted (longer ones are refused, not cut silently).
MAX_QUERY_CHARS = 500
#: Most terms in one query (each costs index work).
MAX_TERMS = 32

#: Operators whose value is searched as text in one indexed field.
TEXT_FIELDS = {"from": "sender", "to": "recipients", "subject": "subject", "list": "list_id"}
#: Operators whose value is an exact filter outside the text index.
FILTER_FIELDS = ("domain", "esp", "gem", "has", "before", "after")
OPERATORS = tuple(TEXT_FIELDS) + FILTER_FIELDS
HAS_VALUES = ("attachment",)

_WORD_CHARS = re.compile(r"\w", re.UNICODE)
_OPERATOR = re.compile(r"^([A-Za-z]+):(.*)$", re.DOTALL)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DOMAIN = re.compile(r"^[\w.-]+\.[\w-]+$", re.UNICODE)
_NAME = re.compile(r"^[\w.+-]+$", re.UNICODE)
#: The word that joins alternatives (in capitals, as mail clients write it).
OR = "OR"


class QueryError(ValueError):
    """A query that cannot be searched; the message names the token and the fix."""


@dataclass(frozen=True, slots=True)
class Text:
    """Words to find: ``text`` is one word, a quoted phrase, or a prefix (``word*``).

    ``field`` is None for every indexed field, else one of the index's
    fields (subject, sender, recipients, list_id).
    """

    text: str
    phrase: bool = False
    prefix: bool = False
    field: str | None = None
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Filter:
    """An exact condition: domain, esp, gem (a string), has (attachment),
    before / after (a date)."""

    name: str
    value: str | date
    negated: bool = False


@dataclass(frozen=True, slots=True)
class AnyOf:
    """Alternatives joined by ``OR``: at least one must hold. None is negated
    (the parser refuses ``-spam OR x``)."""

    options: tuple[Text | Filter, ...]

    @property
    def texts(self) -> tuple[Text, ...]:
        return tuple(o for o in self.options if isinstance(o, Text))

    @property
    def only_text(self) -> bool:
        """True when every alternative is text: the index can match the group."""
        return all(isinstance(o, Text) for o in self.options)


Term = Text | Filter | AnyOf


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: every term must hold (a negated one must not)."""

    terms: tuple[Term, ...]

    @property
    def texts(self) -> tuple[Text, ...]:
        """The text terms that must (or, negated, must not) hold on their own."""
        return tuple(t for t in self.terms if isinstance(t, Text))

    @property
    def filters(self) -> tuple[Filter, ...]:
        """The exact operators that must (or must not) hold on their own."""
        return tuple(t for t in self.terms if isinstance(t, Filter))

    @property
    def groups(self) -> tuple[AnyOf, ...]:
        """The ``OR`` groups: one alternative of each must hold."""
        return tuple(t for t in self.terms if isinstance(t, AnyOf))

    @property
    def highlight_words(self) -> tuple[Text, ...]:
        """The positive free text terms and field terms, alternatives too: what a snippet marks."""
        alternatives = tuple(t for group in self.groups for t in group.texts)
        return tuple(t for t in self.texts if not t.negated) + alternatives

    @property
    def ranked(self) -> bool:
        """True when the index ranks the answers (some positive text term, or
        an ``OR`` of text alone)."""
        return any(not t.negated for t in self.texts) or any(g.only_text for g in self.groups)


def is_address_term(term: Term) -> bool:
    """``from:`` given an address or a domain (an @ or a dot): decided on the
    From address itself, not on the words of the display name."""
    return (
        isinstance(term, Text)
        and term.field == "sender"
        and not term.prefix
        and ("@" in term.text or "." in term.text)
    )


def has_word_chars(text: str) -> bool:
    """True when ``text`` holds something the index can match (a letter or digit)."""
    return bool(_WORD_CHARS.search(text))


def _tokens(query: str) -> list[tuple[str, bool]]:
    """Split on whitespace; a double quote starts a phrase that runs to the next
    one. Returns ``(token, ends_in_phrase)``; an unbalanced quote is an error."""
    tokens: list[tuple[str, bool]] = []
    i, n = 0, len(query)
    while i < n:
        if query[i].isspace():
            i += 1
            continue
        start = i
        quoted = False
        while i < n and not query[i].isspace():
            if query[i] == '"':
                close = query.find('"', i + 1)
                if close < 0:
                    shown = query[start : start + 40]
                    raise QueryError(
                        f"unbalanced quote in {shown!r}: close the phrase with a second "
                        '" (or remove the quote to search for the words)'
                    )
                quoted = True
                i = close + 1
                break
            i += 1
        tokens.append((query[start:i], quoted))
    return tokens


def _unquote(value: str) -> tuple[str, bool]:
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        return value[1:-1].strip(), True
    return value, False


def _text_term(token: str, value: str, quoted: bool, field: str | None, negated: bool):
    """A Text term, or None for a word with nothing indexable in it (``-``, ``!!``)."""
    value = value.replace('"', " ").strip()
    prefix = not quoted and value.endswith("*")
    if prefix:
        value = value.rstrip("*")
        if not value or not _NAME.match(value) or "." in value:
            raise QueryError(
                f"{token!r}: a prefix search needs letters or digits before the *, "
                "e.g. invoic* (or quote it to search for the text)"
            )
    if not has_word_chars(value):
        if field is not None:
            raise QueryError(
                f"{token!r}: {_operator_of(field)}: needs a value with letters or digits, "
                f"e.g. {_operator_of(field)}:alice"
            )
        return None
    phrase = quoted or len(re.findall(r"\w+", value)) > 1
    return Text(text=value, phrase=phrase, prefix=prefix, field=field, negated=negated)


def _operator_of(field: str) -> str:
    return next(op for op, f in TEXT_FIELDS.items() if f == field)


def _filter_term(token: str, name: str, value: str, negated: bool) -> Filter:
    if name in ("before", "after"):
        if not _DATE.match(value):
            raise QueryError(
                f"{token!r}: {name}: takes a date as YYYY-MM-DD, e.g. {name}:2024-01-31"
            )
        try:
            return Filter(name, date.fromisoformat(value), negated)
        except ValueError as exc:
            raise QueryError(
                f"{token!r}: {value} is not a real date ({exc}): use YYYY-MM-DD, e.g. {name}:2024-01-31"
            ) from exc
    if name == "has":
        if value.lower() not in ("attachment", "attachments"):
            raise QueryError(f"{token!r}: has: takes has:attachment (nothing else yet)")
        return Filter("has", "attachment", negated)
    if name == "domain":
        domain = value.lower().lstrip("@").rstrip(".")
        if not _DOMAIN.match(domain):
            raise QueryError(f"{token!r}: domain: takes a domain name, e.g. domain:example.com")
        return Filter("domain", domain, negated)
    if not _NAME.match(value):
        example = "esp:mailchimp" if name == "esp" else "gem:partner_program"
        raise QueryError(
            f"{token!r}: {name}: takes one name of letters, digits, . _ + or -, e.g. {example}"
        )
    if name == "gem":
        value = value.lower().replace("-", "_")
    return Filter(name, value, negated)


def parse_query(query: str) -> Query:
    """Parse ``query`` into a :class:`Query`; raises :class:`QueryError` with the
    offending token and how to write it instead."""
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(
            f"the query is {len(query)} characters long: at most {MAX_QUERY_CHARS} are "
            "searched; shorten it"
        )
    terms: list[Term] = []
    joining = False  # an OR was read: the next term joins the one before it
    after_term = False  # the token before this one was a term
    tokens = _tokens(query.replace("\x00", " "))
    for index, (token, quoted) in enumerate(tokens):
        if token == OR:  # a quoted "OR" keeps its quotes here: it is the word
            _check_or(tokens, index, after_term)
            joining, after_term = True, False
            continue
        negated = token.startswith("-") and len(token) > 1
        body = token[1:] if negated else token
        match = _OPERATOR.match(body) if not body.startswith('"') else None
        if match and match.group(1).lower() in OPERATORS:
            name = match.group(1).lower()
            value, value_quoted = _unquote(match.group(2))
            if not value:
                raise QueryError(
                    f"{token!r}: {name}: needs a value right after the colon, "
                    f"e.g. {name}:{_EXAMPLES[name]}"
                )
            if name in TEXT_FIELDS:
                term = _text_term(token, value, value_quoted, TEXT_FIELDS[name], negated)
            else:
                term = _filter_term(token, name, value, negated)
        elif match and match.group(2) and not quoted and not match.group(2).startswith("/"):
            raise QueryError(
                f"{token!r}: unknown operator {match.group(1)}: - use one of "
                + ", ".join(f"{op}:" for op in OPERATORS)
                + f', or quote it ("{body}") to search for the text'
            )
        else:
            value, was_quoted = _unquote(body)
            term = _text_term(token, value, was_quoted or quoted, None, negated)
        if joining:
            terms[-1] = _joined(terms[-1], term, token)
            joining = False
        elif term is not None:
            terms.append(term)
        after_term = term is not None
    count = sum(len(t.options) if isinstance(t, AnyOf) else 1 for t in terms)
    if count > MAX_TERMS:
        raise QueryError(f"the query has {count} terms: at most {MAX_TERMS}; remove some")
    if not terms:
        raise QueryError(
            "nothing to search for: type words (invoice), a phrase in quotes "
            '("renewal quote") or an operator such as from:alice or has:attachment'
        )
    return Query(tuple(terms))


def _check_or(tokens: list[tuple[str, bool]], index: int, after_term: bool) -> None:
    """An ``OR`` needs a term on each side."""
    if index + 1 < len(tokens) and tokens[index + 1][0] == OR:
        raise QueryError("'OR OR': write one OR between two terms, e.g. invoice OR receipt")
    if not after_term or index + 1 == len(tokens):
        raise QueryError(
            "'OR' needs a term on each side: write invoice OR receipt "
            '(or quote it, "OR", to search for the word)'
        )


def _joined(before: Term, after: Term | None, token: str) -> AnyOf:
    """``before OR after`` as one group (``a OR b OR c`` is one group of three)."""
    if after is None:
        raise QueryError(
            f"{token!r} after OR has no letters or digits to search for: "
            "put a word or an operator on each side of OR"
        )
    for side in (before, after):
        if getattr(side, "negated", False):
            raise QueryError(
                "a term excluded with - cannot be one side of OR: exclude it on its own "
                "(invoice OR receipt -spam)"
            )
    options = before.options if isinstance(before, AnyOf) else (before,)
    return AnyOf((*options, after))


_EXAMPLES = {
    "from": "alice@example.com",
    "to": "bob@example.com",
    "subject": "invoice",
    "list": "news.example.com",
    "domain": "example.com",
    "esp": "mailchimp",
    "gem": "partner_program",
    "has": "attachment",
    "before": "2024-12-31",
    "after": "2024-01-01",
}

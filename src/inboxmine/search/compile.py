"""The text terms of a query as index expressions (pure), every value quoted.

SQLite: one FTS5 MATCH expression. Each value becomes an FTS5 string
(``"..."`` with inner quotes doubled), so no character a user types - ``(``,
``*``, ``:``, ``NEAR``, ``AND``, ``^`` - can act as FTS5 syntax.

PostgreSQL: tsquery text per tsvector column. Values are first split into
lexemes (letters and digits only) and each lexeme is single-quoted, so
tsquery operators (``& | ! <-> :*``) never come from the user.

The text is bound as a parameter, never spliced into SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from inboxmine.search.document import lexemes
from inboxmine.search.query import AnyOf, Filter, Query, Text, is_address_term


@dataclass(frozen=True, slots=True)
class FtsMatch:
    """SQLite: ``match`` must hold (None: no positive text term); the message
    must not match ``exclude`` (used only when there is no ``match``)."""

    match: str | None
    exclude: str | None


def _fts_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def fts_term(term: Text) -> str:
    """One term as FTS5 syntax: a quoted string, maybe a prefix, maybe in one column."""
    expression = _fts_string(term.text) + ("*" if term.prefix else "")
    return f"{term.field} : {expression}" if term.field else expression


def _narrowing(query: Query) -> list[str]:
    """Index terms implied by exact filters: ``domain:acme.io`` can only hold
    for a message whose sender field has the words acme io (the exact check
    runs in SQL on the few candidates)."""
    return [
        f"sender : {_fts_string(str(f.value))}"
        for f in query.filters
        if f.name == "domain" and not f.negated
    ]


def fts_any(group: AnyOf) -> str:
    """An ``OR`` of text alone as one FTS5 expression (fielded alternatives too)."""
    return " OR ".join(f"({fts_term(t)})" for t in group.texts)


def fts_match(query: Query) -> FtsMatch:
    """The FTS5 expression(s) of ``query``'s text terms (``OR`` groups of
    text alone too; a group with an exact operator is decided in SQL)."""
    positive = [fts_term(t) for t in query.texts if not t.negated]
    positive += [fts_any(g) for g in query.groups if g.only_text]
    # A negated address is excluded in SQL (search.filters): the index would
    # also drop a sender merely *named* like it.
    negative = [fts_term(t) for t in query.texts if t.negated and not is_address_term(t)]
    narrowing = _narrowing(query)
    if positive:
        match = " AND ".join(f"({p})" for p in positive + narrowing)
        if negative:
            match = f"({match}) " + " ".join(f"NOT ({n})" for n in negative)
        return FtsMatch(match=match, exclude=None)
    if narrowing:
        match = " AND ".join(f"({p})" for p in narrowing)
        if negative:
            match = f"({match}) " + " ".join(f"NOT ({n})" for n in negative)
        return FtsMatch(match=match, exclude=None)
    exclude = " OR ".join(f"({n})" for n in negative) if negative else None
    return FtsMatch(match=None, exclude=exclude)


# ------------------------------------------------------------------ PostgreSQL

#: The tsvector column that holds each field alone (free text uses ``document``).
PG_FIELD_COLUMNS = {
    "subject": "subject_tsv",
    "sender": "sender_tsv",
    "recipients": "recipients_tsv",
    "list_id": "list_tsv",
}


def _quote_lexeme(word: str) -> str:
    # Lexemes hold letters and digits only; quoting anyway costs nothing.
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def ts_term(text: str, prefix: bool = False) -> str | None:
    """One value as tsquery text: a lexeme, or a phrase of them (``<->``)."""
    words = lexemes(text)
    if not words:
        return None
    quoted = [_quote_lexeme(w) for w in words]
    if prefix:
        quoted[-1] += ":*"
    return quoted[0] if len(quoted) == 1 else "(" + " <-> ".join(quoted) + ")"


@dataclass(slots=True)
class TsQueries:
    """PostgreSQL: the tsquery text each tsvector column must match."""

    by_column: dict[str, str] = field(default_factory=dict)

    @property
    def ranked(self) -> bool:
        return "document" in self.by_column and not self.by_column["document"].startswith("!")


def ts_queries(query: Query) -> TsQueries:
    """The tsquery text per column of ``query``'s text terms.

    Positive terms (fielded ones too) go into ``document`` so the GIN index
    finds the candidates; a fielded term is then checked in its own column.
    """
    parts: dict[str, list[str]] = {}
    for term in query.texts:
        if term.negated and is_address_term(term):
            continue  # excluded in SQL, as for SQLite
        expression = ts_term(term.text, term.prefix)
        if expression is None:
            continue
        if term.field is None:
            parts.setdefault("document", []).append(
                f"!{expression}" if term.negated else expression
            )
            continue
        column = PG_FIELD_COLUMNS[term.field]
        parts.setdefault(column, []).append(f"!{expression}" if term.negated else expression)
        if not term.negated:
            parts.setdefault("document", []).append(expression)
    for group in query.groups:
        if group.only_text:  # the candidates; fielded alternatives are checked in SQL
            alternatives = [ts_term(t.text, t.prefix) for t in group.texts]
            if all(alternatives):
                parts.setdefault("document", []).append("(" + " | ".join(alternatives) + ")")
    for f in query.filters:
        if isinstance(f, Filter) and f.name == "domain" and not f.negated:
            expression = ts_term(str(f.value))
            if expression:
                parts.setdefault("document", []).append(expression)
    # Positive terms first: a query that starts with ! cannot use the index well.
    ordered = {
        column: " & ".join(sorted(terms, key=lambda t: t.startswith("!")))
        for column, terms in parts.items()
    }
    return TsQueries(by_column=ordered)

"""The exact operators of a query as SQL conditions on ``messages`` (bind parameters only)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    ColumnElement,
    and_,
    exists,
    false,
    func,
    literal_column,
    not_,
    or_,
    select,
    table,
)

from inboxmine.db.search import like_literal
from inboxmine.db.tables.ingest import attachments, messages
from inboxmine.db.tables.metadata_stage import parsed_metadata
from inboxmine.db.tables.opportunities import gems
from inboxmine.db.tables.search import PG_CONFIG, SEARCH_TABLE
from inboxmine.search.compile import PG_FIELD_COLUMNS, fts_term, ts_term
from inboxmine.search.query import AnyOf, Filter, Query, Text, is_address_term


def _sender_in_domain(dialect: str, domain: str) -> ColumnElement[bool]:
    """The sender's address is at ``domain`` or one of its subdomains."""
    column = messages.c.from_address
    at, sub = f"%@{like_literal(domain)}", f"%.{like_literal(domain)}"
    if dialect == "sqlite":  # SQLite's LIKE ignores ASCII case already
        return or_(column.like(at, escape="\\"), column.like(sub, escape="\\"))
    return or_(column.ilike(at, escape="\\"), column.ilike(sub, escape="\\"))


def _has_attachment() -> ColumnElement[bool]:
    return exists(
        select(attachments.c.id).where(
            attachments.c.message_id == messages.c.id, attachments.c.is_inline.is_(False)
        )
    )


def _esp(name: str) -> ColumnElement[bool]:
    return exists(
        select(parsed_metadata.c.message_id).where(
            parsed_metadata.c.message_id == messages.c.id,
            func.lower(parsed_metadata.c.esp_identified) == name.lower(),
        )
    )


def _gem(gem_type: str) -> ColumnElement[bool]:
    """The message's thread, or its sender, has a gem of this type."""
    of_thread = messages.c.thread_id.in_(
        select(gems.c.thread_id).where(gems.c.gem_type == gem_type, gems.c.thread_id.is_not(None))
    )
    of_sender = exists(
        select(parsed_metadata.c.message_id)
        .join(gems, gems.c.sender_domain == parsed_metadata.c.sender_domain)
        .where(parsed_metadata.c.message_id == messages.c.id, gems.c.gem_type == gem_type)
    )
    return or_(of_thread, of_sender)


def _day(value) -> datetime:
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def filter_condition(dialect: str, term: Filter) -> ColumnElement[bool]:
    """One exact operator (not yet negated)."""
    if term.name == "domain":
        return _sender_in_domain(dialect, str(term.value))
    if term.name == "has":
        return _has_attachment()
    if term.name == "esp":
        return _esp(str(term.value))
    if term.name == "gem":
        return _gem(str(term.value))
    if term.name == "before":
        return messages.c.sent_at < _day(term.value)
    if term.name == "after":
        return messages.c.sent_at >= _day(term.value)
    return false()


def filter_conditions(dialect: str, query: Query) -> list[ColumnElement[bool]]:
    """Every exact operator of ``query``; a negated one excludes its messages
    (a message without a sender is not at any domain: ``-domain:`` keeps it)."""
    conditions = []
    for term in query.filters:
        condition = filter_condition(dialect, term)
        if term.negated:
            if term.name == "domain":
                condition = or_(messages.c.from_address.is_(None), not_(condition))
            else:
                condition = not_(condition)
        conditions.append(condition)
    conditions += [group_condition(dialect, g) for g in query.groups if _checked_in_sql(dialect, g)]
    return conditions + sender_address_conditions(dialect, query)


def _address_like(dialect: str, text: str) -> ColumnElement[bool]:
    pattern = f"%{like_literal(text.lower())}%"
    column = messages.c.from_address
    if dialect == "sqlite":
        return column.like(pattern, escape="\\")
    return column.ilike(pattern, escape="\\")


def sender_address_conditions(dialect: str, query: Query) -> list[ColumnElement[bool]]:
    """``from:`` with an address or a domain is about the address: "Acme Io
    <x@evil.example>" is not from:acme.io, though the index finds the words in
    its name. For a positive term the index narrows and this decides; a
    negated one is excluded here only."""
    conditions = []
    for term in query.texts:
        if not is_address_term(term):
            continue
        condition = _address_like(dialect, term.text)
        if term.negated:
            condition = or_(messages.c.from_address.is_(None), not_(condition))
        conditions.append(condition)
    return conditions


def _checked_in_sql(dialect: str, group: AnyOf) -> bool:
    """Whether an ``OR`` group needs its own condition: the index match
    (:mod:`inboxmine.search.compile`) decides a group of text alone, except an
    address (decided on the address) and, on PostgreSQL, a fielded term or a
    word without lexemes (the index only narrows those)."""
    if not group.only_text or any(is_address_term(t) for t in group.texts):
        return True
    if dialect == "sqlite":
        return False
    return any(t.field is not None or ts_term(t.text, t.prefix) is None for t in group.texts)


def group_condition(dialect: str, group: AnyOf) -> ColumnElement[bool]:
    """One alternative of ``group`` holds for the message."""
    alternatives = []
    for option in group.options:
        if isinstance(option, Filter):
            alternatives.append(filter_condition(dialect, option))
        elif is_address_term(option):
            alternatives.append(_address_like(dialect, option.text))
        else:
            alternatives.append(_in_index(dialect, option))
    return or_(*alternatives)


def _in_index(dialect: str, term: Text) -> ColumnElement[bool]:
    """The message matches ``term`` in the index (values bound, never spliced)."""
    index = table(SEARCH_TABLE)
    if dialect == "sqlite":
        match = literal_column(SEARCH_TABLE).op("MATCH")(fts_term(term))
        return messages.c.id.in_(select(literal_column("rowid")).select_from(index).where(match))
    expression = ts_term(term.text, term.prefix)
    if expression is None:
        return false()
    column = PG_FIELD_COLUMNS[term.field] if term.field else "document"
    tsquery = func.to_tsquery(literal_column(f"'{PG_CONFIG}'"), expression)
    match = literal_column(column).op("@@")(tsquery)
    return messages.c.id.in_(select(literal_column("message_id")).select_from(index).where(match))


def all_of(conditions: list[ColumnElement[bool]]) -> ColumnElement[bool] | None:
    return and_(*conditions) if conditions else None

"""Count reading habits in the database (the I/O edge of :mod:`.figures`).

One grouped query counts every sender (or list); one more per 500 shown
rows harvests the newest unsubscribe link of each. Received mail only: the
user's own sent messages are not habits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, and_, case, func, select

from inboxmine.db.search import like_literal
from inboxmine.db.tables.ingest import messages
from inboxmine.db.tables.metadata_stage import parsed_metadata
from inboxmine.forensics.unsubscribe import list_id_host
from inboxmine.habits.figures import GROUPINGS, habit_rows, habit_rules, sort_rows

CHUNK = 500
pm = parsed_metadata.c


class HabitsError(ValueError):
    """A habits listing cannot be made as asked; the message says why."""


def _count(column):
    return func.sum(case((column, 1), else_=0))


def _counted(conn, by: str, search: str | None) -> list[dict[str, Any]]:
    replied = (
        select(messages.c.in_reply_to.label("answered"))
        .where(messages.c.is_sent.is_(True), messages.c.in_reply_to.is_not(None))
        .distinct()
        .subquery()
    )
    key = pm.sender_domain if by == "sender" else pm.list_id
    query = (
        select(
            key.label("key"),
            func.max(pm.sender_domain).label("sender_domain"),
            func.count(func.distinct(pm.sender_domain)).label("senders"),
            func.count().label("messages"),
            _count(messages.c.is_read.is_(True)).label("read"),
            _count(messages.c.is_read.is_(False)).label("unread"),
            _count(messages.c.is_read.is_(None)).label("read_unknown"),
            _count(replied.c.answered.is_not(None)).label("replied"),
            _count(pm.list_unsubscribe_one_click.is_(True)).label("one_click_messages"),
            _count(pm.list_unsubscribe_url.is_not(None)).label("link_messages"),
            _count(pm.list_unsubscribe_email.is_not(None)).label("mailto_messages"),
            func.min(messages.c.sent_at).label("first_at"),
            func.max(messages.c.sent_at).label("last_at"),
        )
        .select_from(
            messages.join(parsed_metadata, pm.message_id == messages.c.id).outerjoin(
                replied, replied.c.answered == messages.c.message_id
            )
        )
        .where(messages.c.is_sent.is_(False), key.is_not(None), key != "")
        .group_by(key)
    )
    if search:
        pattern = f"%{like_literal(search.lower())}%"
        query = query.where(func.lower(key).like(pattern, escape="\\"))
    with_dates = [dict(r) for r in conn.execute(query).mappings()]
    if by == "sender":
        for row in with_dates:
            del row["senders"]
        return with_dates
    return _fold_lists(with_dates)


def _fold_lists(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Raw List-Id headers folded by the list's identifier (``<news.acme.com>``):
    the display name in front of it changes, the list does not."""
    folded: dict[str, dict[str, Any]] = {}
    sums = (
        "messages",
        "read",
        "unread",
        "read_unknown",
        "replied",
        "one_click_messages",
        "link_messages",
        "mailto_messages",
    )
    for row in rows:
        ident = list_id_host(row["key"]) or row["key"].strip().lower()[:255]
        into = folded.get(ident)
        if into is None:
            folded[ident] = {**row, "key": ident, "list_id_headers": [row["key"]]}
            continue
        for name in sums:
            into[name] += row[name] or 0
        if row["sender_domain"] != into["sender_domain"]:
            into["senders"] += row["senders"]
        into["first_at"] = min(x for x in (into["first_at"], row["first_at"]) if x)
        into["last_at"] = max(x for x in (into["last_at"], row["last_at"]) if x)
        into["list_id_headers"].append(row["key"])
    for row in folded.values():
        if row["senders"] > 1:  # a discussion list: many senders, none is "the" sender
            row["sender_domain"] = None
    return list(folded.values())


def _harvest(conn, by: str, rows: list[dict[str, Any]]) -> None:
    """The newest unsubscribe link of each row: one-click (RFC 8058) first,
    else any http(s) link, else the mailto address."""
    key = pm.sender_domain if by == "sender" else pm.list_id
    wanted: dict[str, dict[str, dict]] = {"one_click": {}, "url": {}, "email": {}}
    for row in rows:
        row.update(unsubscribe_url=None, unsubscribe_one_click=False, unsubscribe_email=None)
        # Only the rows whose counts say such a link exists are looked up.
        kinds = [
            kind
            for kind, present in (
                ("one_click", row.get("one_click_messages")),
                ("url", row.get("link_messages") and not row.get("one_click_messages")),
                ("email", row.get("mailto_messages")),
            )
            if present
        ]
        for raw in row.get("list_id_headers") or [row["key"]]:
            for kind in kinds:
                wanted[kind][raw] = row
    conditions = {
        "one_click": pm.list_unsubscribe_one_click.is_(True),
        "url": pm.list_unsubscribe_url.is_not(None),
        "email": pm.list_unsubscribe_email.is_not(None),
    }
    for kind, raw_of in wanted.items():
        condition = conditions[kind]
        raws = sorted(raw_of)
        for start in range(0, len(raws), CHUNK):
            chunk = raws[start : start + CHUNK]
            latest = (
                select(key.label("k"), func.max(pm.sent_at).label("at"))
                .where(key.in_(chunk), condition)
                .group_by(key)
                .subquery()
            )
            query = select(key, pm.list_unsubscribe_url, pm.list_unsubscribe_email).join(
                latest, and_(key == latest.c.k, pm.sent_at == latest.c.at)
            )
            for raw, url, email in conn.execute(query.where(condition)):
                row = raw_of[raw]
                if kind == "email":
                    row["unsubscribe_email"] = row["unsubscribe_email"] or email
                elif not row["unsubscribe_url"]:
                    row["unsubscribe_url"] = url
                    row["unsubscribe_one_click"] = kind == "one_click"


def reading_habits(
    engine: Engine,
    *,
    by: str = "sender",
    never_read_only: bool = False,
    sort: str = "unread",
    search: str | None = None,
    limit: int | None = None,
    rules_dir=None,
) -> list[dict[str, Any]]:
    """Per sender (``by="sender"``) or per list (``"list"``): messages, read,
    unread, read_unknown, replied, read and reply rates, the never-read
    mark and the harvested unsubscribe link; ``limit`` rows at most."""
    return habits_page(
        engine,
        by=by,
        never_read_only=never_read_only,
        sort=sort,
        search=search,
        limit=limit,
        rules_dir=rules_dir,
    )[1]


def habits_page(
    engine: Engine,
    *,
    by: str = "sender",
    never_read_only: bool = False,
    sort: str = "unread",
    search: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    rules_dir=None,
) -> tuple[int, list[dict[str, Any]]]:
    """``(rows matching, the page of rows)``: links are harvested for the page only."""
    if by not in GROUPINGS:
        raise HabitsError(f"group by one of {', '.join(GROUPINGS)}, not {by!r}")
    rules = habit_rules(rules_dir)
    with engine.connect() as conn:
        rows = habit_rows(_counted(conn, by, search), rules, only_never_read=never_read_only)
        try:
            rows = sort_rows(rows, sort)
        except ValueError as exc:
            raise HabitsError(str(exc)) from exc
        total = len(rows)
        rows = rows[offset : None if limit is None else offset + limit]
        _harvest(conn, by, rows)
    for row in rows:
        row.pop("list_id_headers", None)
        for name in ("one_click_messages", "link_messages", "mailto_messages"):
            row.pop(name, None)
        row[by if by == "list" else "sender"] = row["key"]
    return total, rows

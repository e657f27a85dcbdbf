"""Conversations: threads rebuilt from Message-ID / In-Reply-To / References.

Grouping is a union-find over message ids (a referenced message that is not
stored still links its replies), Gmail thread ids, and a subject fallback for
replies whose client dropped the headers ("Re: price list" between the same
people within :data:`SUBJECT_WINDOW`). The derived fields use real send
times (UTC), never wall-clock strings.

Pure functions (:func:`group_messages`, :func:`thread_key`,
:func:`summarize_thread`) hold the rules; :func:`update_threads` and
:func:`rebuild_all_threads` are the database edges.
"""

from __future__ import annotations

import hashlib
import re
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, delete, func, select, update

from inboxmine.db.engine import write_tx
from inboxmine.db.tables.ingest import messages, threads
from inboxmine.sources.replies import awaiting_response_from, new_text

#: A reply that lost its headers joins a thread whose last message is at most this old.
SUBJECT_WINDOW = timedelta(days=30)
KEY_LENGTH = 512
_CHUNK = 500  # bound parameters per IN query (SQLite's limit is higher, but be kind)
#: New messages threaded at a time, oldest first: a first import of a whole
#: mailbox holds this many (with their threads) in memory, not every message.
THREAD_BATCH = 5000
_WRITE_CHUNK = 500  # threads per write transaction

_PREFIX = re.compile(
    r"^\s*(?:(?:re|fwd?|aw|wg|sv|vs|antw|antwort|tr|rif|ref|r|rv|enc|odp|res)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]|\[[^\]]{0,60}\])\s*",
    re.IGNORECASE,
)
_REPLY_PREFIX = re.compile(
    r"^\s*(?:\[[^\]]{0,60}\]\s*)*(?:re|fwd?|aw|wg|sv|vs|antw|antwort|tr|rif|r|rv|enc|odp|res)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]",
    re.IGNORECASE,
)
_BULK_PRECEDENCE = ("bulk", "list", "junk")


def normalize_subject(subject: str | None) -> str:
    """A subject without reply/forward prefixes (Re:, Fwd:, AW:, WG:, SV: ...),
    list tags ([team]) and extra whitespace, lower-cased."""
    text = subject or ""
    for _ in range(20):  # "Re: Fwd: [x] RE: ..." - bounded, prefixes are short
        stripped = _PREFIX.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    return " ".join(text.split()).lower()


def has_reply_prefix(subject: str | None) -> bool:
    """True for "Re: ..." / "Fwd: ..." style subjects."""
    return bool(subject and _REPLY_PREFIX.match(subject))


@dataclass
class ThreadMessage:
    """What threading needs to know about one stored message."""

    id: int
    message_id: str | None
    sent_at: datetime
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    gmail_thread_id: str | None = None
    subject: str | None = None
    from_address: str | None = None
    to_addresses: list[str] = field(default_factory=list)
    cc_addresses: list[str] = field(default_factory=list)
    is_sent: bool = False
    thread_id: int | None = None

    @property
    def participants(self) -> set[str]:
        people = set(self.to_addresses or ()) | set(self.cc_addresses or ())
        if self.from_address:
            people.add(self.from_address)
        return people

    @property
    def lost_headers(self) -> bool:
        """A reply (by its subject) that carries no link to what it answers."""
        return not self.in_reply_to and not self.references and has_reply_prefix(self.subject)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        parent = self.parent.setdefault(item, item)
        if parent == item:
            return item
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:  # path compression
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: str, b: str) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            # Smaller string wins: the result does not depend on input order.
            if root_b < root_a:
                root_a, root_b = root_b, root_a
            self.parent[root_b] = root_a


def _order(message: ThreadMessage) -> tuple[datetime, int]:
    return (message.sent_at, message.id)


def group_messages(
    items: Iterable[ThreadMessage], window: timedelta = SUBJECT_WINDOW
) -> list[list[ThreadMessage]]:
    """Split messages into threads; each thread sorted by real send time.

    Linked by Message-ID / In-Reply-To / References (also through referenced
    messages that are not stored), by Gmail thread id, and - for replies
    that lost those headers - by normalized subject between the same people
    within ``window`` before the reply. Groups with the same
    :func:`thread_key` are one thread.
    """
    ordered = sorted(items, key=_order)
    uf = _UnionFind()
    for m in ordered:
        node = f"row:{m.id}"
        uf.find(node)
        for mid in [m.message_id, m.in_reply_to, *(m.references or ())]:
            if mid:
                uf.union(node, f"mid:{mid}")
        if m.gmail_thread_id:
            uf.union(node, f"gmail:{m.gmail_thread_id}")
    _link_lost_replies(ordered, uf, window)
    groups: dict[str, list[ThreadMessage]] = {}
    for m in ordered:
        groups.setdefault(uf.find(f"row:{m.id}"), []).append(m)
    by_key: dict[str, list[ThreadMessage]] = {}
    for group in groups.values():
        by_key.setdefault(thread_key(group), []).extend(group)
    return [sorted(group, key=_order) for group in by_key.values()]


def _link_lost_replies(ordered: list[ThreadMessage], uf: _UnionFind, window: timedelta) -> None:
    by_subject: dict[str, list[ThreadMessage]] = {}
    for m in ordered:
        subject = normalize_subject(m.subject)
        if m.lost_headers and subject:
            # Candidates: earlier messages with this subject, between these people.
            for candidate in reversed(by_subject.get(subject, [])):
                if m.sent_at - candidate.sent_at > window:
                    break
                if (
                    m.from_address
                    and m.from_address in candidate.participants
                    and candidate.from_address in m.participants
                ):
                    uf.union(f"row:{m.id}", f"row:{candidate.id}")
                    break
        if subject:
            by_subject.setdefault(subject, []).append(m)


def thread_key(group: Sequence[ThreadMessage]) -> str:
    """The stable name of a thread: its Gmail thread id, else the Message-ID of
    its root, else ``subject:<normalized subject>|<participants>``, else (no
    subject or no addresses) ``message:<row id>``."""
    gmail_ids = sorted(m.gmail_thread_id for m in group if m.gmail_thread_id)
    if gmail_ids:
        return _fit(gmail_ids[0])
    first = min(group, key=_order)
    # The root is what the earliest message points to as the start (References
    # lists the root first), even when the root itself is not stored.
    candidates = [
        m for m in sorted(group, key=_order) if m.message_id or m.references or m.in_reply_to
    ]
    if candidates:
        m = candidates[0]
        root = (m.references[0] if m.references else None) or m.in_reply_to or m.message_id
        return _fit(root)
    people = sorted(set().union(*(m.participants for m in group)))
    subject = normalize_subject(first.subject)
    if not subject or not people:
        # Nothing to recognise it by (e.g. unparseable): a thread of its own.
        return f"message:{first.id}"
    return _fit(f"subject:{subject}|{','.join(people)}")


def _fit(key: str) -> str:
    if len(key) <= KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


def is_bulk(headers: dict[str, list[str]] | None) -> bool:
    """Mailing-list or bulk mail (List-Unsubscribe, Precedence: bulk/list/junk)."""
    if not headers:
        return False
    if headers.get("list-unsubscribe") or headers.get("list-id"):
        return True
    return any(value.strip().lower() in _BULK_PRECEDENCE for value in headers.get("precedence", []))


def summarize_thread(
    group: Sequence[ThreadMessage],
    last_body_text: str | None,
    last_body_html: str | None,
    now: datetime,
    last_headers: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """The derived ``threads`` columns of one thread (sorted by send time).

    Who owes a reply is read from the last message's own words (quoted text
    removed). A bulk mailing that asks "Questions?" owes nobody an answer
    unless the user has taken part in the thread.
    """
    ordered = sorted(group, key=_order)
    first, last = ordered[0], ordered[-1]
    people: set[str] = set()
    for m in ordered:
        people |= m.participants
    sent = [m for m in ordered if m.is_sent]
    user_participated = bool(sent)
    if not last.is_sent and not user_participated and is_bulk(last_headers):
        awaiting = "none"  # nothing to read: a mailing owes nobody an answer
    else:
        awaiting = awaiting_response_from(last.is_sent, new_text(last_body_text, last_body_html))
    return {
        "thread_key": thread_key(ordered),
        "subject": first.subject if first.subject is not None else last.subject,
        "participant_count": len(people),
        "message_count": len(ordered),
        "first_message_at": first.sent_at,
        "last_message_at": last.sent_at,
        "last_sender": last.from_address,
        "user_participated": user_participated,
        "user_last_replied_at": sent[-1].sent_at if sent else None,
        "awaiting_response_from": awaiting,
        "days_dormant": max(0, (now - last.sent_at).days),
        "updated_at": now,
    }


# --- database edges --------------------------------------------------------

_COLUMNS = (
    messages.c.id,
    messages.c.message_id,
    messages.c.sent_at,
    messages.c.in_reply_to,
    messages.c.references,
    messages.c.gmail_thread_id,
    messages.c.subject,
    messages.c.from_address,
    messages.c.to_addresses,
    messages.c.cc_addresses,
    messages.c.is_sent,
    messages.c.thread_id,
)


def _to_thread_message(row) -> ThreadMessage:
    return ThreadMessage(
        id=row.id,
        message_id=row.message_id,
        sent_at=row.sent_at,
        in_reply_to=row.in_reply_to,
        references=list(row.references or []),
        gmail_thread_id=row.gmail_thread_id,
        subject=row.subject,
        from_address=row.from_address,
        to_addresses=list(row.to_addresses or []),
        cc_addresses=list(row.cc_addresses or []),
        is_sent=bool(row.is_sent),
        thread_id=row.thread_id,
    )


def _load_where(
    conn,
    column,
    values: Iterable[Any],
    known: dict[int, ThreadMessage],
    asked: dict[str, set] | None = None,
) -> int:
    """Load messages whose ``column`` is in ``values`` into ``known``; returns how many were new.

    ``asked`` (by column) remembers the values already looked up, so that a
    fixpoint only asks for what its last round added."""
    wanted = {v for v in values if v is not None}
    if asked is not None:
        wanted -= asked.setdefault(column.key, set())
        asked[column.key] |= wanted
    if column is messages.c.id:
        new = sorted(wanted - known.keys())
    else:  # ids first (from the index): rows already known are not read again
        found = _rows_where_in(conn, select(messages.c.id), column, sorted(wanted))
        new = sorted({row.id for row in found} - known.keys())
    added = 0
    for row in _rows_where_in(conn, select(*_COLUMNS), messages.c.id, new):
        known[row.id] = _to_thread_message(row)
        added += 1
    return added


def _rows_where_in(conn, query, column, values: Sequence[Any]) -> Iterator[Any]:
    """The rows of ``query`` whose ``column`` is one of ``values``, asked
    ``_CHUNK`` values at a time."""
    for start in range(0, len(values), _CHUNK):
        yield from conn.execute(query.where(column.in_(values[start : start + _CHUNK])))


def _expand(
    conn,
    known: dict[int, ThreadMessage],
    seeds: list[ThreadMessage],
    subjects: SubjectIndex,
    asked: dict[str, set],
) -> None:
    """Add every stored message that may share a thread with ``known``
    (``asked``: the lookups done so far for these messages)."""
    # Replies that lost their headers: stored messages with the same subject
    # shortly before.
    windows: dict[str, tuple[datetime, datetime]] = {}
    for seed in seeds:
        subject = normalize_subject(seed.subject)
        if seed.lost_headers and subject:
            low, high = windows.get(subject, (seed.sent_at, seed.sent_at))
            windows[subject] = (min(low, seed.sent_at), max(high, seed.sent_at))
    if windows:
        _load_where(conn, messages.c.id, subjects.candidates(conn, windows), known)
    for _ in range(50):  # a fixpoint; each round follows links one step further
        items = list(known.values())
        mids = {mid for m in items for mid in (m.message_id, m.in_reply_to, *m.references) if mid}
        gmail = {m.gmail_thread_id for m in items if m.gmail_thread_id}
        thread_ids = {m.thread_id for m in items if m.thread_id is not None}
        added = _load_where(conn, messages.c.message_id, mids, known, asked)
        # Replies to these messages, and to what they refer to (siblings that
        # share a parent that is not stored are one thread).
        added += _load_where(conn, messages.c.in_reply_to, mids, known, asked)
        added += _load_where(conn, messages.c.gmail_thread_id, gmail, known, asked)
        added += _load_where(conn, messages.c.thread_id, thread_ids, known, asked)
        if not added:
            return


class SubjectIndex:
    """Stored messages by normalized subject over a moving time span.

    Batches come oldest first, so each batch needs the span from its oldest
    lost reply minus :data:`SUBJECT_WINDOW` to its newest: only what the span
    gained since the last batch is read (ids, times and subjects), and what
    it left behind is dropped. Each message is read once per update, and the
    index holds one window of mail, whatever the mailbox's size.
    """

    def __init__(self) -> None:
        self._by_subject: dict[str, list[tuple[datetime, int]]] = {}
        self._span: tuple[datetime, datetime] | None = None

    def candidates(self, conn, windows: dict[str, tuple[datetime, datetime]]) -> list[int]:
        """Ids of stored messages with one of the subjects, within its window."""
        low = min(low for low, _ in windows.values()) - SUBJECT_WINDOW
        high = max(high for _, high in windows.values())
        if self._span is None:
            self._read(conn, messages.c.sent_at.between(low, high))
            self._span = (low, high)
        else:
            read_low, read_high = self._span
            if low < read_low:
                self._read(conn, messages.c.sent_at >= low, messages.c.sent_at < read_low)
            if high > read_high:
                self._read(conn, messages.c.sent_at > read_high, messages.c.sent_at <= high)
            self._span = (min(low, read_low), max(high, read_high))
            if low > self._span[0]:
                self._forget_before(low)
        found = []
        for subject, (first, last) in windows.items():
            found += [
                message_id
                for sent_at, message_id in self._by_subject.get(subject, ())
                if first - SUBJECT_WINDOW <= sent_at <= last
            ]
        return found

    def _read(self, conn, *conditions) -> None:
        query = select(messages.c.id, messages.c.sent_at, messages.c.subject).where(
            messages.c.subject.is_not(None), *conditions
        )
        for row in conn.execute(query):
            subject = normalize_subject(row.subject)
            if subject:
                self._by_subject.setdefault(subject, []).append((row.sent_at, row.id))

    def _forget_before(self, low: datetime) -> None:
        for subject in list(self._by_subject):
            kept = [entry for entry in self._by_subject[subject] if entry[0] >= low]
            if kept:
                self._by_subject[subject] = kept
            else:
                del self._by_subject[subject]
        self._span = (low, self._span[1])


def _bodies(conn, ids: list[int]) -> dict[int, tuple[str | None, str | None, Any]]:
    query = select(messages.c.id, messages.c.body_text, messages.c.body_html, messages.c.headers)
    return {
        row.id: (row.body_text, row.body_html, row.headers)
        for row in _rows_where_in(conn, query, messages.c.id, ids)
    }


def _write(
    engine: Engine, groups: list[list[ThreadMessage]], old_thread_ids: set[int], now: datetime
) -> int:
    """Store the threads of ``groups`` and point their messages at them."""
    used: set[int] = set()
    for start in range(0, len(groups), _WRITE_CHUNK):
        chunk = groups[start : start + _WRITE_CHUNK]
        with engine.connect() as conn:
            bodies = _bodies(conn, [group[-1].id for group in chunk])
        summaries = []
        for group in chunk:
            text, html, headers = bodies.get(group[-1].id, (None, None, None))
            summaries.append(summarize_thread(group, text, html, now, headers))
        with write_tx(engine) as conn:
            keys = [s["thread_key"] for s in summaries]
            existing = dict(
                conn.execute(
                    select(threads.c.thread_key, threads.c.id).where(threads.c.thread_key.in_(keys))
                ).all()
            )
            new_rows = [s for s in summaries if s["thread_key"] not in existing]
            if new_rows:
                result = conn.execute(
                    threads.insert().returning(threads.c.id, threads.c.thread_key), new_rows
                )
                existing.update({row.thread_key: row.id for row in result})
            inserted = {r["thread_key"] for r in new_rows}
            updates = [
                dict(s, tid=existing[s["thread_key"]])
                for s in summaries
                if s["thread_key"] not in inserted
            ]
            if updates:
                conn.execute(
                    update(threads)
                    .where(threads.c.id == bindparam("tid"))
                    .values(
                        {name: bindparam(name) for name in summaries[0] if name != "thread_key"}
                    ),
                    updates,
                )
            links = [
                {"mid": m.id, "tid": existing[s["thread_key"]]}
                for group, s in zip(chunk, summaries, strict=True)
                for m in group
                if m.thread_id != existing[s["thread_key"]]
            ]
            if links:
                conn.execute(
                    update(messages)
                    .where(messages.c.id == bindparam("mid"))
                    .values(thread_id=bindparam("tid")),
                    links,
                )
            used.update(existing[k] for k in keys)
    orphans = sorted(old_thread_ids - used)
    if orphans:
        with write_tx(engine) as conn:
            for start in range(0, len(orphans), _CHUNK):
                chunk_ids = orphans[start : start + _CHUNK]
                still_used = set(
                    conn.execute(
                        select(messages.c.thread_id).where(messages.c.thread_id.in_(chunk_ids))
                    ).scalars()
                )
                gone = [t for t in chunk_ids if t not in still_used]
                if gone:
                    conn.execute(delete(threads).where(threads.c.id.in_(gone)))
    return len(groups)


def update_threads(
    engine: Engine, message_ids: Iterable[int] | None = None, now: datetime | None = None
) -> int:
    """Recompute the threads touched by new messages; returns how many threads.

    ``message_ids`` are the new messages (default: every message not yet in a
    thread, which also finishes the work of an import that was interrupted).
    Only their threads - and threads they merge - are recomputed, oldest
    messages first, :data:`THREAD_BATCH` at a time.
    """
    now = now or datetime.now(UTC)
    with engine.connect() as conn:
        if message_ids is None:
            query = select(messages.c.id).where(messages.c.thread_id.is_(None))
            # 8 bytes a message: even a million new messages is a few MB here.
            ids = array(
                "q", conn.execute(query.order_by(messages.c.sent_at, messages.c.id)).scalars()
            )
        else:
            query = select(messages.c.id, messages.c.sent_at)
            rows = list(_rows_where_in(conn, query, messages.c.id, sorted(set(message_ids))))
            ids = array("q", (row.id for row in sorted(rows, key=lambda r: (r.sent_at, r.id))))
    if not ids:
        return 0
    subjects = SubjectIndex()
    for start in range(0, len(ids), THREAD_BATCH):
        _update_batch(engine, list(ids[start : start + THREAD_BATCH]), now, subjects)
    with engine.connect() as conn:
        return conn.execute(
            select(func.count()).select_from(threads).where(threads.c.updated_at == now)
        ).scalar_one()


def _update_batch(
    engine: Engine, message_ids: list[int], now: datetime, subjects: SubjectIndex
) -> None:
    known: dict[int, ThreadMessage] = {}
    with engine.connect() as conn:
        _load_where(conn, messages.c.id, message_ids, known)
        if not known:
            return
        seeds = list(known.values())
        asked: dict[str, set] = {}
        _expand(conn, known, seeds, subjects, asked)
        for _ in range(5):
            groups = group_messages(known.values())
            # A thread already stored under one of these keys must be whole.
            keys = [thread_key(g) for g in groups]
            stored = _rows_where_in(conn, select(threads.c.id), threads.c.thread_key, keys)
            ids = {row.id for row in stored}
            if not _load_where(conn, messages.c.thread_id, ids, known, asked):
                break
            _expand(conn, known, [], subjects, asked)
    old_thread_ids = {m.thread_id for m in known.values() if m.thread_id is not None}
    _write(engine, groups, old_thread_ids, now)


def rebuild_all_threads(engine: Engine, now: datetime | None = None) -> int:
    """Regroup every message and recompute every thread (also refreshes
    ``days_dormant``, which changes daily); returns how many threads."""
    now = now or datetime.now(UTC)
    with engine.connect() as conn:
        items = [_to_thread_message(row) for row in conn.execute(select(*_COLUMNS))]
        old_thread_ids = set(conn.execute(select(threads.c.id)).scalars())
    groups = group_messages(items)
    return _write(engine, groups, old_thread_ids, now)

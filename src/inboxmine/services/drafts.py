"""Outreach drafts: written by the engage stage, then the user's to edit,
approve, mark sent (inboxmine never sends) and archive.

The engage stage stores each draft through :func:`record_draft`; the CLI
(``inboxmine drafts``), the API and the admin's Drafts view change them
through the other functions here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from inboxmine.db.tables.engage import engagement_drafts
from inboxmine.db.types import utcnow
from inboxmine.services.base import Db, InvalidValue, NotFound, check_choice, writing

#: A draft's life: inboxmine writes ``draft``; the user approves, sends (outside
#: inboxmine) and archives.
DRAFT_STATUSES = ("draft", "approved", "sent", "archived")
#: How the recipient answered, when the user records it.
RESPONSE_SENTIMENTS = ("positive", "neutral", "negative")
#: Longest texts a user may store in a draft (a subject line, a plain-text body).
MAX_SUBJECT_CHARS = 300
MAX_BODY_CHARS = 20_000


def not_found(draft_id: int) -> NotFound:
    return NotFound(f"draft {draft_id} does not exist: `inboxmine drafts` lists the drafts")


def check_draft(gem_id: int, strategy: str, subject_line: str, body_text: str) -> None:
    """A draft needs a subject and a body (raises :class:`InvalidValue`)."""
    if not (subject_line or "").strip() or not (body_text or "").strip():
        raise InvalidValue(
            f"the draft for gem {gem_id} ({strategy}) has an empty subject or body: "
            "the model's answer must give both"
        )


def record_draft(
    conn: Connection,
    *,
    gem_id: int,
    sender_domain: str,
    strategy: str,
    channel: str | None,
    version: int,
    subject_line: str,
    body_text: str,
    model_used: str | None,
    prompt_template: str | None,
    context: dict[str, Any] | None,
    pipeline_run_id: int | None,
    generated_at: datetime | None = None,
) -> int:
    """Store a new draft (status ``draft``) as the engage stage wrote it; its id.

    ``version`` is 1 for the first draft of a gem and strategy (a regenerated
    one is the next); ``context`` holds the facts the prompt saw."""
    check_draft(gem_id, strategy, subject_line, body_text)
    result = conn.execute(
        insert(engagement_drafts).values(
            gem_id=gem_id,
            sender_domain=sender_domain,
            strategy=strategy,
            channel=channel,
            version=version,
            subject_line=subject_line,
            body_text=body_text,
            status="draft",
            model_used=model_used,
            prompt_template=prompt_template,
            context=context,
            pipeline_run_id=pipeline_run_id,
            generated_at=generated_at or utcnow(),
        )
    )
    return int(result.inserted_primary_key[0])


def _current(conn: Connection, draft_id: int) -> dict[str, Any]:
    row = (
        conn.execute(select(engagement_drafts).where(engagement_drafts.c.id == draft_id))
        .mappings()
        .first()
    )
    if row is None:
        raise not_found(draft_id)
    return dict(row)


def _status_values(row: dict[str, Any], status: str, now: datetime) -> dict[str, Any]:
    """``sent`` stamps ``sent_at`` (the first time); back to ``draft`` or
    ``approved`` clears it; ``archived`` keeps it."""
    check_choice(status, DRAFT_STATUSES, "draft status")
    sent_at = row["sent_at"]
    if status == "sent":
        sent_at = sent_at or now
    elif status in ("draft", "approved"):
        sent_at = None
    return {"status": status, "sent_at": sent_at}


def _text_values(
    row: dict[str, Any], subject_line: str | None, body_text: str | None, unchanged_ok: bool
) -> dict[str, Any]:
    """The validated new text; the first edit keeps the AI's text in ``original_text``.

    With ``unchanged_ok`` (a form that always sends the text) the same text
    again is no edit at all."""
    values: dict[str, Any] = {}
    if subject_line is not None:
        subject_line = " ".join(subject_line.split())
        if not subject_line:
            raise InvalidValue("the subject line is empty: give some text")
        if len(subject_line) > MAX_SUBJECT_CHARS:
            raise InvalidValue(
                f"the subject line has {len(subject_line)} characters: "
                f"keep it under {MAX_SUBJECT_CHARS}"
            )
        values["subject_line"] = subject_line
    if body_text is not None:
        body_text = body_text.replace("\r\n", "\n").strip()
        if not body_text:
            raise InvalidValue("the body is empty: give the text of the email")
        if len(body_text) > MAX_BODY_CHARS:
            raise InvalidValue(
                f"the body has {len(body_text)} characters: keep it under {MAX_BODY_CHARS}"
            )
        values["body_text"] = body_text
    if unchanged_ok and all(row[k] == v for k, v in values.items()):
        return {}
    if row["status"] == "sent":
        raise InvalidValue(
            f"draft {row['id']} was sent: its text is the record of what went out "
            f"(`inboxmine drafts set-status {row['id']} approved` first to change it)"
        )
    if row["original_text"] is None:
        values["original_text"] = {
            "subject_line": row["subject_line"],
            "body_text": row["body_text"],
        }
    return values


def set_draft_status(db: Db, draft_id: int, status: str) -> dict[str, Any]:
    """Move a draft to draft, approved, sent or archived (see :func:`_status_values`)."""
    check_choice(status, DRAFT_STATUSES, "draft status")
    now = utcnow()
    with writing(db) as conn:
        values = _status_values(_current(conn, draft_id), status, now)
        conn.execute(
            update(engagement_drafts)
            .where(engagement_drafts.c.id == draft_id)
            .values(updated_at=now, **values)
        )
    return {"id": draft_id, **values}


def update_draft_text(
    db: Db,
    draft_id: int,
    subject_line: str | None = None,
    body_text: str | None = None,
) -> dict[str, Any]:
    """Replace a draft's subject and/or body with the user's text; returns the draft.

    The first edit copies the AI's text to ``original_text`` (later edits keep
    that first copy), so the draft, its audit row and what the model wrote stay
    comparable. A sent draft is a record of what went out and is not edited.
    """
    if subject_line is None and body_text is None:
        raise InvalidValue("nothing to change: give a new subject line, a new body, or both")
    now = utcnow()
    with writing(db) as conn:
        values = _text_values(_current(conn, draft_id), subject_line, body_text, False)
        conn.execute(
            update(engagement_drafts)
            .where(engagement_drafts.c.id == draft_id)
            .values(edited_at=now, updated_at=now, **values)
        )
        return _current(conn, draft_id)


def edit_draft(
    db: Db,
    draft_id: int,
    subject_line: str | None = None,
    body_text: str | None = None,
    status: str | None = None,
    response_received: bool | None = None,
    response_sentiment: str | None = None,
) -> dict[str, Any]:
    """Change any of a draft's user fields at once (the admin's edit form); returns the draft.

    The text is checked against the draft as it was (a sent draft's text is
    refused even when the same form sets it back to approved), then the
    status moves; a blank ``response_sentiment`` clears it. Fields left None
    keep their value.
    """
    sentiment = None
    if response_sentiment is not None:
        sentiment = response_sentiment.strip() or None
        check_choice(sentiment, RESPONSE_SENTIMENTS, "response sentiment")
    now = utcnow()
    with writing(db) as conn:
        row = _current(conn, draft_id)
        values = _text_values(row, subject_line, body_text, True)
        if values:
            values["edited_at"] = now
        if status is not None and status != row["status"]:
            values.update(_status_values(row, status, now))
        if response_received is not None:
            values["response_received"] = bool(response_received)
        if response_sentiment is not None:
            values["response_sentiment"] = sentiment
        if values:
            conn.execute(
                update(engagement_drafts)
                .where(engagement_drafts.c.id == draft_id)
                .values(updated_at=now, **values)
            )
        return _current(conn, draft_id)


__all__ = [
    "DRAFT_STATUSES",
    "MAX_BODY_CHARS",
    "MAX_SUBJECT_CHARS",
    "RESPONSE_SENTIMENTS",
    "edit_draft",
    "record_draft",
    "set_draft_status",
    "update_draft_text",
]

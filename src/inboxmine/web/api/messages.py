"""Messages as delivered (read-only); HTML only ever sanitized."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import Engine

from inboxmine.web import data
from inboxmine.web.api.deps import Limit, Offset, Page, engine, not_found, page
from inboxmine.web.sanitize import sanitize_html

router = APIRouter(tags=["messages"])


class MessagePage(Page):
    """One page of messages."""


@router.get("/messages", response_model=MessagePage, summary="Messages, newest first")
def list_messages(
    db: Annotated[Engine, Depends(engine)],
    q: Annotated[str | None, Query(max_length=200, description="subject, sender or name")] = None,
    sender: Annotated[str | None, Query(max_length=320, description="exact from address")] = None,
    thread_id: Annotated[int | None, Query(ge=1)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    total, rows = data.messages_page(db, q, sender, thread_id, limit, offset)
    return page(total, rows)


@router.get("/messages/{message_id}", summary="One message; its HTML sanitized")
def get_message(message_id: int, db: Annotated[Engine, Depends(engine)]) -> dict[str, Any]:
    found = data.message(db, message_id)
    if found is None:
        raise not_found(f"message {message_id}")
    body = sanitize_html(found.pop("body_html", None))
    found["body_html_sanitized"] = body.html
    found["remote_images_blocked"] = body.blocked_images
    found["attachments"] = data.message_attachments(db, message_id)
    return data.jsonable(found)

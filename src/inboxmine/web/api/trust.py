"""Sender trust: verdicts with their evidence, the Suspicious senders report, corrections."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from inboxmine.config import Settings
from inboxmine.db.tables.trust import TRUST_VERDICTS
from inboxmine.trust import service
from inboxmine.web.api.deps import Limit, Offset, Page, engine, invalid, not_found, page, settings
from inboxmine.web.data import jsonable

router = APIRouter(tags=["trust"])
Verdict = Literal[TRUST_VERDICTS]  # type: ignore[valid-type]


class TrustPage(Page):
    """One page of judged senders, the worst first."""


class Correction(BaseModel):
    """The user's verdict for a sender; it wins over the computed one."""

    sender_domain: str = Field(min_length=1, max_length=320)
    verdict: Verdict  # type: ignore[valid-type]
    reason: str | None = Field(default=None, max_length=500)


@router.get("/trust/senders", response_model=TrustPage, summary="Judged senders, the worst first")
def list_senders(
    db: Annotated[Engine, Depends(engine)],
    verdict: Annotated[list[Verdict] | None, Query()] = None,  # type: ignore[valid-type]
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    total, rows = service.list_senders(db, verdict or None, limit, offset)
    return page(total, rows)


@router.get("/trust/report", summary="The Suspicious senders report: phishing, spam, suspicious")
def report(db: Annotated[Engine, Depends(engine)], limit: Limit = 100) -> list[dict[str, Any]]:
    return [jsonable(r) for r in service.report(db, limit)]


@router.get(
    "/trust/senders/{sender_domain:path}",
    summary="One sender's verdict, signals with evidence, messages and gems",
)
def get_sender(sender_domain: str, db: Annotated[Engine, Depends(engine)]) -> dict[str, Any]:
    try:
        return jsonable(service.sender_detail(db, sender_domain))
    except service.InvalidValue as exc:
        raise invalid(str(exc)) from exc
    except service.NotFound as exc:
        raise not_found(f"trust of sender {sender_domain[:320]!r}") from exc


@router.post("/trust/overrides", summary="Correct a sender's verdict (applied at once)")
def set_override(
    correction: Correction,
    db: Annotated[Engine, Depends(engine)],
    config: Annotated[Settings, Depends(settings)],
) -> dict[str, Any]:
    try:
        trust = service.set_verdict(
            db,
            correction.sender_domain,
            correction.verdict,
            correction.reason,
            "web",
            config.rules_dir,
        )
    except service.InvalidValue as exc:
        raise invalid(str(exc)) from exc
    return jsonable(trust)


@router.delete(
    "/trust/overrides/{sender_domain:path}",
    summary="Remove a correction: the verdict is what the messages say again",
)
def clear_override(
    sender_domain: str,
    db: Annotated[Engine, Depends(engine)],
    config: Annotated[Settings, Depends(settings)],
) -> dict[str, Any]:
    try:
        trust = service.clear_verdict(db, sender_domain, config.rules_dir)
    except service.InvalidValue as exc:
        raise invalid(str(exc)) from exc
    except service.NotFound as exc:
        raise not_found(f"a correction of sender {sender_domain[:320]!r}") from exc
    return {"sender_domain": service.sender_key(sender_domain), "trust": jsonable(trust)}


@router.get("/trust/messages/{message_id}", summary="One message's verdict and its signals")
def message_trust(message_id: int, db: Annotated[Engine, Depends(engine)]) -> dict[str, Any]:
    try:
        return jsonable(service.message_detail(db, message_id))
    except service.NotFound as exc:
        raise not_found(f"trust of message {message_id}") from exc

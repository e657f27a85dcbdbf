"""Judge the gems: rate one good or bad (with a reason), remove a rating, and the
precision the ratings give (overall, per gem type, top 10/20).

Included by the gems router before its ``/gems/{gem_id}`` routes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from inboxmine.config import Settings
from inboxmine.db.engine import read_tx, write_tx
from inboxmine.opportunities import feedback, quality
from inboxmine.rules.loader import RulesError
from inboxmine.services import ratings
from inboxmine.web.api.deps import engine, invalid, settings
from inboxmine.web.data import jsonable

router = APIRouter(tags=["gems"])

#: spam, not_a_business, already_handled, my_vendor, other (one list: feedback.BAD_REASONS).
BadReason = Literal[*feedback.BAD_REASONS]


class RatingIn(BaseModel):
    """A judgement of one gem; ``reason`` only with ``bad``."""

    rating: Literal["good", "bad"]
    reason: BadReason | None = None
    note: str | None = Field(default=None, max_length=ratings.MAX_NOTE_CHARS)


class Rating(BaseModel):
    id: int
    gem_id: int
    gem_type: str
    sender_domain: str
    thread_key: str
    rating: str
    reason: str | None
    note: str | None
    rank_at_rating: int | None
    score_at_rating: int | None
    rated_by: str
    created_at: datetime
    updated_at: datetime | None


class Suppression(BaseModel):
    sender_domain: str
    gem_type: str
    #: '' = every thread of the sender.
    thread_key: str


class TrustMark(BaseModel):
    verdict: str | None
    source: str | None
    changed: bool


class RatingResult(BaseModel):
    """The rating and what it changed: the gem's status, the suppressions of that
    sender and gem type now in force, the sender's trust override."""

    gem_id: int
    rating: Rating | None
    status: str
    suppressions: list[Suppression]
    trust: TrustMark
    removed: Rating | None = None


class Figures(BaseModel):
    rated: int
    good: int
    bad: int
    precision: float | None


class TypeFigures(Figures):
    gem_type: str


class TopFigures(Figures):
    top: int


class Quality(Figures):
    """Precision = good / rated; ``null`` with ``note`` when nothing is rated."""

    by_type: list[TypeFigures]
    top: list[TopFigures]
    bad_reasons: dict[str, int]
    suppressions: int
    note: str | None


def rating_of(db: Engine, gem_id: int) -> dict[str, Any] | None:
    """The gem's rating, for its detail (``None`` while it is not rated)."""
    with read_tx(db) as conn:
        return ratings.get_rating(conn, gem_id)


def _rules(config: Settings) -> dict[str, Any]:
    try:
        return feedback.feedback_rules(config.rules_dir)
    except RulesError as exc:
        raise invalid(str(exc)) from exc


@router.get("/gems/quality", response_model=Quality, summary="Gem precision from your ratings")
def gem_quality(db: Annotated[Engine, Depends(engine)]) -> dict[str, Any]:
    with read_tx(db) as conn:
        return quality.quality(conn)


@router.post(
    "/gems/{gem_id}/rating",
    response_model=RatingResult,
    summary="Rate a gem good or bad (bad: dismissed, not proposed again)",
)
def rate_gem(
    gem_id: int,
    body: RatingIn,
    db: Annotated[Engine, Depends(engine)],
    config: Annotated[Settings, Depends(settings)],
) -> dict[str, Any]:
    """Re-rating replaces. A bad rating dismisses the gem, keeps its sender (or
    thread) from being proposed again for that gem type, and with reason
    ``spam`` marks the sender spam (trust override, source ``rating``)."""
    rules = _rules(config)
    try:
        with write_tx(db) as conn:
            result = ratings.rate(conn, gem_id, body.rating, body.reason, body.note, "web", rules)
    except ratings.NotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    except ratings.InvalidRating as exc:
        raise invalid(str(exc)) from exc
    return jsonable(result)


@router.delete(
    "/gems/{gem_id}/rating",
    response_model=RatingResult,
    summary="Remove a gem's rating and what it taught",
)
def unrate_gem(
    gem_id: int,
    db: Annotated[Engine, Depends(engine)],
    config: Annotated[Settings, Depends(settings)],
) -> dict[str, Any]:
    rules = _rules(config)
    try:
        with write_tx(db) as conn:
            result = ratings.unrate(conn, gem_id, rules)
    except ratings.NotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    return jsonable(result)

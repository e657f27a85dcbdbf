"""What every endpoint needs, taken from the app's state."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import HTTPException, Query, Request
from pydantic import BaseModel
from sqlalchemy import Engine

from inboxmine.config import Settings
from inboxmine.web.queue import TaskQueue

#: The paging parameters of every list endpoint: at most 500 rows a page.
Limit = Annotated[int, Query(ge=1, le=500, description="rows per page")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="rows to skip")]


class Page(BaseModel):
    """One page of a list endpoint: the number of matching rows and this page's rows."""

    total: int
    items: list[dict[str, Any]]


def page(total: int, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A :class:`Page` of database rows, each made JSON-ready."""
    from inboxmine.web.data import jsonable

    return {"total": total, "items": [jsonable(r) for r in rows]}


def engine(request: Request) -> Engine:
    return request.app.state.engine


def settings(request: Request) -> Settings:
    return request.app.state.settings


def task_queue(request: Request) -> TaskQueue:
    return request.app.state.queue


def not_found(what: str) -> HTTPException:
    return HTTPException(status_code=404, detail=f"{what} does not exist")


def invalid(message: str) -> HTTPException:
    """A parameter the endpoint cannot use: 422 with the reason (never a 500)."""
    return HTTPException(status_code=422, detail=message)

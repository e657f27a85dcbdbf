"""What every endpoint needs, taken from the app's state."""

from __future__ import annotations

from fastapi import HTTPException, Request
from sqlalchemy import Engine

from inboxmine.config import Settings
from inboxmine.web.queue import TaskQueue


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

"""The JSON API (``/api``): one router per area, documented by OpenAPI at ``/docs``."""

from fastapi import APIRouter

from inboxmine.web.api import (
    ai_audit,
    digest,
    gems,
    messages,
    people,
    pipeline,
    search,
    stats,
    trust,
)


def api_router() -> APIRouter:
    router = APIRouter(prefix="/api")
    for module in (pipeline, stats, gems, ai_audit, messages, digest, trust, people, search):
        router.include_router(module.router)
    return router

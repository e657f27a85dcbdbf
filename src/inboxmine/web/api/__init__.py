"""The JSON API (``/api``): one router per area, documented by OpenAPI at ``/docs``."""

from fastapi import APIRouter

from inboxmine.web.api import ai_audit, gems, messages, pipeline, search, stats


def api_router() -> APIRouter:
    router = APIRouter(prefix="/api")
    for module in (pipeline, stats, gems, ai_audit, messages, search):
        router.include_router(module.router)
    return router

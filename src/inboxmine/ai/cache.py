"""The optional response cache: the same question to the same model is paid once.

Keyed by (model spec, system prompt, prompt, answer schema); only validated
answers are stored, so a cached answer is always a usable one.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import Engine, select, update

from inboxmine.db.engine import write_tx
from inboxmine.db.tables.ai import ai_cache
from inboxmine.db.types import utcnow


def cache_key(model_spec: str, system_prompt: str, prompt: str, schema: str) -> str:
    """A stable key for one question to one model."""
    payload = json.dumps([model_spec, system_prompt, prompt, schema], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class ResponseCache:
    """Read and write cached answers in ``ai_cache``."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def get(self, key: str) -> dict[str, Any] | None:
        """The cached row for ``key`` (and count the hit), or None."""
        with self.engine.connect() as conn:
            row = (
                conn.execute(select(ai_cache).where(ai_cache.c.cache_key == key)).mappings().first()
            )
        if row is None:
            return None
        with write_tx(self.engine) as conn:
            conn.execute(
                update(ai_cache)
                .where(ai_cache.c.cache_key == key)
                .values(hits=ai_cache.c.hits + 1, last_hit_at=utcnow())
            )
        return dict(row)

    def put(
        self,
        key: str,
        model_used: str,
        response_raw: str | None,
        response_parsed: dict[str, Any],
        tokens_in: int | None,
        tokens_out: int | None,
    ) -> None:
        """Store a validated answer (replacing an older one with the same key)."""
        with write_tx(self.engine) as conn:
            conn.execute(ai_cache.delete().where(ai_cache.c.cache_key == key))
            conn.execute(
                ai_cache.insert().values(
                    cache_key=key,
                    model_used=model_used,
                    response_raw=response_raw,
                    response_parsed=response_parsed,
                    tokens_in=tokens_in,
                    tokens_out=tokens_out,
                    hits=0,
                    created_at=utcnow(),
                )
            )

"""Every AI call, audited: :class:`AuditedProvider` wraps a provider object.

No global is swapped: a stage (or the CLI, or the web) builds one
``AuditedProvider(provider, engine, run_id, stage)`` and makes every call
through it, so each call - success, failure or cache hit - is one
``ai_audit_log`` row with its run id, whatever triggered it. Known secrets
(API keys) are scrubbed from every text written.

An in-process model (the offline ``heuristic``) costs nothing and reaches no
one, so a stage may ask it from worker processes: :meth:`AuditedProvider.for_workers`
is a copy without the database that holds each call's row
(:meth:`AuditedProvider.take_held`) for the stage to write with its batch
(:func:`write_held`). A call that costs money is always logged as it happens.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, Engine, insert

from inboxmine.ai.cache import ResponseCache, cache_key
from inboxmine.ai.errors import AIError, BudgetExhausted
from inboxmine.ai.providers.base import AIRequest, AIResult, Provider
from inboxmine.ai.redact import redact, scrub_secrets
from inboxmine.ai.schemas import schema_text
from inboxmine.ai.templates import load_template
from inboxmine.db.engine import write_tx
from inboxmine.db.tables.ai import ai_audit_log
from inboxmine.db.types import utcnow

#: Prompts and responses longer than this are cut in the log (not in the call).
MAX_LOGGED_CHARS = 100_000
#: One statement for every audit row: the row goes as parameters, so the SQL
#: is built and compiled once, not once per AI call.
_INSERT_AUDIT = insert(ai_audit_log)


class AuditedProvider:
    """A provider used through the audit log, the cache, redaction and the call budget.

    ``ask`` renders a template and asks; ``complete`` sends a prepared
    :class:`AIRequest`. Both return an :class:`AIResult` whose ``audit_id``
    is the row written, or raise the provider's :class:`AIError` (logged too).
    """

    def __init__(
        self,
        provider: Provider,
        engine: Engine | None,
        run_id: int | None,
        stage: str,
        *,
        cache: bool = False,
        redact_prompts: bool = False,
        max_calls: int | None = None,
        secrets: list[str] | None = None,
        rules_dir: str | Path | None = None,
    ):
        self.provider = provider
        self.engine = engine
        self.run_id = run_id
        self.stage = stage
        self.cache = ResponseCache(engine) if cache else None
        self.redact_prompts = redact_prompts
        self.max_calls = max_calls
        self.secrets = [s for s in (secrets or []) if s]
        self.rules_dir = rules_dir
        #: Calls that reached the provider (cache hits excluded) in this object's life.
        self.calls = 0
        #: Rows held for the caller to write (:meth:`for_workers`); None writes each row now.
        self.held: list[dict[str, Any]] | None = None

    def for_workers(self) -> AuditedProvider:
        """A copy to pickle to worker processes: no database, no cache; each
        call's audit row is held (:meth:`take_held`) for the stage to write with
        its batch (:func:`write_held`). Only for an in-process model: a call that
        costs money must be on record even if the run dies before its batch is stored."""
        if not self.provider.spec.in_process:
            raise ValueError(
                f"{self.model_used} is not an in-process model: its calls are logged as they happen"
            )
        copy = AuditedProvider(
            self.provider,
            None,
            self.run_id,
            self.stage,
            redact_prompts=self.redact_prompts,
            max_calls=self.max_calls,
            secrets=self.secrets,
            rules_dir=self.rules_dir,
        )
        copy.held = []
        return copy

    def take_held(self) -> list[dict[str, Any]]:
        """The audit rows held since the last take (none when rows are written now)."""
        if not self.held:
            return []
        rows, self.held = self.held, []
        return rows

    @property
    def model_used(self) -> str:
        return self.provider.spec.spec

    def ask(
        self,
        template_name: str,
        variables: dict[str, Any],
        answer_model: type[BaseModel],
        sender_domain: str | None = None,
        version: int | str | None = None,
    ) -> AIResult:
        """Render ``template_name`` (newest version unless given) with ``variables``
        and ask for an ``answer_model``. ``sender_domain`` is recorded in the log."""
        template = load_template(template_name, version, self.rules_dir)
        variables = dict(variables)
        variables.setdefault("schema", schema_text(answer_model))
        system, prompt = template.render(variables)
        request = AIRequest(
            system_prompt=system,
            prompt=prompt,
            answer_model=answer_model,
            template=template.name,
            template_version=template.version,
            context=variables,
            heuristic_draft=template.heuristic_draft,
        )
        return self.complete(request, sender_domain)

    def complete(self, request: AIRequest, sender_domain: str | None = None) -> AIResult:
        """Send ``request`` through the cache, the budget and the provider; log the call."""
        if self.redact_prompts:
            request = _redacted(request)
        key = None
        if self.cache is not None and not self.provider.spec.in_process:
            key = cache_key(
                self.model_used,
                request.system_prompt,
                request.prompt,
                schema_text(request.answer_model),
            )
            hit = self._from_cache(key, request, sender_domain)
            if hit is not None:
                return hit
        if (
            self.max_calls is not None
            and not self.provider.spec.in_process
            and self.calls >= self.max_calls
        ):
            error = BudgetExhausted(
                f"the AI call budget of this run is spent ({self.max_calls} calls, "
                f"ai.max_calls_per_run): run the stage again to continue, or raise the budget"
            )
            self._log(request, sender_domain, status="error", error=str(error), attempts=0)
            raise error
        self.calls += 1
        started = time.monotonic()
        try:
            result = self.provider.complete(request)
        except AIError as exc:
            self._log(
                request,
                sender_domain,
                status="error",
                error=str(exc),
                response_raw=exc.response_raw,
                attempts=exc.attempts,
                duration_ms=int((time.monotonic() - started) * 1000),
            )
            raise
        except Exception as exc:
            # A bug or an SDK surprise: still one row, then let the caller see it.
            self._log(
                request,
                sender_domain,
                status="error",
                error=f"{exc.__class__.__name__}: {exc}",
                duration_ms=int((time.monotonic() - started) * 1000),
            )
            raise
        parsed = result.answer.model_dump(mode="json")
        result.audit_id = self._log(
            request,
            sender_domain,
            status="ok",
            response_raw=result.raw_text,
            response_parsed=parsed,
            attempts=result.attempts,
            tokens_in=result.tokens_in,
            tokens_out=result.tokens_out,
            duration_ms=result.duration_ms,
        )
        if key is not None and self.cache is not None:
            self.cache.put(
                key, self.model_used, result.raw_text, parsed, result.tokens_in, result.tokens_out
            )
        return result

    def _from_cache(
        self, key: str, request: AIRequest, sender_domain: str | None
    ) -> AIResult | None:
        started = time.monotonic()
        row = self.cache.get(key) if self.cache else None
        if row is None:
            return None
        try:
            answer = request.answer_model.model_validate(row["response_parsed"])
        except Exception:
            return None  # the schema changed since: ask again
        duration = int((time.monotonic() - started) * 1000)
        result = AIResult(
            answer=answer,
            raw_text=row["response_raw"] or "",
            model_used=self.model_used,
            tokens_in=row["tokens_in"],
            tokens_out=row["tokens_out"],
            duration_ms=duration,
            attempts=0,
            cached=True,
        )
        result.audit_id = self._log(
            request,
            sender_domain,
            status="cache_hit",
            cached=True,
            response_raw=result.raw_text,
            response_parsed=row["response_parsed"],
            attempts=0,
            duration_ms=duration,
        )
        return result

    def _log(
        self,
        request: AIRequest,
        sender_domain: str | None,
        *,
        status: str,
        cached: bool = False,
        response_raw: str | None = None,
        response_parsed: Any = None,
        error: str | None = None,
        attempts: int = 1,
        tokens_in: int | None = None,
        tokens_out: int | None = None,
        duration_ms: int = 0,
    ) -> int | None:
        def clean(text: str | None) -> str | None:
            text = scrub_secrets(text, self.secrets)
            if text and len(text) > MAX_LOGGED_CHARS:
                text = text[:MAX_LOGGED_CHARS] + f"\n[... cut at {MAX_LOGGED_CHARS} characters]"
            return text

        row = {
            "pipeline_run_id": self.run_id,
            "stage": self.stage,
            "sender_domain": sender_domain,
            "model_used": self.model_used,
            "status": status,
            "cached": cached,
            "prompt_template": request.template or None,
            "prompt_version": request.template_version or None,
            "system_prompt": clean(request.system_prompt),
            "prompt_rendered": clean(request.prompt),
            "response_raw": clean(response_raw),
            "response_parsed": response_parsed,
            "error": clean(error),
            "attempts": attempts,
            "tokens_in": tokens_in,
            "tokens_out": tokens_out,
            "duration_ms": max(0, int(duration_ms)),
            "created_at": utcnow(),
        }
        if self.held is not None:
            self.held.append(row)
            return None
        with write_tx(self.engine) as conn:
            return int(conn.execute(_INSERT_AUDIT, row).inserted_primary_key[0])


def write_held(conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Write held audit rows (:meth:`AuditedProvider.take_held`) in ``conn``'s
    transaction; their ids, in order."""
    if not rows:
        return []
    returning = _INSERT_AUDIT.returning(ai_audit_log.c.id, sort_by_parameter_order=True)
    return [int(row[0]) for row in conn.execute(returning, rows)]


def _redacted(request: AIRequest) -> AIRequest:
    return AIRequest(
        system_prompt=request.system_prompt,
        prompt=redact(request.prompt),
        answer_model=request.answer_model,
        template=request.template,
        template_version=request.template_version,
        context=request.context,
        heuristic_draft=request.heuristic_draft,
    )


# ------------------------------------------------------------------ reading

SORTABLE = ("created_at", "duration_ms", "id")
#: The columns of a listing: everything but the long prompt and response texts.
LIST_COLUMNS = (
    "id",
    "created_at",
    "pipeline_run_id",
    "stage",
    "sender_domain",
    "model_used",
    "status",
    "prompt_template",
    "prompt_version",
    "duration_ms",
    "tokens_in",
    "tokens_out",
    "attempts",
    "error",
)


def list_calls(
    engine: Engine,
    *,
    stage: str | None = None,
    sender_domain: str | None = None,
    sender_contains: bool = False,
    model_used: str | None = None,
    run_id: int | None = None,
    status: str | None = None,
    sort: str = "created_at",
    descending: bool = True,
    limit: int = 50,
    offset: int = 0,
    full: bool = False,
) -> tuple[int, list[dict[str, Any]]]:
    """(total matching, one page of AI calls) - the one query of the CLI and the web.

    ``sender_domain`` matches exactly, or with ``sender_contains`` as an
    any-case substring (the web's search box); ``full`` adds the prompts and
    responses to each row (the AI Inspector shows them).
    """
    from sqlalchemy import func, select

    from inboxmine.db.search import contains

    if sort not in SORTABLE:
        raise ValueError(f"cannot sort AI calls by {sort!r}: choose {', '.join(SORTABLE)}")
    conditions = []
    if stage:
        conditions.append(ai_audit_log.c.stage == stage)
    if sender_domain and sender_contains:
        conditions.append(contains(engine, ai_audit_log.c.sender_domain, sender_domain))
    elif sender_domain:
        conditions.append(ai_audit_log.c.sender_domain == sender_domain.lower())
    if model_used:
        conditions.append(ai_audit_log.c.model_used == model_used)
    if run_id is not None:
        conditions.append(ai_audit_log.c.pipeline_run_id == run_id)
    if status:
        conditions.append(ai_audit_log.c.status == status)
    column = ai_audit_log.c[sort]
    order = [column.desc() if descending else column.asc()]
    if sort != "id":
        order.append(ai_audit_log.c.id.desc())
    columns = list(ai_audit_log.c) if full else [ai_audit_log.c[c] for c in LIST_COLUMNS]
    query = select(*columns).where(*conditions).order_by(*order).limit(limit).offset(offset)
    with engine.connect() as conn:
        total = conn.execute(
            select(func.count()).select_from(ai_audit_log).where(*conditions)
        ).scalar_one()
        rows = [dict(r) for r in conn.execute(query).mappings()]
    return int(total), rows


def get_call(engine: Engine, call_id: int) -> dict[str, Any] | None:
    """One AI call in full, or None."""
    from sqlalchemy import select

    with engine.connect() as conn:
        row = (
            conn.execute(select(ai_audit_log).where(ai_audit_log.c.id == call_id))
            .mappings()
            .first()
        )
    return dict(row) if row else None

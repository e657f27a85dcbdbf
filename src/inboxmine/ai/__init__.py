"""The AI layer: providers, prompt templates, the audit log.

Public API (stages 4 and 7, the CLI and the web use only this)::

    from inboxmine.ai import client_for, AIError, ProviderUnavailable
    from inboxmine.ai.schemas import Classification, Draft, classification_model

    client = client_for(settings, engine, run_id=ctx.run.run_id, stage="engage")
    result = client.ask(
        "engage_audit",                 # template name: ai/prompts/engage_audit.v<N>.md
        {"company": "Acme", ...},       # variables for its {{ placeholders }}
        Draft,                          # the pydantic model the answer must validate against
        sender_domain="acme.io",        # recorded in ai_audit_log (never parsed from a prompt)
    )
    result.answer        # a validated Draft(subject_line, body)
    result.model_used    # "heuristic", "ollama:llama3.1", ... (store it with the output)
    result.audit_id      # the ai_audit_log row of this call

* ``client_for`` resolves ``settings.ai.model`` (``provider:model``; the CLI's
  ``--model`` sets it; the provider is looked up by name in
  :data:`~inboxmine.ai.providers.AI_PROVIDERS`, where each provider module
  registers itself) and returns an :class:`~inboxmine.ai.audit.AuditedProvider`:
  every call through it - success, failure, cache hit - is one
  ``ai_audit_log`` row with the run id and stage. Secrets never reach the log.
* Errors: :class:`ProviderUnavailable` (unreachable, bad key, model missing,
  call budget spent) means the stage cannot work - fail the run with
  ``str(exc)``; any other :class:`AIError` (invalid answer after one repair,
  timeout after retries) concerns one item - record it and go on.
* Templates: ``ai/prompts/<name>.v<N>.md`` with ``## system``, ``## prompt``
  and, for drafts, ``## heuristic draft`` (first line ``Subject: ...``, then
  the body, with the same ``{{ placeholders }}``). The built-in ``heuristic``
  provider picks its task by the template's name (``classify``,
  ``engage_*``/``draft_*``) and writes a draft from that section; when the template has none it
  uses the section of ``engage_<strategy>`` (``strategy`` variable) or of
  ``draft_fallback``. Users may override templates in ``<rules_dir>/prompts/``.
* Message text goes into prompts as data: wrap it with
  :func:`inboxmine.ai.templates.delimit` (``<email>...</email>``, tags in the
  data escaped); dict/list variables are rendered as JSON with ``<`` escaped.
"""

from __future__ import annotations

from sqlalchemy import Engine

from inboxmine.ai.audit import AuditedProvider
from inboxmine.ai.errors import (
    AIError,
    AITimeout,
    BudgetExhausted,
    InvalidAnswer,
    ModelSpecError,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
)
from inboxmine.ai.providers.base import AIRequest, AIResult
from inboxmine.config import Settings

__all__ = [
    "AIError",
    "AIRequest",
    "AIResult",
    "AITimeout",
    "AuditedProvider",
    "BudgetExhausted",
    "InvalidAnswer",
    "ModelSpecError",
    "ProviderError",
    "ProviderUnavailable",
    "RateLimited",
    "client_for",
]


def client_for(
    settings: Settings, engine: Engine, run_id: int | None, stage: str
) -> AuditedProvider:
    """The audited AI client for ``settings.ai.model``, logging under ``run_id``/``stage``.

    Raises :class:`ModelSpecError` (a message saying what to set) when the
    model spec or its key is unusable.
    """
    from inboxmine.ai.providers import make_provider
    from inboxmine.ai.spec import parse_model_spec, secret_value

    spec = parse_model_spec(settings.ai.model, settings)
    provider = make_provider(spec, settings)
    ai = settings.ai
    secrets = [s for s in map(secret_value, (ai.openai_api_key, ai.anthropic_api_key)) if s]
    if spec.api_key and spec.api_key not in ("ollama", "not-needed"):
        secrets.append(spec.api_key)
    return AuditedProvider(
        provider,
        engine,
        run_id,
        stage,
        cache=ai.cache,
        redact_prompts=ai.redact and spec.is_cloud,
        max_calls=ai.max_calls_per_run,
        secrets=secrets,
        rules_dir=settings.rules_dir,
    )

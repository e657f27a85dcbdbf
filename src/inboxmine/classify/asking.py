"""Asking the AI provider about one sender at a time (stage 4's transform).

:class:`Asker` is what stage 4 prepares once per run: the provider's client,
the answer model, the fixed prompt variables. Its :meth:`Asker.ask` turns one
sender (its pending messages and their sample) into a :class:`SenderAnswer`,
counting provider failures in a row so that a provider that went away stops
the stage instead of failing every sender.

With an in-process model the Asker is pickled to worker processes (its
client then holds the audit rows, :meth:`inboxmine.ai.audit.AuditedProvider.for_workers`);
the answer model, which custom rules build at run time, is rebuilt there
from the rules folder.
"""

from __future__ import annotations

from typing import Any

from inboxmine.ai import AIError, ProviderUnavailable
from inboxmine.ai.errors import AITimeout, ProviderError, RateLimited
from inboxmine.ai.schemas import classification_model
from inboxmine.classify.context import build_signals, render_emails
from inboxmine.classify.store import SenderAnswer
from inboxmine.runner.stage import ItemError
from inboxmine.runner.tracking import StageError

TEMPLATE = "classify"
#: This many transport failures (timeouts, 429, 5xx) in a row mean the provider is down.
MAX_CONSECUTIVE_TRANSPORT_FAILURES = 3


class Asker:
    """One AI call per sender; counts provider failures in a row."""

    def __init__(
        self,
        client,
        answer_model,
        fixed: dict,
        provenance: dict,
        *,
        reprocess: bool,
        max_body_chars: int,
        overrides: list[dict],
        rules_dir=None,
    ) -> None:
        self.client = client
        self.rules_dir = rules_dir
        self.answer_model = answer_model
        self.fixed = fixed
        self.provenance = provenance
        self.reprocess = reprocess
        self.max_body_chars = max_body_chars
        #: The user's corrections, applied to the stored answers.
        self.overrides = overrides
        self.transport_failures = 0

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        del state["answer_model"]  # a class built at run time: rebuilt from the rules
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.answer_model = classification_model(self.rules_dir)

    @property
    def in_workers(self) -> bool:
        """Its client holds audit rows, so it may run in worker processes."""
        return self.client.held is not None

    def ask(
        self, sender_domain: str, candidates: list[dict], sample: list[dict]
    ) -> SenderAnswer | None:
        """The sender's answer to store, or None when none of its messages is pending.

        A bad answer raises :class:`ItemError` (nothing stored, retried on the
        next run); a provider that cannot work raises :class:`StageError`."""
        targets = [m["message_id"] for m in candidates if self.reprocess or not m["classified"]]
        if not targets:
            return None
        variables = {
            "sender_domain": sender_domain,
            "signals": build_signals(
                sender_domain,
                sample,
                len(candidates),
                self.max_body_chars,
                all_messages=candidates,
            ),
            "emails": render_emails(sample, self.max_body_chars),
            **self.fixed,
        }
        try:
            result = self.client.ask(
                TEMPLATE, variables, self.answer_model, sender_domain=sender_domain
            )
        except ProviderUnavailable as exc:
            raise StageError(f"classify stopped at sender {sender_domain}: {exc}") from exc
        except AIError as exc:
            if isinstance(exc, AITimeout | RateLimited | ProviderError):
                self.transport_failures += 1
                if self.transport_failures >= MAX_CONSECUTIVE_TRANSPORT_FAILURES:
                    raise StageError(
                        f"classify stopped: the AI provider failed for {self.transport_failures} "
                        f"senders in a row (last: {exc}); senders classified so far are kept - "
                        f"run the stage again later"
                    ) from exc
            raise ItemError(f"{sender_domain}: {exc} - retried on the next run") from exc
        self.transport_failures = 0
        return SenderAnswer(
            sender_domain=sender_domain,
            message_ids=targets,
            answer=result.answer.model_dump(mode="json"),
            provenance={
                "model_used": result.model_used,
                "audit_id": result.audit_id,
                **self.provenance,
            },
            sample_ids=[m["message_id"] for m in sample],
        )


def allowed_values_text(dimensions: dict[str, dict[str, Any]]) -> str:
    """The allowed values of each choice dimension, one line each, for the prompt."""
    lines = []
    for name, spec in dimensions.items():
        kind = spec.get("kind")
        if kind == "choice":
            lines.append(f"- {name}: " + " | ".join(str(v) for v in spec["values"]))
        elif kind in ("int", "float"):
            lines.append(f"- {name}: {spec.get('min')} to {spec.get('max')}")
    return "\n".join(lines)

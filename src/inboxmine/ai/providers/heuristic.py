"""The built-in offline provider (``model_used = "heuristic"``).

It never reads prose: it answers from the structured ``context`` of the
request - the signals stages 1-3 extracted for classification, the profile's
facts for drafting - so it is deterministic, fast and free.

* classification (answer model with ``sender_intent``): rules in
  ``rules/classify_heuristic.yaml``, see :mod:`inboxmine.classify.heuristic`;
* drafts (:class:`~inboxmine.ai.schemas.Draft`): the template's
  ``## heuristic draft`` section - or, when the template has none, the one of
  ``engage_<strategy>`` or the generic ``draft_fallback`` template - filled
  with the context's facts. Its first line is ``Subject: ...``.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from inboxmine.ai.errors import InvalidAnswer
from inboxmine.ai.providers.base import AIRequest, AIResult, parse_answer
from inboxmine.ai.schemas import Draft
from inboxmine.ai.spec import ModelSpec
from inboxmine.ai.templates import TemplateError, load_template, render_text
from inboxmine.classify.heuristic import classify_sender, load_heuristic_rules

_BLANK_LINES = re.compile(r"\n{3,}")
_SPACES = re.compile(r"[ \t]{2,}")


class HeuristicProvider:
    """Answers classification and drafting requests from structured context."""

    def __init__(self, spec: ModelSpec, rules_dir: str | Path | None = None, settings=None):
        self.spec = spec
        self.rules_dir = rules_dir
        self.settings = settings
        self._rules: dict[str, Any] | None = None

    @property
    def rules(self) -> dict[str, Any]:
        if self._rules is None:
            self._rules = load_heuristic_rules(self.rules_dir)
        return self._rules

    def complete(self, request: AIRequest) -> AIResult:
        started = time.monotonic()
        fields = request.answer_model.model_fields
        if "sender_intent" in fields:
            data = self._classify(request)
        elif issubclass(request.answer_model, Draft) or {"subject_line", "body"} <= set(fields):
            data = self._draft(request)
        else:
            raise InvalidAnswer(
                f"the heuristic provider cannot answer {request.answer_model.__name__} "
                f"(template {request.template or '?'}): it classifies senders and writes drafts; "
                f"choose a language model with --model for this"
            )
        raw = json.dumps(data, ensure_ascii=False)
        answer: BaseModel = parse_answer(raw, request.answer_model)
        return AIResult(
            answer=answer,
            raw_text=raw,
            model_used="heuristic",
            duration_ms=int((time.monotonic() - started) * 1000),
        )

    def _classify(self, request: AIRequest) -> dict[str, Any]:
        signals = request.context.get("signals")
        if not isinstance(signals, dict):
            raise InvalidAnswer(
                f"the heuristic provider needs the structured 'signals' variable to classify "
                f"(template {request.template or '?'}); the caller passed none"
            )
        corrections = request.context.get("corrections")
        return classify_sender(
            signals, self.rules, corrections if isinstance(corrections, list) else None
        )

    def _draft(self, request: AIRequest) -> dict[str, Any]:
        section = request.heuristic_draft or self._draft_section(request)
        facts = {k: v for k, v in request.context.items()}
        if self.settings is not None:
            engagement = self.settings.engagement
            for key in ("your_name", "your_service", "your_tone", "your_audience"):
                facts.setdefault(key, getattr(engagement, key, ""))
        text = render_text(section, facts, request.template, strict=False)
        return split_draft(text)

    def _draft_section(self, request: AIRequest) -> str:
        candidates = []
        strategy = request.context.get("strategy")
        if strategy:
            candidates.append(f"engage_{strategy}")
        candidates.append("draft_fallback")
        for name in candidates:
            try:
                template = load_template(name, rules_dir=self.rules_dir)
            except TemplateError:
                continue
            if template.heuristic_draft:
                return template.heuristic_draft
        raise InvalidAnswer(
            "no '## heuristic draft' section in the template, in engage_<strategy> or in "
            "draft_fallback: add one to write drafts offline"
        )


def split_draft(text: str) -> dict[str, str]:
    """``{"subject_line", "body"}`` from a filled draft whose first line is ``Subject: ...``."""
    text = _SPACES.sub(" ", text.replace("\r\n", "\n")).strip()
    first, _, rest = text.partition("\n")
    if first.lower().startswith("subject:"):
        subject = first.split(":", 1)[1].strip()
        body = rest
    else:
        subject, body = first.strip(), rest
    body = _BLANK_LINES.sub("\n\n", body).strip()
    return {"subject_line": subject[:200] or "Hello", "body": body or subject}


__all__ = ["HeuristicProvider", "split_draft"]

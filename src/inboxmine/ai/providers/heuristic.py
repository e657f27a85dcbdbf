"""The built-in offline provider (``model_used = "heuristic"``).

It never reads prose: it answers from the structured ``context`` of the
request - the signals stages 1-3 extracted for classification, the profile's
facts for drafting - so it is deterministic, fast and free.

It picks its task from the template asked (:data:`TASKS`), never from the
shape of the answer:

* ``classify``: rules in ``rules/classify_heuristic.yaml``, see
  :mod:`inboxmine.classify.heuristic`;
* ``engage_<strategy>`` and ``draft_*`` (drafts): the template's
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
from inboxmine.ai.providers.registry import AI_PROVIDERS, ProviderType
from inboxmine.ai.spec import ModelSpec
from inboxmine.ai.templates import TemplateError, load_template, render_text
from inboxmine.classify.heuristic import classify_sender, load_heuristic_rules

_BLANK_LINES = re.compile(r"\n{3,}")
_SPACES = re.compile(r"[ \t]{2,}")

#: What it does for a template: by its name, or by a prefix ending in ``_``.
TASKS = {"classify": "classify", "engage_": "draft", "draft_": "draft"}


def task_for(template: str) -> str | None:
    """The heuristic task a template asks for (``classify``, ``draft``), or None."""
    if template in TASKS:
        return TASKS[template]
    return next(
        (task for key, task in TASKS.items() if key.endswith("_") and template.startswith(key)),
        None,
    )


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
        task = task_for(request.template)
        if task == "classify":
            data = self._classify(request)
        elif task == "draft":
            data = self._draft(request)
        else:
            raise InvalidAnswer(
                f"the heuristic provider cannot answer template {request.template or '?'!r}: "
                f"it answers {', '.join(k + '*' if k.endswith('_') else k for k in TASKS)}; "
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


def resolve(text: str, model: str, settings) -> ModelSpec:
    """``heuristic`` (anything after ``heuristic:`` is ignored: there is one)."""
    return ModelSpec(spec="heuristic", provider="heuristic", model="heuristic", in_process=True)


def _build(spec: ModelSpec, settings) -> HeuristicProvider:
    return HeuristicProvider(spec, rules_dir=settings.rules_dir, settings=settings)


AI_PROVIDERS.register(
    "heuristic", ProviderType(resolve, _build, example="heuristic", needs_model=False), order=10
)

__all__ = ["TASKS", "HeuristicProvider", "split_draft", "task_for"]

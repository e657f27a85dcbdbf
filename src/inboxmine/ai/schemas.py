"""The answers the AI layer expects, as pydantic models.

A provider's reply is valid only if it validates against one of these; an
answer with a value outside the allowed lists is rejected, never stored.
The classification model is built from ``rules/classify_dimensions.yaml`` so
a user who extends an allowed list extends validation too.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from inboxmine.rules.loader import load_rules

DIMENSIONS_FILE = "classify_dimensions.yaml"


def load_dimensions(rules_dir: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """The classification dimensions ``{field: spec}`` (packaged + the user's file)."""
    return load_rules(DIMENSIONS_FILE, rules_dir)["dimensions"]


class _ClassificationBase(BaseModel):
    """Shared behaviour: tolerate case differences in choice values ("saas" -> "SaaS")."""

    model_config = ConfigDict(extra="ignore")
    _canonical: ClassVar[dict[str, dict[str, str]]] = {}

    @model_validator(mode="before")
    @classmethod
    def _canonical_choices(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        # Models often answer with the reference system's key name.
        if "pain_points" not in data and "pain_points_addressed" in data:
            data["pain_points"] = data.pop("pain_points_addressed")
        for name, canonical in cls._canonical.items():
            value = data.get(name)
            if isinstance(value, str):
                data[name] = canonical.get(value.strip().lower(), value)
        return data


def _field_for(spec: dict[str, Any]) -> tuple[Any, Any]:
    kind = spec["kind"]
    optional = bool(spec.get("optional"))
    if kind == "choice":
        values = tuple(str(v) for v in spec["values"])
        annotation: Any = Literal[values]  # type: ignore[valid-type]
        if optional:
            return annotation | None, None
        return annotation, ...
    if kind == "int":
        return int, Field(..., ge=spec.get("min"), le=spec.get("max"))
    if kind == "float":
        return float, Field(0.5, ge=spec.get("min"), le=spec.get("max"))
    if kind == "bool":
        return bool, False
    if kind == "list":
        return list[str], Field(default_factory=list, max_length=spec.get("max_items"))
    if kind == "object":
        return dict[str, Any], Field(default_factory=dict)
    return str, Field("", max_length=spec.get("max_length"))


def _freeze(dimensions: dict[str, dict[str, Any]]) -> str:
    return json.dumps(dimensions)


@lru_cache(maxsize=16)
def _model_from(frozen: str) -> type[BaseModel]:
    dimensions = json.loads(frozen)
    fields = {name: _field_for(spec) for name, spec in dimensions.items()}
    model = create_model("Classification", __base__=_ClassificationBase, **fields)
    model._canonical = {
        name: {str(v).lower(): str(v) for v in spec["values"]}
        for name, spec in dimensions.items()
        if spec.get("kind") == "choice"
    }
    model.__doc__ = (
        "One sender's classification, every dimension checked against its allowed values."
    )
    return model


def classification_model(rules_dir: str | Path | None = None) -> type[BaseModel]:
    """The ``Classification`` answer model for these rules (cached per rule set)."""
    return _model_from(_freeze(load_dimensions(rules_dir)))


#: The classification answer with the packaged dimensions.
Classification = classification_model()


class Draft(BaseModel):
    """An outreach draft (stage 7): a subject line and a plain-text body."""

    model_config = ConfigDict(extra="ignore")

    subject_line: str = Field(..., min_length=1, max_length=200)
    body: str = Field(..., min_length=1, max_length=6000)

    @model_validator(mode="before")
    @classmethod
    def _aliases(cls, data: Any) -> Any:
        # Models answer {"subject": ..., "body_text": ...} often enough to accept it.
        if isinstance(data, dict):
            data = dict(data)
            if "subject_line" not in data and "subject" in data:
                data["subject_line"] = data.pop("subject")
            if "body" not in data:
                for alias in ("body_text", "message"):
                    if alias in data:
                        data["body"] = data.pop(alias)
                        break
        return data


@lru_cache(maxsize=64)
def schema_text(answer_model: type[BaseModel]) -> str:
    """The JSON schema of an answer, compact, for prompts and cache keys (built once
    per answer model: pydantic takes milliseconds to generate it)."""
    return json.dumps(answer_model.model_json_schema(), sort_keys=True, separators=(",", ":"))

"""Load the demo catalogue (YAML data files shipped inside this package)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def load(name: str) -> Any:
    """Parse ``name`` (e.g. ``"esps.yaml"``) from the inboxmine.demo package."""
    text = resources.files("inboxmine.demo").joinpath(name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def esps() -> dict[str, dict]:
    return load("esps.yaml")


def senders() -> list[dict]:
    return load("senders.yaml")["senders"]


def templates() -> dict:
    return load("templates.yaml")


def scenarios() -> dict:
    return load("scenarios.yaml")

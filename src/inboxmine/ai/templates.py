"""Prompt templates: versioned files in ``inboxmine/ai/prompts/``.

A template is a Markdown file named ``<name>.v<N>.md`` with sections that
start with a ``## `` heading line:

* ``## system`` - the system prompt;
* ``## prompt`` - the user prompt;
* ``## heuristic draft`` (optional) - for drafting templates, what the
  built-in offline provider fills in: first line ``Subject: ...``, then the body.

Placeholders are ``{{ name }}``. Substitution is a single pass, so text that
comes from an email and happens to contain ``{{ ... }}`` is never expanded.
A user can override or add templates in ``<rules_dir>/prompts/``.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from inboxmine.ai.errors import AIError

_FILE_NAME = re.compile(r"^(?P<name>[a-z0-9_]+)\.v(?P<version>\d{1,4})\.md$")
_PLACEHOLDER = re.compile(r"\{\{\s{0,4}([A-Za-z_][A-Za-z0-9_]{0,63})\s{0,4}\}\}")
_SECTION = re.compile(r"^##\s+(.+?)\s*$")


class TemplateError(AIError):
    """A prompt template is missing or cannot be rendered."""


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    version: str  # "v1"
    system: str
    prompt: str
    heuristic_draft: str | None = None
    source: str = ""
    sections: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def label(self) -> str:
        """``name.vN`` - how the audit log names it."""
        return f"{self.name}.{self.version}"

    def render(self, variables: dict[str, Any]) -> tuple[str, str]:
        """(system prompt, prompt) with ``variables`` filled in."""
        return (
            render_text(self.system, variables, self.label, strict=True),
            render_text(self.prompt, variables, self.label, strict=True),
        )


def _prompt_dirs(rules_dir: str | Path | None) -> list[Any]:
    dirs: list[Any] = []
    if rules_dir:
        user = Path(rules_dir).expanduser() / "prompts"
        if user.is_dir():
            dirs.append(user)
    dirs.append(resources.files("inboxmine.ai").joinpath("prompts"))
    return dirs


@lru_cache(maxsize=64)
def _parsed_file(name: str, version: str, path: str, stamp: int | None) -> PromptTemplate:
    """A template file, parsed once per version of the file (``stamp``: its mtime)."""
    return parse_template(name, version, Path(path).read_text(encoding="utf-8"), path)


def _folder_stamp(folder: Any) -> int | None:
    try:
        return os.stat(str(folder)).st_mtime_ns
    except (OSError, TypeError):
        return None


def available_templates(rules_dir: str | Path | None = None) -> dict[str, list[int]]:
    """``{name: [versions]}`` of every template the user's and the packaged folders hold.

    Listed again only when a folder changed (a file added, renamed or removed):
    every AI call asks."""
    folders = _prompt_dirs(rules_dir)
    key = tuple((str(f), _folder_stamp(f)) for f in folders)
    if key not in _LISTINGS:
        if len(_LISTINGS) >= 16:
            _LISTINGS.clear()
        _LISTINGS[key] = _list_templates(folders)
    return {name: list(versions) for name, versions in _LISTINGS[key].items()}


_LISTINGS: dict[tuple, dict[str, list[int]]] = {}


def _list_templates(folders: list[Any]) -> dict[str, list[int]]:
    found: dict[str, set[int]] = {}
    for folder in folders:
        for entry in folder.iterdir():
            match = _FILE_NAME.match(entry.name)
            if match:
                found.setdefault(match["name"], set()).add(int(match["version"]))
    return {name: sorted(versions) for name, versions in sorted(found.items())}


def load_template(
    name: str, version: int | str | None = None, rules_dir: str | Path | None = None
) -> PromptTemplate:
    """The template ``name`` at ``version`` (default: the newest); the user's copy wins."""
    versions = available_templates(rules_dir).get(name)
    if not versions:
        raise TemplateError(
            f"no prompt template named {name!r}: add {name}.v1.md to the package's ai/prompts "
            f"folder or to <rules_dir>/prompts"
        )
    wanted = int(str(version).lstrip("v")) if version is not None else versions[-1]
    if wanted not in versions:
        raise TemplateError(
            f"prompt template {name!r} has no version v{wanted} (available: "
            f"{', '.join(f'v{v}' for v in versions)})"
        )
    file_name = f"{name}.v{wanted}.md"
    for folder in _prompt_dirs(rules_dir):
        entry = folder.joinpath(file_name)
        if entry.is_file():
            return _parsed_file(name, f"v{wanted}", str(entry), _folder_stamp(entry))
    raise TemplateError(f"prompt template file {file_name} disappeared while loading it")


def parse_template(name: str, version: str, text: str, source: str = "") -> PromptTemplate:
    """Split a template file into its ``## `` sections."""
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        match = _SECTION.match(line)
        if match:
            current = match.group(1).strip().lower()
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
    joined = {key: "\n".join(lines).strip() for key, lines in sections.items()}
    if "prompt" not in joined:
        raise TemplateError(
            f"prompt template {name}.{version} ({source or 'text'}) has no '## prompt' section"
        )
    return PromptTemplate(
        name=name,
        version=version,
        system=joined.get("system", ""),
        prompt=joined["prompt"],
        heuristic_draft=joined.get("heuristic draft"),
        source=source,
        sections=joined,
    )


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list | tuple):
        # "<" is escaped so data can never open or close a delimiter tag.
        text = json.dumps(value, ensure_ascii=False, indent=1, default=str)
        return text.replace("<", "\\u003c")
    return str(value)


def render_text(text: str, variables: dict[str, Any], label: str = "", strict: bool = True) -> str:
    """Fill ``{{ name }}`` placeholders in one pass.

    ``strict``: a placeholder without a value is an error naming the template
    and the variable; otherwise it becomes empty text (drafts prefer a gap to
    a crash).
    """

    def fill(match: re.Match) -> str:
        key = match.group(1)
        if key in variables:
            return _as_text(variables[key])
        if strict:
            raise TemplateError(
                f"prompt template {label or '?'} uses {{{{ {key} }}}} but no value was given: "
                f"pass it in the variables"
            )
        return ""

    return _PLACEHOLDER.sub(fill, text)


def delimit(tag: str, text: str) -> str:
    """``text`` wrapped as data in ``<tag>...</tag>``, with the tag escaped inside.

    An email that writes ``</email>`` cannot close the block and speak as
    instructions: any opening or closing ``tag`` in the data becomes ``&lt;``.
    """
    pattern = re.compile(r"<(\s{0,3}/?\s{0,3}" + re.escape(tag) + r")", re.IGNORECASE)
    escaped = pattern.sub(r"&lt;\1", text or "")
    return f"<{tag}>\n{escaped}\n</{tag}>"

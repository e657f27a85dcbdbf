"""What every rules-file model shares.

A model describes the shape of one YAML file; it holds no defaults for what
the packaged file gives (the packaged YAML is the one place of defaults, the
user's copy is merged over it before validation). ``Section`` refuses keys it
does not know, so a misspelt key in a user's file is an error, not ignored.
Open maps (a new ESP, a new phrase family) are ``dict[str, ...]`` fields.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

#: A number kept as written (an int stays an int: scores and counts print as before).
Number = int | float
#: A share or a confidence, 0..1.
Share = Annotated[float, Field(ge=0, le=1)]
#: Lower-case-free text list; ``words: [a, b]``.
Words = list[str]
#: Open map of named word lists (``phrase family -> phrases``).
WordFamilies = dict[str, list[str]]
#: Open map of feature -> weight.
Weights = dict[str, Number]


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


#: A list of strings, or one string standing for a list of one.
OneOrMany = Annotated[list[str], BeforeValidator(_one_or_many)]


class Section(BaseModel):
    """A part of a rules file with fixed keys: an unknown key is an error."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)

"""Language of a message, from a bounded slice of its own text."""

from __future__ import annotations

import re

#: Characters handed to the language identifier: a hundred words name a
#: language reliably, and its cost grows with the text.
SAMPLE_CHARS = 800
#: Fewer letters than this say too little to name a language.
MIN_LETTERS = 20

_URL = re.compile(r"https?://\S{1,2000}")


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language (``en``, ``de`` ...), or None when too short."""
    sample = _URL.sub(" ", text[: SAMPLE_CHARS * 2])[:SAMPLE_CHARS]
    if sum(map(str.isalpha, sample)) < MIN_LETTERS:
        return None
    import py3langid as langid  # loads its model on first use, once per process

    code, _score = langid.classify(sample)
    return code or None

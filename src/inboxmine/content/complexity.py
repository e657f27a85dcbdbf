"""Template complexity score (0-100): how much machinery a message's template uses.

Each part counts what it names: layout tables, elements with inline CSS,
responsive CSS (@media), images, links and personalization. The parts and
their caps add up to 100.
"""

from __future__ import annotations


def template_complexity(
    table_count: int,
    styled_count: int,
    has_media_query: bool,
    image_count: int,
    link_count: int,
    has_personalization: bool,
) -> int:
    """The score, 0-100 (plain text with no links scores 0)."""
    score = (
        min(table_count * 5, 25)
        + min(styled_count * 2, 20)
        + (15 if has_media_query else 0)
        + min(image_count * 3, 15)
        + min(link_count * 2, 15)
        + (10 if has_personalization else 0)
    )
    return max(0, min(score, 100))

"""The manual in docs/ is kept true to the admin: a page per view, only real columns."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from inboxmine.web.admin.nav import ADMIN_PAGES, routes
from inboxmine.web.admin.tables import present_columns, registered_views

DOCS = Path(__file__).resolve().parents[1] / "docs"
#: Custom pages: the identity in the URL -> the page of the manual.
PAGE_DOCS = {
    "dashboard": "dashboard.md",
    "pipeline": "pipeline.md",
    "gem-explorer": "gem-explorer.md",
    "score-inspector": "score-inspector.md",
    "ai-inspector": "ai-inspector.md",
    "settings": "settings.md",
    "timeline": "timeline.md",
    "habits": "habits.md",
    "habits-export": "habits.md",
    "suspicious-senders": "suspicious-senders.md",
    "digest": "digest.md",
    "search": "search.md",
}


def _documented_columns(text: str) -> list[str]:
    """The bold names of the first column of the "## Columns" table."""
    section = text.split("## Columns", 1)
    if len(section) < 2:
        return []
    body = section[1].split("\n## ", 1)[0]
    return re.findall(r"^\| \*\*([a-z_]+)\*\* \|", body, flags=re.MULTILINE)


def _exposed_identities() -> set[str]:
    return {identity for page in ADMIN_PAGES for identity, _ in routes(page.value)}


def test_every_custom_page_has_its_page_in_the_manual():
    for identity in _exposed_identities():
        assert identity in PAGE_DOCS, f"no manual page registered for /admin/{identity}"
        assert (DOCS / PAGE_DOCS[identity]).is_file()


@pytest.mark.parametrize("view", registered_views(), ids=lambda v: v.identity)
def test_every_table_view_has_a_page_listing_only_its_columns(view):
    page = DOCS / f"{view.identity}.md"
    assert page.is_file(), f"docs/{view.identity}.md is missing"
    text = page.read_text(encoding="utf-8")
    documented = _documented_columns(text)
    assert documented, f"docs/{view.identity}.md has no Columns table"
    shown = set(view.column_list) | set(view.column_details_list)
    missing = [c for c in documented if c not in shown]
    assert not missing, f"docs/{view.identity}.md lists columns the view lacks: {missing}"
    # Every list column of the view is documented too.
    assert set(view.column_list) <= set(documented)
    assert set(present_columns(view.spec, view.spec.search)) <= set(
        re.findall(r"\*\*([a-z_]+)\*\*", text)
    )


def test_pipeline_runs_page_says_what_the_seed_says():
    text = (DOCS / "pipeline-runs.md").read_text(encoding="utf-8")
    assert _documented_columns(text) == [
        "id",
        "stage",
        "status",
        "started_at",
        "completed_at",
        "items_processed",
        "triggered_by",
    ]
    assert "Additional columns in detail view: error_message, created_at." in text
    assert "Search by **stage** or **status**." in text
    assert "Default sort is by started_at (newest first)." in text


def test_every_link_of_the_manual_resolves():
    for page in DOCS.glob("*.md"):
        for target in re.findall(r"\]\(([^)#]+\.md)\)", page.read_text(encoding="utf-8")):
            assert (DOCS / target).is_file(), f"{page.name} links to missing {target}"
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    for page in DOCS.glob("*.md"):
        if page.name != "index.md":
            assert f"({page.name})" in index, f"index.md does not link {page.name}"

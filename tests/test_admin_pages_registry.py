"""Admin pages are components: the sidebar is built from the registry, and a page
switched off in the settings leaves the sidebar and its routes."""

from __future__ import annotations

import pytest
from tests.test_web_support import login, make_client, plan  # noqa: F401  (plan is a fixture)

from inboxmine.components import UnknownComponent
from inboxmine.web.admin.nav import ADMIN_PAGES, page_path


def with_pages(settings, **pages):
    return settings.model_copy(update={"components": {"admin_pages": pages}})


def sidebar(html: str) -> list[str]:
    import re

    return re.findall(r'class="nav-link[^"]*" href="https?://[^/"]+/admin(/[a-z-]+)"', html)


def test_the_default_pages_in_sidebar_order():
    assert ADMIN_PAGES.names()[:4] == ["dashboard", "search", "pipeline", "gem_explorer"]
    assert page_path(ADMIN_PAGES.get("gem_explorer")) == "/gem-explorer"


def test_every_page_is_in_the_sidebar_by_default(settings, engine, plan):  # noqa: F811
    with make_client(settings, engine) as client:
        login(client)
        html = client.get("/admin/dashboard").text
    links = sidebar(html)
    for page in ADMIN_PAGES:
        assert page_path(page.value) in links, page.name
    assert 'id="admin-search-form"' in html


def test_a_page_switched_off_leaves_the_sidebar_and_its_routes(settings, engine, plan):  # noqa: F811
    settings = with_pages(settings, gem_explorer=False, search=False)
    with make_client(settings, engine) as client:
        login(client)
        html = client.get("/admin/dashboard").text
        assert "/gem-explorer" not in sidebar(html)
        assert "/score-inspector" in sidebar(html)
        assert 'id="admin-search-form"' not in html  # the top bar searches through that page
        assert client.get("/admin/gem-explorer").status_code == 404
        assert client.get("/admin/search?q=x").status_code == 404
        assert client.get("/admin/score-inspector").status_code == 200


def test_a_new_order_moves_a_page_and_without_the_dashboard_home_is_the_first(
    settings,
    engine,
    plan,  # noqa: F811
):
    settings = with_pages(settings, dashboard=False, ai_inspector=1)
    with make_client(settings, engine) as client:
        login(client)
        home = client.get("/admin/", follow_redirects=False)
        assert home.status_code == 302 and home.headers["location"] == "/admin/ai-inspector"
        links = sidebar(client.get("/admin/ai-inspector").text)
    assert links.index("/ai-inspector") < links.index("/search")
    assert "/dashboard" not in links


def test_an_unknown_page_in_the_settings_names_the_nearest(settings, engine, plan):  # noqa: F811
    settings = with_pages(settings, gem_explorer_=False)
    with (
        pytest.raises(UnknownComponent, match="did you mean 'gem_explorer'"),
        make_client(settings, engine),
    ):
        pass

"""The admin's own pages, one registered component each; the sidebar is built from them.

A page is a sqladmin ``BaseView``: its ``name`` is the title in the sidebar,
its ``icon`` the icon, its ``@expose`` routes the paths and their handlers.
Its module registers it at the bottom::

    ADMIN_PAGES.register("gem_explorer", GemExplorer, order=40)

The order is the sidebar's (before the table views). In the settings,
``components.admin_pages.gem_explorer = false`` takes the page out of the
sidebar and its routes out of the app; a number moves it.
"""

from __future__ import annotations

from typing import Any

from sqladmin import BaseView

from inboxmine.components import Component, Registry, chosen_for

ADMIN_PAGES: Registry[type[BaseView]] = Registry("admin_pages", defaults="inboxmine.web.admin")


def enabled_pages(settings: Any) -> list[Component[type[BaseView]]]:
    """The pages ``components.admin_pages`` leaves on, in sidebar order."""
    return ADMIN_PAGES.enabled(chosen_for(settings, "admin_pages"))


def routes(view: type[BaseView]) -> list[tuple[str, str]]:
    """``(identity, path)`` of every route a page exposes, the sidebar's first."""
    found = []
    for member in vars(view).values():
        if getattr(member, "_exposed", False):
            found.append((member._identity, member._path))
    return found


def page_path(view: type[BaseView]) -> str:
    """The path of a page's sidebar entry, under the admin (``/gem-explorer``)."""
    return routes(view)[0][1]

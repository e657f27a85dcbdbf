"""One way to register things: an ordered registry per kind of component.

Stages, AI providers, mail sources, gem detectors and admin pages are each a
:class:`Registry`: a name -> component map where every component has a
default order. The default components register themselves like any other
(``STAGES.register("content", stage, order=20)`` at the bottom of their
module); a plug-in package registers more through the entry-point group
``inboxmine.<kind>`` (the entry point names a module to import, which
registers what it brings).

The user reorders or disables components in the settings, the way Scrapy
declares its middlewares::

    [components.gem_detectors]
    partner_program = false      # never detect it
    [components.stages]
    engage = 75                  # a new order

An unknown name there is an error naming the nearest registered one.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any, Generic, TypeVar

T = TypeVar("T")

#: What a setting may say about one component: a new order, or false to disable it.
ComponentSetting = int | bool


class UnknownComponent(KeyError):
    """A name that no component of that kind has; the message suggests the nearest."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


@dataclass(frozen=True)
class Component(Generic[T]):
    name: str
    order: int
    value: T


class Registry(Generic[T]):
    """Named components of one kind, in order.

    ``defaults`` names the package whose modules register the default
    components; they are imported the first time the registry is read.
    """

    def __init__(self, kind: str, defaults: str | None = None) -> None:
        self.kind = kind
        self._defaults = defaults
        self._loaded = False
        self._components: dict[str, Component[T]] = {}

    # --------------------------------------------------------- registering

    def register(self, name: str, value: T, order: int) -> T:
        """Add (or replace) a component; returns it, so a module can write
        ``STAGE = STAGES.register("content", Stage(...), order=20)``."""
        self._components[name] = Component(name, int(order), value)
        return value

    def add(self, name: str, order: int) -> Callable[[T], T]:
        """Decorator form of :meth:`register`."""

        def decorate(value: T) -> T:
            return self.register(name, value, order)

        return decorate

    def remove(self, name: str) -> None:
        """Take a component out (what a test registered; a default a plug-in replaces)."""
        self._components.pop(name, None)

    # ------------------------------------------------------------- reading

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        if self._defaults:
            _import_package(self._defaults)
        for point in entry_points(group=f"inboxmine.{self.kind}"):
            point.load()

    def all(self) -> list[Component[T]]:
        """Every registered component, in its default order."""
        self._load()
        return sorted(self._components.values(), key=lambda c: (c.order, c.name))

    def names(self) -> list[str]:
        return [c.name for c in self.all()]

    def get(self, name: str) -> T:
        self._load()
        if name not in self._components:
            raise UnknownComponent(self.unknown_message(name))
        return self._components[name].value

    def __contains__(self, name: object) -> bool:
        self._load()
        return name in self._components

    def enabled(self, chosen: Mapping[str, ComponentSetting] | None = None) -> list[Component[T]]:
        """The components left enabled by ``chosen`` (the user's
        ``components.<kind>`` settings), in the order they give."""
        self._load()
        chosen = dict(chosen or {})
        for name in chosen:
            if name not in self._components:
                raise UnknownComponent(self.unknown_message(name, setting=True))
        result = []
        for component in self._components.values():
            setting = chosen.get(component.name, True)
            if setting is False:
                continue
            if setting is not True:
                component = Component(component.name, int(setting), component.value)
            result.append(component)
        return sorted(result, key=lambda c: (c.order, c.name))

    def unknown_message(self, name: str, setting: bool = False) -> str:
        names = sorted(self._components)
        near = difflib.get_close_matches(name, names, n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        where = f" in the settings' components.{self.kind}" if setting else ""
        known = ", ".join(names) or "none"
        return f"unknown {self.kind} component {name!r}{where}{hint} (known: {known})"

    def __iter__(self) -> Iterator[Component[T]]:
        return iter(self.all())


def _import_package(dotted: str) -> None:
    """Import every module of a package (each registers its components)."""
    package: ModuleType = importlib.import_module(dotted)
    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{dotted}.{info.name}")


def chosen_for(settings: Any, kind: str) -> dict[str, ComponentSetting]:
    """The user's ``components.<kind>`` settings (empty when none)."""
    components = getattr(settings, "components", None) or {}
    return dict(components.get(kind) or {})

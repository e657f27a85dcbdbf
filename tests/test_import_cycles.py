"""No import cycle among the modules of ``src/inboxmine``.

Only imports that run when a module is imported count: the statements of the
module body (also inside ``try``/``if`` blocks there), but not imports inside
functions (run later, on purpose) nor under ``if TYPE_CHECKING:`` (never run).
``from a.b import c`` depends on the module ``a.b.c`` when there is one,
else on ``a.b``; the parent packages a dotted import initialises on the way
are left out (Python imports a package before its module, and a package's
``__init__`` that re-exports its modules is no cycle).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "inboxmine"


def module_names(src: Path = SRC, package: str = PACKAGE) -> dict[str, Path]:
    """Dotted module name -> file, for every module of ``package``."""
    found = {}
    for path in sorted((src / package).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _module_level_imports(body: list[ast.stmt]):
    """The import statements that run at import time, in ``body``."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from _module_level_imports(node.body)
            yield from _module_level_imports(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody):
                yield from _module_level_imports(block)
            for handler in node.handlers:
                yield from _module_level_imports(handler.body)
        elif isinstance(node, ast.With):
            yield from _module_level_imports(node.body)


def _all_imports(tree: ast.Module):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node


def import_graph(modules: dict[str, Path], deferred: bool = False) -> dict[str, set[str]]:
    """Module -> the modules of the package it imports at import time (with
    ``deferred``: also those its functions import when they run)."""
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets: set[str] = set()
        found = _all_imports(tree) if deferred else _module_level_imports(tree.body)
        for node in found:
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
                continue
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                targets.add(submodule if submodule in modules else base)
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0

    def visit(start: str) -> None:
        nonlocal counter
        # Iterative, so a deep graph cannot hit the recursion limit.
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(cycles)


def _describe(cycles: list[list[str]]) -> str:
    return "modules that import each other (in a cycle):\n" + "\n".join(
        " <-> ".join(c) for c in cycles
    )


#: Cycles known in modules that other work owns, to be removed there; the
#: test fails on any other cycle, and when one of these is gone (drop it here).
KNOWN_CYCLES: list[list[str]] = []


def test_no_import_cycle_in_the_package():
    cycles = find_cycles(import_graph(module_names()))
    assert [c for c in cycles if c not in KNOWN_CYCLES] == [], _describe(cycles)
    assert [c for c in KNOWN_CYCLES if c not in cycles] == [], "gone: remove from KNOWN_CYCLES"


def test_mail_sources_import_each_other_in_one_direction_only():
    """In ``sources/`` not even imports inside functions go round: the
    dispatcher finds the sources through the registry, the sources import
    only the base."""
    modules = {n: p for n, p in module_names().items() if n.startswith("inboxmine.sources")}
    cycles = find_cycles(import_graph(modules, deferred=True))
    assert cycles == [], _describe(cycles)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"a": "import pkg.b\n", "b": "from pkg import c\n", "c": "from . import a\n"}, 1),
        ({"a": "import pkg.b\n", "b": "def f():\n    import pkg.a\n"}, 0),
        ({"a": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.b\n"}, 0),
        (
            {
                "a": "from pkg.b import thing\n",
                "b": "try:\n    from pkg.a import x\nexcept E:\n    x = 1\n",
            },
            1,
        ),
    ],
)
def test_the_checker_finds_cycles_of_module_level_imports(tmp_path, files, expected):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name, text in files.items():
        (package / f"{name}.py").write_text(text)
    files.setdefault("b", "")

    cycles = find_cycles(import_graph(module_names(tmp_path, "pkg")))

    assert len(cycles) == expected

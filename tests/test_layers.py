"""The package's folders and the one direction data flows between them.

Read from the source (every import statement, those under TYPE_CHECKING and inside functions
too), independent of docs/development.md, which states the same map for people.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import ROOT

PACKAGE = ROOT / "components"

# What each folder may import, besides itself. "shell" is the package's top level: the
# Pulumi components and what registers resources.
MAY_IMPORT = {
    "settings": set(),
    "core": {"settings"},
    "stack": {"settings"},
    "shell": {"settings", "core", "stack"},
    "offline": {"settings", "core", "stack", "shell"},
    "live": {"settings", "core", "stack", "shell", "offline"},
    "package": {"settings", "shell"},
}
# A module whose role is not its folder's: `gke_stateful.testing` is where users import the
# mocks from (an offline tool, at the top for its public name).
ROLE_OF = {"components.testing": "offline"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def role(module: str) -> str:
    if module in ROLE_OF:
        return ROLE_OF[module]
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in MAY_IMPORT else "shell"


def imports(module: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that `module` imports, resolved as Python resolves them."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.add(target)
            found |= {f"{target}.{alias.name}" for alias in node.names}
    return {name for name in found if name in known and name != module}


def graph() -> dict[str, set[str]]:
    known = modules()
    return {m: imports(m, p, set(known)) for m, p in known.items()}


def wrong_way(edges: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{module} ({role(module)}) imports {target} ({role(target)})"
        for module, targets in edges.items()
        for target in targets
        if role(target) != role(module) and role(target) not in MAY_IMPORT[role(module)]
    )


def cycles(edges: dict[str, set[str]]) -> list[str]:
    found = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(edges[node]):
            if state.get(target) == 1:
                found.append(" -> ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    return found


def test_every_import_runs_the_way_the_data_flows():
    assert wrong_way(graph()) == []


def test_no_module_imports_itself_back():
    assert cycles(graph()) == []


def test_the_checks_see_a_planted_wrong_way_import_and_cycle(tmp_path, monkeypatch):
    import tests.test_layers as layers

    fake = tmp_path / "components"
    (fake / "settings").mkdir(parents=True)
    (fake / "core").mkdir()
    for init in (fake, fake / "settings", fake / "core"):
        (init / "__init__.py").write_text("")
    (fake / "settings" / "a.py").write_text("from ..core import b\n")
    (fake / "core" / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..settings.a import X\n"
    )
    monkeypatch.setattr(layers, "ROOT", tmp_path)
    monkeypatch.setattr(layers, "PACKAGE", fake)
    edges = layers.graph()
    assert edges["components.settings.a"] == {"components.core", "components.core.b"}
    assert wrong_way(edges) == [
        "components.settings.a (settings) imports components.core (core)",
        "components.settings.a (settings) imports components.core.b (core)",
    ]
    assert cycles(edges) == ["components.core.b -> components.settings.a -> components.core.b"]

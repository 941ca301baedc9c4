"""The architecture, checked: ``simulation`` knows nothing of ``plc_sim``, and the layers of ``plc_sim`` are one-way.

The layers and their order are stated once, in the README's layout table (the ``tests/`` row): chains such as
``simulation < core < experiments < ... < cli``, lowest first; each layer may import itself and every layer below
it on any chain, and nothing else of this project. Every import counts: deferred ones inside functions, and
imports by name (``importlib.import_module("plc_sim.app.command")``, as ``plc_sim/cli/main.py`` finds the
commands that register themselves). The modules of ``plc_sim`` import each other without a cycle.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README_ROW = re.compile(r"^\| `tests/` \|.*?keeps the layers one-way \(([^)]*)\)", re.MULTILINE)


def layer_chains(readme: str) -> list[list[str]]:
    """The README's chains of layers, lowest first, as package names (``core`` is ``plc_sim.core``)."""
    match = README_ROW.search(readme)
    assert match, "the README's layout table must state the layers in its tests/ row: keeps the layers one-way (...)"
    return [[name if name == "simulation" else f"plc_sim.{name}" for name in re.split(r"\s*<\s*", chain.strip())]
            for chain in match[1].split(";")]


def allowed_imports(chains: list[list[str]]) -> dict[str, set[str]]:
    """What each layer may import: itself and every layer below it on any chain (transitively)."""
    below = {name: {name} for chain in chains for name in chain}
    changed = True
    while changed:
        changed = False
        for chain in chains:
            for lower, upper in zip(chain, chain[1:], strict=False):
                if not below[lower] <= below[upper]:
                    below[upper] |= below[lower]
                    changed = True
    return below


ALLOWED = allowed_imports(layer_chains((ROOT / "README.md").read_text(encoding="utf-8")))
"""What each layer may import (of this project's packages), from the README."""


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_imports(path: Path) -> set[str]:
    """Every module of ``simulation`` or ``plc_sim`` that ``path`` imports, anywhere in the file."""
    names = set()
    package = module_name(path).rsplit(".", 0 if path.name == "__init__.py" else 1)[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    if any(isinstance(node, ast.Call) and _called(node) == "import_module" for node in ast.walk(tree)):
        # A module that imports by name may hold the names anywhere (e.g. a tuple looped over): every string
        # that names a module of this project counts as an import.
        names.update(node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
                     and isinstance(node.value, str) and re.fullmatch(r"(simulation|plc_sim)(\.\w+)*", node.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base
                                                                                                   else []))
            names.add(base)
    return {name for name in names if name.split(".")[0] in ("simulation", "plc_sim")}


def _called(call: ast.Call) -> str | None:
    function = call.func
    return function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", None)


def layer(module: str) -> str | None:
    for name in sorted(ALLOWED, key=len, reverse=True):
        if module == name or module.startswith(name + "."):
            return name
    return None  # plc_sim itself


SOURCES = sorted([*ROOT.glob("simulation/**/*.py"), *ROOT.glob("plc_sim/**/*.py")])


ROOMS = [f"plc_sim.experiments.{room}" for room in ("specs", "execution", "analysis")]
"""The experiments' rooms, in the order they may import each other."""

HOLDERS = {"plc_sim", *(name.rsplit(".", 1)[0] for name in ALLOWED if name.count(".") > 1)}
"""Packages that only hold layers (``plc_sim``, ``plc_sim.experiments``): they belong to none."""


def test_every_module_belongs_to_a_layer():
    layers = {module_name(path): layer(module_name(path)) for path in SOURCES}
    assert {"simulation", "plc_sim.core", *ROOMS, "plc_sim.cli"} <= set(layers.values())
    unplaced = sorted(name for name, own in layers.items() if own is None and name not in HOLDERS)
    assert not unplaced, f"place {', '.join(unplaced)} in a layer (ALLOWED)"


@pytest.mark.parametrize("name", sorted(HOLDERS))
def test_a_package_that_holds_layers_imports_nothing_of_the_project(name):
    """No re-exports from a holder: ``plc_sim.experiments`` must not lead back round its rooms' order."""
    path = ROOT.joinpath(*name.split("."), "__init__.py")
    assert not project_imports(path), f"{name} must import nothing of plc_sim or simulation"


def test_the_experiments_rooms_depend_one_way():
    """specs < execution < analysis, as the README states: each room may import the ones before it only."""
    assert "plc_sim.experiments" in HOLDERS
    for lower, upper in zip(ROOMS, ROOMS[1:], strict=False):
        assert lower in ALLOWED[upper], f"the README must put {lower} below {upper}"
        assert upper not in ALLOWED[lower], f"the README must not let {lower} import {upper}"


def test_no_experiments_room_holds_more_than_ten_modules():
    """A room of more than ten modules is a sign that it holds several jobs."""
    for room in [ROOT / "plc_sim" / "experiments", *(ROOT.joinpath(*name.split(".")) for name in ROOMS)]:
        modules = sorted(path.name for path in room.glob("*.py") if path.name != "__init__.py")
        assert len(modules) <= 10, f"{room.relative_to(ROOT)} holds {len(modules)} modules: {', '.join(modules)}"
        assert (room / "__init__.py").read_text(encoding="utf-8").lstrip().startswith('"""'), \
            f"{room.relative_to(ROOT)}/__init__.py must say what the room holds"


@pytest.mark.parametrize("path", SOURCES, ids=[module_name(p) for p in SOURCES])
def test_each_module_imports_only_its_own_layer_or_lower_ones(path):
    own = layer(module_name(path))
    if own is None:
        return
    wrong = sorted(name for name in project_imports(path) if layer(name) not in ALLOWED[own] | {None})
    assert not wrong, f"{module_name(path)} ({own}) must not import {', '.join(wrong)}"


@pytest.mark.parametrize("source", [
    "def f():\n    from plc_sim.core.errors import InputError\n    return InputError\n",
    "import importlib\nNAMES = ('plc_sim.core.errors',)\nfor name in NAMES:\n    importlib.import_module(name)\n",
])
def test_the_layer_check_catches_a_wrong_import(source, monkeypatch):
    """The check can fail: a model module that imports plc_sim, directly or by name, is reported."""
    fake = ROOT / "simulation" / "_layer_probe.py"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: source if self == fake else
                        Path.read_bytes(self).decode())
    assert project_imports(fake) == {"plc_sim.core.errors"}
    assert layer("plc_sim.core.errors") not in ALLOWED["simulation"]


def test_the_commands_imported_by_name_are_seen():
    from plc_sim.cli.main import COMMAND_MODULES

    assert set(COMMAND_MODULES) <= project_imports(ROOT / "plc_sim" / "cli" / "main.py")


def test_the_layers_come_from_the_readme():
    chains = layer_chains("| `tests/` | the suite; `test_layers.py` keeps the layers one-way (simulation < core < cli; "
                          "core < app < cli) |")
    assert chains == [["simulation", "plc_sim.core", "plc_sim.cli"], ["plc_sim.core", "plc_sim.app", "plc_sim.cli"]]
    allowed = allowed_imports(chains)
    assert allowed["plc_sim.app"] == {"simulation", "plc_sim.core", "plc_sim.app"}
    assert allowed["plc_sim.cli"] == {"simulation", "plc_sim.core", "plc_sim.app", "plc_sim.cli"}
    assert {"simulation", "plc_sim.core", *ROOMS, "plc_sim.cli"} <= set(ALLOWED)


def test_the_modules_of_plc_sim_import_each_other_without_a_cycle():
    modules = {module_name(path): path for path in ROOT.glob("plc_sim/**/*.py")}
    graph = {name: {i for i in project_imports(path) if i in modules and i != name} for name, path in modules.items()}
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for other in sorted(graph[name]):
            if state.get(other) == 1:
                cycle = trail[trail.index(other):] + [other] if other in trail else [name, other]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if other not in state:
                visit(other, [*trail, other])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])

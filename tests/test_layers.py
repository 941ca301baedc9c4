"""The architecture, checked: ``simulation`` knows nothing of ``plc_sim``, and the layers of ``plc_sim`` are one-way.

Layers, lowest first: ``simulation`` < ``plc_sim.core`` < ``plc_sim.experiments`` < ``plc_sim.validation`` <
``plc_sim.calibration`` < ``plc_sim.cli``; ``plc_sim.workshop`` (workshop sessions) may use ``core`` and
``experiments``, and ``plc_sim.app`` those and ``workshop``. Nothing outside ``plc_sim.cli`` imports
the CLI (it finds the commands of validation and app by name). Every import counts, deferred ones inside
functions included, and the modules of ``plc_sim`` import each other without a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ALLOWED = {
    "simulation": {"simulation"},
    "plc_sim.core": {"simulation", "plc_sim.core"},
    "plc_sim.experiments": {"simulation", "plc_sim.core", "plc_sim.experiments"},
    "plc_sim.validation": {"simulation", "plc_sim.core", "plc_sim.experiments", "plc_sim.validation"},
    "plc_sim.calibration": {"simulation", "plc_sim.core", "plc_sim.experiments", "plc_sim.validation",
                            "plc_sim.calibration"},
    "plc_sim.workshop": {"simulation", "plc_sim.core", "plc_sim.experiments", "plc_sim.workshop"},
    "plc_sim.app": {"simulation", "plc_sim.core", "plc_sim.experiments", "plc_sim.workshop", "plc_sim.app"},
    "plc_sim.cli": {"simulation", "plc_sim.core", "plc_sim.experiments", "plc_sim.cli"},
}
"""What each layer may import (of this project's packages)."""

SHARED = {"plc_sim.workshop": {"plc_sim.app.schoolyear"}}
"""Single modules a layer may import from a layer it may not: the app's calendar wording ("Year 2, March"),
which the workshop's pages say too, so that the room hears one wording (it imports only ``simulation``)."""


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_imports(path: Path) -> set[str]:
    """Every module of ``simulation`` or ``plc_sim`` that ``path`` imports, anywhere in the file."""
    names = set()
    package = module_name(path).rsplit(".", 0 if path.name == "__init__.py" else 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base
                                                                                                   else []))
            names.add(base)
    return {name for name in names if name.split(".")[0] in ("simulation", "plc_sim")}


def layer(module: str) -> str | None:
    for name in sorted(ALLOWED, key=len, reverse=True):
        if module == name or module.startswith(name + "."):
            return name
    return None  # plc_sim itself


SOURCES = sorted([*ROOT.glob("simulation/**/*.py"), *ROOT.glob("plc_sim/**/*.py")])


def test_every_module_belongs_to_a_layer():
    layers = {module_name(path): layer(module_name(path)) for path in SOURCES}
    assert {"simulation", "plc_sim.core", "plc_sim.experiments", "plc_sim.cli"} <= set(layers.values())
    unplaced = sorted(name for name, own in layers.items() if own is None and name != "plc_sim")
    assert not unplaced, f"place {', '.join(unplaced)} in a layer (ALLOWED)"


@pytest.mark.parametrize("path", SOURCES, ids=[module_name(p) for p in SOURCES])
def test_each_module_imports_only_its_own_layer_or_lower_ones(path):
    own = layer(module_name(path))
    if own is None:
        return
    wrong = sorted(name for name in project_imports(path) if layer(name) not in ALLOWED[own] | {None}
                   and name not in SHARED.get(own, set()))
    assert not wrong, f"{module_name(path)} ({own}) must not import {', '.join(wrong)}"


def test_shared_modules_import_only_the_model():
    """A module shared across layers must itself stand below them all."""
    for name in set().union(*SHARED.values()):
        path = ROOT / (name.replace(".", "/") + ".py")
        assert {layer(i) for i in project_imports(path)} <= {"simulation"}, name


def test_the_layer_check_catches_a_wrong_import(tmp_path, monkeypatch):
    """The check can fail: a model module that imports plc_sim is reported."""
    fake = ROOT / "simulation" / "_layer_probe.py"
    source = "def f():\n    from plc_sim.core.errors import InputError\n    return InputError\n"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: source if self == fake else
                        Path.read_bytes(self).decode())
    assert project_imports(fake) == {"plc_sim.core.errors"}
    assert layer("plc_sim.core.errors") not in ALLOWED["simulation"]


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

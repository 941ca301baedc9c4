"""Checking a spec's ``[figures]`` and ``[sensitivity]`` tables against its factors, outcomes and measures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plc_sim.experiments.specs.designs import Factor
from plc_sim.experiments.specs.spec_fields import (
    SpecError,
    coerce_value,
    integer_field,
    outcomes_field,
    text_field,
    unknown_key,
)

Spec = Any
"""A ``spec.Spec`` under construction (its factors, outcomes and designs are already checked)."""

FIGURE_OPTIONS = {
    "phase_diagram": {"x": "factor", "y": "factor", "where": "where"},
    "survival": {"by": "factor", "levels": "levels", "where": "where"},
    "curves": {"by": "factor", "levels": "levels", "outcomes": "outcomes", "mark_tick": "tick", "mark_label": "text",
               "where": "where"},
    "effects": {"x": "factor", "by": "factor", "levels": "levels", "measures": "measures", "where": "where"},
}
"""Figure kinds a spec may ask for, and the type of each option."""

REQUIRED = {"phase_diagram": ("x", "y"), "survival": ("by",), "curves": ("by",), "effects": ("x",)}
SENSITIVITY_OPTIONS = ("measures", "confidence", "resamples")


def parse_figures(table: dict, spec: Spec) -> tuple[tuple[str, Mapping[str, Any]], ...]:
    """The ``[figures.KIND]`` tables (one, or a list of them per kind), each option checked."""
    figures = []
    for kind, entries in table.items():
        if kind not in FIGURE_OPTIONS:
            raise unknown_key(f"figures.{kind}", kind, FIGURE_OPTIONS, "unknown figure")
        for index, entry in enumerate(entries if isinstance(entries, list) else [entries]):
            where = f"figures.{kind}" + (f"[{index}]" if isinstance(entries, list) else "")
            if not isinstance(entry, dict):
                raise SpecError(f"{where}: expected a table of options")
            figures.append((kind, _figure_options(kind, entry, where, spec)))
    return tuple(figures)


def _figure_options(kind: str, entry: dict, where: str, spec: Spec) -> dict[str, Any]:
    grid_factors = {f.name: f for f in spec.factors if f.values}
    options = {}
    for key, value in entry.items():
        expected = FIGURE_OPTIONS[kind].get(key)
        if expected is None:
            raise unknown_key(f"{where}.{key}", key, FIGURE_OPTIONS[kind], f"unknown option of {kind}")
        options[key] = _option(expected, key, value, f"{where}.{key}", entry, spec, grid_factors)
    for key in REQUIRED[kind]:
        if key not in options:
            raise SpecError(f"{where}.{key}: missing; choose a varied parameter from {', '.join(spec.factor_names)}")
    if kind == "phase_diagram" and options["x"] == options["y"]:
        raise SpecError(f"{where}: x and y must be different parameters")
    if kind == "curves":
        options.setdefault("outcomes", spec.outcomes)
    if kind == "effects":
        options.setdefault("measures", (f"final_{spec.outcomes[0]}", "persisting_share"))
    return options


def _option(expected: str, key: str, value: Any, at: str, entry: dict, spec: Spec,
            grid_factors: Mapping[str, Factor]) -> Any:
    """One figure option, checked by its type (see :data:`FIGURE_OPTIONS`)."""
    if expected == "factor":
        if value not in spec.factor_names:
            raise unknown_key(at, str(value), spec.factor_names, f"{value!r} is not a varied parameter")
        if value not in grid_factors:
            raise SpecError(f"{at}: {value!r} is sampled, not a grid; figures group by grid values")
        return value
    if expected == "outcomes":
        value = outcomes_field(value, at)
        for name in value:
            if name not in spec.outcomes:
                raise unknown_key(at, name, spec.outcomes, f"{name!r} is not among the spec's outcomes")
        return value
    if expected == "measures":
        return measures_field(value, at, spec)
    if expected == "tick":
        return integer_field({key: value}, key, 0, spec.ticks, None)
    if expected == "text":
        return text_field({key: value}, key, "")
    if expected == "where":
        return _where(value, at, grid_factors)
    if not isinstance(value, list) or not value or entry.get("by") not in grid_factors:  # levels
        raise SpecError(f"{at}: expected a list of values of the `by` parameter")
    return tuple(_where({entry["by"]: v}, at, grid_factors)[entry["by"]] for v in value)


def measures_field(value: Any, at: str, spec: Spec) -> tuple[str, ...]:
    """A list of the spec's run measures (one name is a list of one)."""
    value = [value] if isinstance(value, str) else value
    if not isinstance(value, list) or not value:
        raise SpecError(f"{at}: expected a list of run measures from {', '.join(spec.run_measures)}")
    for name in value:
        if name not in spec.run_measures:
            raise unknown_key(at, str(name), spec.run_measures, f"{name!r} is not a run measure of this spec")
    return tuple(value)


def _where(value: Any, at: str, grid_factors: Mapping[str, Factor]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SpecError(f"{at}: expected a table {{ parameter = value }}")
    chosen = {}
    for name, level in value.items():
        if name not in grid_factors:
            raise unknown_key(f"{at}.{name}", name, grid_factors, "not a varied grid parameter of this spec")
        level = coerce_value(grid_factors[name].param, level, f"{at}.{name}")
        if level not in grid_factors[name].values:
            raise SpecError(f"{at}.{name}: {level!r} is not one of the grid's values "
                            f"{list(grid_factors[name].values)}")
        chosen[name] = level
    return chosen


def parse_sensitivity(table: dict, spec: Spec) -> dict[str, Any]:
    """The ``[sensitivity]`` table: measures to explain, confidence and bootstrap resamples."""
    if not table:
        return {}
    for key in table:
        if key not in SENSITIVITY_OPTIONS:
            raise unknown_key(f"sensitivity.{key}", key, SENSITIVITY_OPTIONS, "unknown option")
    measures = measures_field(table.get("measures", ["final_health", "persisting_share", "years_before_decay"]),
                              "sensitivity.measures", spec)
    confidence = table.get("confidence", 0.95)
    if isinstance(confidence, bool) or not isinstance(confidence, int | float) or not 0.5 <= confidence < 1:
        raise SpecError(f"sensitivity.confidence: {confidence!r} is not allowed; expected a number from 0.5 to "
                        f"below 1")
    resamples = integer_field(table, "resamples", 10, 100_000, 200)
    if not {d.kind for d in spec.designs} & {"sobol", "morris"}:
        raise SpecError("sensitivity: needs a Sobol or Morris design ([design.sobol] or [design.morris])")
    return {"measures": measures, "confidence": float(confidence), "resamples": resamples}

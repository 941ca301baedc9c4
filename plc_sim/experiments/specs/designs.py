"""The varied parameters of a spec and the designs that vary them: grids, Latin hypercubes, Sobol and Morris.

A design's size is known from its options alone (:func:`point_count`), so a spec
too large to run is refused before a single point is built; the points
themselves (:func:`design_points`) are built only when a sweep needs them.
Sampled designs draw from seeds of their own (``core.seeds.sampler_seed``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from plc_sim.core.seeds import sampler_seed
from plc_sim.experiments.specs.spec_fields import SpecError, coerce_value, integer_field, param_named, unknown_key
from simulation.parameters import PARAMS_BY_NAME, Param

DESIGN_KINDS = ("grid", "latin_hypercube", "sobol", "morris")
SAMPLED_KINDS = ("latin_hypercube", "sobol", "morris")
DESIGN_OPTIONS = {
    "grid": {},
    "latin_hypercube": {"samples": 2},
    "sobol": {"samples": 2, "second_order": False},
    "morris": {"trajectories": 2, "levels": 4},
}
"""Options each design accepts, with the smallest allowed value (or the default for a flag)."""

MAX_OPTION = 1_000_000
"""Largest sample or trajectory count a design option accepts."""


@dataclass(frozen=True)
class Factor:
    """One varied parameter: explicit grid ``values``, or a ``low``..``high`` range for sampled designs."""

    name: str
    values: tuple = ()
    low: float | None = None
    high: float | None = None

    @property
    def param(self) -> Param:
        return PARAMS_BY_NAME[self.name]


@dataclass(frozen=True)
class Design:
    """One design: its kind and options (see :data:`DESIGN_OPTIONS`)."""

    kind: str
    options: Mapping[str, Any] = field(default_factory=dict)


# --- reading [vary] and [design] -------------------------------------------------------------------------------

def parse_factors(table: dict, fixed: Mapping[str, Any]) -> tuple[Factor, ...]:
    """The ``[vary]`` table as factors: lists of values, or ranges ``{ low, high[, steps] }``."""
    if not table:
        raise SpecError("vary: a spec must vary at least one parameter ([vary] name = [values...])")
    factors = []
    for name, value in table.items():
        param, where = param_named(name, "vary"), f"vary.{name}"
        if name in fixed:
            raise SpecError(f"{where}: also set in [fixed]; a parameter is either fixed or varied")
        if not param.sweepable:
            raise SpecError(f"{where}: this parameter cannot be swept")
        if isinstance(value, list):
            values = tuple(coerce_value(param, v, f"{where}[{i}]") for i, v in enumerate(value))
            if not values:
                raise SpecError(f"{where}: the list of values is empty")
            if len(set(values)) != len(values):
                raise SpecError(f"{where}: a value is listed twice")
            factors.append(Factor(name, values=values))
        elif isinstance(value, dict):
            factors.append(_range_factor(param, value, where))
        else:
            raise SpecError(f"{where}: expected a list of values, or a range {{ low = ..., high = ... }} "
                            f"(a single value belongs in [fixed])")
    return tuple(factors)


def _range_factor(param: Param, table: dict, where: str) -> Factor:
    if param.kind not in (int, float):
        raise SpecError(f"{where}: {param.name} is not numeric; list its values instead ({param.allowed()})")
    for key in table:
        if key not in ("low", "high", "steps"):
            raise unknown_key(f"{where}.{key}", key, ("low", "high", "steps"))
    low = coerce_value(param, table.get("low", param.low), f"{where}.low")
    high = coerce_value(param, table.get("high", param.high), f"{where}.high")
    if not low < high:
        raise SpecError(f"{where}: low ({low}) must be below high ({high})")
    values: tuple = ()
    if "steps" in table:
        steps = integer_field(table, "steps", 2, 10_000, None)
        grid = np.linspace(low, high, steps).round(12)
        if param.kind is int and not np.allclose(grid, grid.round()):
            raise SpecError(f"{where}.steps: {steps} steps from {low} to {high} do not land on whole numbers")
        values = tuple(coerce_value(param, float(v), where) for v in grid)
    return Factor(param.name, values=values, low=low, high=high)


def parse_designs(table: dict, factors: tuple[Factor, ...]) -> tuple[Design, ...]:
    """The ``[design.*]`` tables (a grid when there are none), checked against the factors they vary."""
    designs = tuple(_design(kind, options) for kind, options in (table or {"grid": {}}).items())
    kinds = {d.kind for d in designs}
    if "grid" in kinds and len(kinds) > 1:
        raise SpecError("design: a grid cannot be combined with sampled designs in one spec")
    for factor in factors:
        if "grid" in kinds and not factor.values:
            raise SpecError(f"vary.{factor.name}: a grid needs values: a list, or {{ low, high, steps }}")
        if kinds & set(SAMPLED_KINDS):
            if factor.param.kind not in (int, float):
                raise SpecError(f"vary.{factor.name}: sampled designs need numeric parameters; "
                                f"{factor.name} is {factor.param.allowed()}")
            if factor.low is None:
                raise SpecError(f"vary.{factor.name}: sampled designs need a range {{ low = ..., high = ... }}")
            if factor.values:
                raise SpecError(f"vary.{factor.name}.steps: steps only apply to a grid")
    if kinds & {"sobol", "morris"} and len(factors) < 2:
        raise SpecError("vary: Sobol and Morris designs need at least two varied parameters")
    return designs


def _design(kind: str, options: Any) -> Design:
    where = f"design.{kind}"
    if kind not in DESIGN_KINDS:
        raise unknown_key(where, kind, DESIGN_KINDS, "unknown design")
    if not isinstance(options, dict):
        raise SpecError(f"{where}: expected a table of options ([design.{kind}])")
    allowed = DESIGN_OPTIONS[kind]
    for key in options:
        if key not in allowed:
            raise unknown_key(f"{where}.{key}", key, allowed, f"unknown option of {kind}")
    resolved = {}
    for key, smallest in allowed.items():
        if isinstance(smallest, bool):
            value = options.get(key, smallest)
            if not isinstance(value, bool):
                raise SpecError(f"{where}.{key}: {value!r} is not allowed; expected true or false")
        else:
            if key not in options:
                raise SpecError(f"{where}.{key}: missing; expected an integer from {smallest} to {MAX_OPTION}")
            value = integer_field(options, key, smallest, MAX_OPTION, None)
        resolved[key] = value
    if kind == "sobol" and resolved["samples"] & (resolved["samples"] - 1):
        raise SpecError(f"{where}.samples: {resolved['samples']} is not allowed; Sobol sequences need a "
                        f"power of two (e.g. 32, 64, 128)")
    if kind == "morris" and resolved["levels"] % 2:
        raise SpecError(f"{where}.levels: {resolved['levels']} is not allowed; Morris needs an even number")
    return Design(kind, resolved)


# --- size and points ---------------------------------------------------------------------------------------------

def point_count(designs: tuple[Design, ...], factors: tuple[Factor, ...]) -> int:
    """How many design points ``designs`` make, from their options alone (nothing is built)."""
    d = len(factors)
    sizes = {
        "grid": lambda o: math.prod(len(f.values) for f in factors),
        "latin_hypercube": lambda o: o["samples"],
        "sobol": lambda o: o["samples"] * (2 * d + 2 if o["second_order"] else d + 2),
        "morris": lambda o: o["trajectories"] * (d + 1),
    }
    return sum(sizes[design.kind](design.options) for design in designs)


def design_points(factors: tuple[Factor, ...], designs: tuple[Design, ...], master_seed: int) -> pd.DataFrame:
    """The design points: ``point``, ``design`` and one column per factor (plus ``sample_*`` for sampled)."""
    names = [f.name for f in factors]
    frames = []
    for index, design in enumerate(designs):
        if design.kind == "grid":
            frame = pd.DataFrame(list(itertools.product(*(f.values for f in factors))), columns=names)
        else:
            samples = _sample(design, factors, sampler_seed(master_seed, index))
            frame = pd.DataFrame({f.name: _snap(f, samples[:, i]) for i, f in enumerate(factors)})
            for i, f in enumerate(factors):
                frame[f"sample_{f.name}"] = samples[:, i]
        frame.insert(0, "design", design.kind)
        frames.append(frame)
    points = pd.concat(frames, ignore_index=True)
    points.insert(0, "point", np.arange(len(points), dtype=np.int64))
    for f in factors:
        if f.param.kind is not str:
            points[f.name] = points[f.name].astype({bool: "bool", int: "int64", float: "float64"}[f.param.kind])
    return points


def salib_problem(factors: tuple[Factor, ...]) -> dict[str, Any]:
    """The SALib problem dict for ``factors`` (names and bounds)."""
    return {"num_vars": len(factors), "names": [f.name for f in factors],
            "bounds": [[float(f.low), float(f.high)] for f in factors]}


def _sample(design: Design, factors: tuple[Factor, ...], seed: int) -> np.ndarray:
    """Raw samples in the factors' bounds, one row per design point."""
    from scipy.stats import qmc

    problem = salib_problem(factors)
    if design.kind == "latin_hypercube":
        unit = qmc.LatinHypercube(d=len(factors), rng=np.random.default_rng(seed)).random(design.options["samples"])
        lows, highs = np.array(problem["bounds"]).T
        return qmc.scale(unit, lows, highs)
    if design.kind == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, design.options["samples"], calc_second_order=design.options["second_order"],
                            seed=seed)
    from SALib.sample import morris

    return morris.sample(problem, design.options["trajectories"], num_levels=design.options["levels"], seed=seed)


def _snap(factor: Factor, column: np.ndarray) -> np.ndarray:
    """Sampled values as the parameter's type: integers rounded, floats clipped into the declared range."""
    if factor.param.kind is int:
        return np.clip(np.rint(column), factor.low, factor.high).astype(np.int64)
    return np.clip(column, factor.param.low, factor.param.high).astype(np.float64)


def describe_design(design: Design) -> str:
    if design.kind == "grid":
        return "grid"
    options = ", ".join(f"{k} {v}" for k, v in design.options.items())
    return f"{design.kind.replace('_', ' ')} ({options})"

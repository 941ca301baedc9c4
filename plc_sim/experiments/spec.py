"""Experiment specifications: TOML files in ``experiments/`` that declare a sweep.

A spec names a base preset, parameters held fixed, parameters to vary and the
design that varies them (an explicit grid, or ranges sampled by a Latin
hypercube, a Sobol sequence or Morris trajectories), the replications, ticks,
outcomes and master seed. Everything is checked up front against the single
parameter declaration (:data:`simulation.parameters.PARAMETERS`): a wrong name,
range or type is one :class:`SpecError` naming the field, before anything runs
or is written. ``experiments/README.md`` documents the format with examples.

Seeds: replication ``k`` of every design point uses the same seed, derived from
the master seed and ``k`` (common random numbers), so differences between
points are not noise from different random streams.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from plc_sim.core.errors import InputError
from plc_sim.core.limits import MAX_SEED, MAX_TICKS
from simulation.measures import NETWORK_MEASURES
from simulation.parameters import PARAMS_BY_NAME, TICKS_PER_YEAR, Param, ParameterError, make_params
from simulation.presets import PRESETS

SPEC_FORMAT = 1
"""Bumped when the meaning of a spec field changes; part of the spec hash."""

DESIGN_KINDS = ("grid", "latin_hypercube", "sobol", "morris")
SAMPLED_KINDS = ("latin_hypercube", "sobol", "morris")
DESIGN_OPTIONS = {
    "grid": {},
    "latin_hypercube": {"samples": 2},
    "sobol": {"samples": 2, "second_order": False},
    "morris": {"trajectories": 2, "levels": 4},
}
"""Options each design accepts, with the smallest allowed value (or the default for a flag)."""

PERSISTENCE_MEASURES = {
    "persisting_share": "share of communities that never decayed during the run",
    "decayed_at_end_share": "share of communities decayed at the end of the run",
    "recovered_share": "share of communities that decayed and later recovered",
    "years_before_decay": "mean years a community lasted before decaying, counting the whole run for those "
                          "that never decayed (restricted mean survival time)",
}
"""Run-level persistence measures computed from each run's per-school persistence table."""

FIGURE_OPTIONS = {
    "phase_diagram": {"x": "factor", "y": "factor", "where": "where"},
    "survival": {"by": "factor", "levels": "levels", "where": "where"},
    "curves": {"by": "factor", "levels": "levels", "outcomes": "outcomes", "mark_tick": "tick", "mark_label": "text",
               "where": "where"},
    "effects": {"x": "factor", "by": "factor", "levels": "levels", "measures": "measures", "where": "where"},
}
"""Figure kinds a spec may ask for, and the type of each option (checked by :func:`_figures`)."""

TOP_LEVEL = ("name", "question", "preset", "ticks", "replications", "master_seed", "outcomes", "fixed", "vary",
             "design", "figures", "sensitivity")
DEFAULT_OUTCOMES = ("health", "decayed_share")
MAX_RUNS = 10_000_000


class SpecError(InputError):
    """A spec that cannot be run: the message names the file and the field."""


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


@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs for one run; small, so it pickles cheaply to any executor."""

    run_id: int
    point: int
    replication: int
    seed: int
    preset: str
    overrides: Mapping[str, Any]
    ticks: int
    outcomes: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Spec:
    """A validated experiment specification. Build it with :func:`load_spec` or :func:`parse_spec`."""

    name: str
    question: str
    preset: str
    ticks: int
    replications: int
    master_seed: int
    outcomes: tuple[str, ...]
    fixed: Mapping[str, Any]
    factors: tuple[Factor, ...]
    designs: tuple[Design, ...]
    figures: tuple[tuple[str, Mapping[str, Any]], ...]
    sensitivity: Mapping[str, Any]
    text: str
    data: Mapping[str, Any]
    source: str

    @property
    def digest(self) -> str:
        """SHA-256 of the spec's content (not its comments or layout): what a result folder was made from."""
        canonical = json.dumps({"format": SPEC_FORMAT, "spec": self.data}, sort_keys=True, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()

    @property
    def factor_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.factors)

    @property
    def run_measures(self) -> tuple[str, ...]:
        """Names of the scalar measures computed for every run (see ``execute.run_measures``)."""
        return (*(f"final_{name}" for name in self.outcomes), *PERSISTENCE_MEASURES)

    @cached_property
    def points(self) -> pd.DataFrame:
        """The design points: ``point``, ``design`` and one column per factor (plus ``sample_*`` for sampled)."""
        return _design_points(self)

    @property
    def run_count(self) -> int:
        return len(self.points) * self.replications

    def seed(self, replication: int) -> int:
        """The seed of replication ``replication`` at every design point (common random numbers)."""
        state = np.random.SeedSequence(self.master_seed, spawn_key=(replication,)).generate_state(2, np.uint32)
        return int((int(state[0]) << 31) ^ int(state[1]))

    def tasks(self, skip: set[int] | frozenset[int] = frozenset()) -> list[RunTask]:
        """One task per run not in ``skip``, in run-id order (run id = point x replications + replication)."""
        seeds = [self.seed(k) for k in range(self.replications)]
        records = self.points[list(self.factor_names)].to_dict("records")
        tasks = []
        for point, values in enumerate(records):
            overrides = {**self.fixed, **{name: _plain(value) for name, value in values.items()}}
            for k in range(self.replications):
                run_id = point * self.replications + k
                if run_id not in skip:
                    tasks.append(RunTask(run_id, point, k, seeds[k], self.preset, overrides, self.ticks,
                                         self.outcomes))
        return tasks

    def describe(self) -> str:
        """One line: design, points, replications, runs and ticks."""
        designs = " + ".join(_describe_design(d) for d in self.designs)
        factors = ", ".join(self.factor_names)
        plural = "s" if self.replications > 1 else ""
        return (f"{designs} over {factors}: {len(self.points)} points x {self.replications} replication{plural} = "
                f"{self.run_count} runs of {self.ticks} ticks ({self.ticks / TICKS_PER_YEAR:g} school years)")


def load_spec(path: str | Path) -> Spec:
    """Read and validate the spec at ``path``; raise :class:`SpecError` naming the file and field."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"{path}: no such spec file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SpecError(f"{path}: cannot read the spec ({error})") from None
    return parse_spec(text, source=str(path), default_name=path.stem)


def parse_spec(text: str, source: str = "<spec>", default_name: str = "experiment") -> Spec:
    """Validate the TOML ``text`` of a spec (``source`` names it in errors)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"{source}: not valid TOML: {error}") from None
    try:
        return _build(data, text, source, default_name)
    except (SpecError, ParameterError) as error:
        message = str(error)
        raise SpecError(message if message.startswith(source) else f"{source}: {message}") from None


def spec_with(spec: Spec, **changes: Any) -> Spec:
    """A copy of ``spec`` with top-level fields replaced (e.g. ``replications=1``), validated again.

    The text is regenerated, so the copy's digest differs from the original's.
    """
    data = {**spec.data, **changes}
    return parse_spec(_to_toml(data), source=f"{spec.source} (modified)", default_name=spec.name)


# --- validation ---------------------------------------------------------------------------------------------

def _build(data: dict, text: str, source: str, default_name: str) -> Spec:
    unknown = [key for key in data if key not in TOP_LEVEL]
    if unknown:
        raise SpecError(f"{unknown[0]}: unknown field; a spec has {', '.join(TOP_LEVEL)}")
    name = _text(data, "name", default_name)
    if not name or not all(c.isalnum() or c in "-_." for c in name) or name.startswith("."):
        raise SpecError(f"name: {name!r} is not allowed; expected letters, digits, '-', '_' or '.'")
    preset = _text(data, "preset", "baseline")
    if preset not in PRESETS:
        raise SpecError(f"preset: {preset!r} is not a preset; choose one of {', '.join(PRESETS)}")
    ticks = _integer(data, "ticks", 1, MAX_TICKS, 240)
    replications = _integer(data, "replications", 1, 100_000, 1)
    master_seed = _integer(data, "master_seed", 0, MAX_SEED, 0)
    outcomes = _outcomes(data.get("outcomes", list(DEFAULT_OUTCOMES)), "outcomes")
    fixed = _fixed(_table(data, "fixed"))
    factors = _factors(_table(data, "vary"), fixed)
    designs = _designs(_table(data, "design"), factors)
    spec = Spec(name=name, question=_text(data, "question", ""), preset=preset, ticks=ticks,
                replications=replications, master_seed=master_seed, outcomes=outcomes,
                fixed=fixed, factors=factors, designs=designs, figures=(), sensitivity={}, text=text,
                data=data, source=source)
    figures = _figures(_table(data, "figures"), spec)
    sensitivity = _sensitivity(_table(data, "sensitivity"), spec)
    spec = dataclasses.replace(spec, figures=figures, sensitivity=sensitivity)
    if spec.run_count > MAX_RUNS:
        raise SpecError(f"design: {spec.run_count} runs is more than the {MAX_RUNS} a sweep allows")
    _check_points(spec)
    return spec


def _text(data: Mapping, key: str, default: str) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise SpecError(f"{key}: {value!r} is not allowed; expected text in quotes")
    return value


def _integer(data: Mapping, key: str, low: int, high: int, default: int | None) -> int | None:
    value = data.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SpecError(f"{key}: {value!r} is not allowed; expected an integer from {low} to {high}")
    return value


def _table(data: Mapping, key: str) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise SpecError(f"{key}: expected a table ([{key}]), not {value!r}")
    return value


def _outcomes(value: Any, field_name: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise SpecError(f"{field_name}: expected a list of measures, e.g. [\"health\", \"decayed_share\"]")
    for name in value:
        if name not in NETWORK_MEASURES:
            raise SpecError(f"{field_name}: {name!r} is not a measure; choose from {', '.join(NETWORK_MEASURES)}")
    if len(set(value)) != len(value):
        raise SpecError(f"{field_name}: a measure is listed twice")
    return tuple(value)


def _param(name: str, where: str) -> Param:
    if name not in PARAMS_BY_NAME:
        close = [p for p in PARAMS_BY_NAME if name.split("_")[0] in p]
        hint = f" (did you mean {', '.join(close[:3])}?)" if close else ""
        raise SpecError(f"{where}.{name}: unknown parameter{hint}; `plc-sim params` lists them all")
    return PARAMS_BY_NAME[name]


def _coerce(param: Param, value: Any, where: str) -> Any:
    if isinstance(value, dict | list):
        raise SpecError(f"{where}: {value!r} is not allowed; expected {param.allowed()}")
    try:
        return param.coerce(value)
    except ParameterError:
        raise SpecError(f"{where}: {value!r} is not allowed; expected {param.allowed()}") from None


def _fixed(table: dict) -> dict[str, Any]:
    return {name: _coerce(_param(name, "fixed"), value, f"fixed.{name}") for name, value in table.items()}


def _factors(table: dict, fixed: Mapping[str, Any]) -> tuple[Factor, ...]:
    if not table:
        raise SpecError("vary: a spec must vary at least one parameter ([vary] name = [values...])")
    factors = []
    for name, value in table.items():
        param, where = _param(name, "vary"), f"vary.{name}"
        if name in fixed:
            raise SpecError(f"{where}: also set in [fixed]; a parameter is either fixed or varied")
        if not param.sweepable:
            raise SpecError(f"{where}: this parameter cannot be swept")
        if isinstance(value, list):
            values = tuple(_coerce(param, v, f"{where}[{i}]") for i, v in enumerate(value))
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
    unknown = [k for k in table if k not in ("low", "high", "steps")]
    if unknown:
        raise SpecError(f"{where}.{unknown[0]}: unknown key; a range has low, high and (for a grid) steps")
    low = _coerce(param, table.get("low", param.low), f"{where}.low")
    high = _coerce(param, table.get("high", param.high), f"{where}.high")
    if not low < high:
        raise SpecError(f"{where}: low ({low}) must be below high ({high})")
    values: tuple = ()
    if "steps" in table:
        steps = _integer(table, "steps", 2, 10_000, None)
        grid = np.linspace(low, high, steps).round(12)
        if param.kind is int and not np.allclose(grid, grid.round()):
            raise SpecError(f"{where}.steps: {steps} steps from {low} to {high} do not land on whole numbers")
        values = tuple(_coerce(param, float(v), f"{where}") for v in grid)
    return Factor(param.name, values=values, low=low, high=high)


def _designs(table: dict, factors: tuple[Factor, ...]) -> tuple[Design, ...]:
    if not table:
        table = {"grid": {}}
    designs = []
    for kind, options in table.items():
        where = f"design.{kind}"
        if kind not in DESIGN_KINDS:
            raise SpecError(f"{where}: unknown design; choose from {', '.join(DESIGN_KINDS)}")
        if not isinstance(options, dict):
            raise SpecError(f"{where}: expected a table of options ([design.{kind}])")
        allowed = DESIGN_OPTIONS[kind]
        for key in options:
            if key not in allowed:
                listed = ", ".join(allowed) or "no options"
                raise SpecError(f"{where}.{key}: unknown option; {kind} takes {listed}")
        resolved = {}
        for key, smallest in allowed.items():
            if isinstance(smallest, bool):
                value = options.get(key, smallest)
                if not isinstance(value, bool):
                    raise SpecError(f"{where}.{key}: {value!r} is not allowed; expected true or false")
            else:
                if key not in options:
                    raise SpecError(f"{where}.{key}: missing; expected an integer from {smallest} to 1000000")
                value = _integer(options, key, smallest, 1_000_000, None)
            resolved[key] = value
        if kind == "sobol" and resolved["samples"] & (resolved["samples"] - 1):
            raise SpecError(f"{where}.samples: {resolved['samples']} is not allowed; Sobol sequences need a "
                            f"power of two (e.g. 32, 64, 128)")
        if kind == "morris" and resolved["levels"] % 2:
            raise SpecError(f"{where}.levels: {resolved['levels']} is not allowed; Morris needs an even number")
        designs.append(Design(kind, resolved))
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
    return tuple(designs)


def _figures(table: dict, spec: Spec) -> tuple[tuple[str, Mapping[str, Any]], ...]:
    figures = []
    for kind, entries in table.items():
        if kind not in FIGURE_OPTIONS:
            raise SpecError(f"figures.{kind}: unknown figure; choose from {', '.join(FIGURE_OPTIONS)}")
        for index, entry in enumerate(entries if isinstance(entries, list) else [entries]):
            where = f"figures.{kind}" + (f"[{index}]" if isinstance(entries, list) else "")
            if not isinstance(entry, dict):
                raise SpecError(f"{where}: expected a table of options")
            figures.append((kind, _figure_options(kind, entry, where, spec)))
    return tuple(figures)


def _figure_options(kind: str, entry: dict, where: str, spec: Spec) -> dict[str, Any]:
    options = {}
    grid_factors = {f.name: f for f in spec.factors if f.values}
    for key, value in entry.items():
        expected = FIGURE_OPTIONS[kind].get(key)
        at = f"{where}.{key}"
        if expected is None:
            raise SpecError(f"{at}: unknown option; {kind} takes {', '.join(FIGURE_OPTIONS[kind])}")
        if expected == "factor":
            if value not in spec.factor_names:
                raise SpecError(f"{at}: {value!r} is not a varied parameter; choose from "
                                f"{', '.join(spec.factor_names)}")
            if value not in grid_factors:
                raise SpecError(f"{at}: {value!r} is sampled, not a grid; figures group by grid values")
        elif expected == "outcomes":
            value = _outcomes(value, at)
            missing = [name for name in value if name not in spec.outcomes]
            if missing:
                raise SpecError(f"{at}: {missing[0]!r} is not among the spec's outcomes ({', '.join(spec.outcomes)})")
        elif expected == "measures":
            value = [value] if isinstance(value, str) else value
            if not isinstance(value, list) or not value or any(v not in spec.run_measures for v in value):
                raise SpecError(f"{at}: expected a list of run measures from {', '.join(spec.run_measures)}")
            value = tuple(value)
        elif expected == "tick":
            value = _integer({key: value}, key, 0, spec.ticks, None)
        elif expected == "text":
            value = _text({key: value}, key, "")
        elif expected == "where":
            value = _where(value, at, spec, grid_factors)
        elif expected == "levels":
            if not isinstance(value, list) or not value or "by" not in entry or entry["by"] not in grid_factors:
                raise SpecError(f"{at}: expected a list of values of the `by` parameter")
            value = tuple(_where({entry["by"]: v}, at, spec, grid_factors)[entry["by"]] for v in value)
        options[key] = value
    required = {"phase_diagram": ("x", "y"), "survival": ("by",), "curves": ("by",), "effects": ("x",)}[kind]
    for key in required:
        if key not in options:
            raise SpecError(f"{where}.{key}: missing; choose a varied parameter from {', '.join(spec.factor_names)}")
    if kind == "phase_diagram" and options["x"] == options["y"]:
        raise SpecError(f"{where}: x and y must be different parameters")
    if kind == "curves":
        options.setdefault("outcomes", spec.outcomes)
    if kind == "effects":
        options.setdefault("measures", (f"final_{spec.outcomes[0]}", "persisting_share"))
    return options


def _where(value: Any, at: str, spec: Spec, grid_factors: Mapping[str, Factor]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SpecError(f"{at}: expected a table {{ parameter = value }}")
    chosen = {}
    for name, level in value.items():
        if name not in grid_factors:
            raise SpecError(f"{at}.{name}: not a varied grid parameter of this spec")
        level = _coerce(grid_factors[name].param, level, f"{at}.{name}")
        if level not in grid_factors[name].values:
            raise SpecError(f"{at}.{name}: {level!r} is not one of the grid's values "
                            f"{list(grid_factors[name].values)}")
        chosen[name] = level
    return chosen


def _sensitivity(table: dict, spec: Spec) -> dict[str, Any]:
    if not table:
        return {}
    allowed = ("measures", "confidence", "resamples")
    for key in table:
        if key not in allowed:
            raise SpecError(f"sensitivity.{key}: unknown option; [sensitivity] takes {', '.join(allowed)}")
    measures = table.get("measures", ["final_health", "persisting_share", "years_before_decay"])
    if isinstance(measures, str):
        measures = [measures]
    for name in measures:
        if name not in spec.run_measures:
            raise SpecError(f"sensitivity.measures: {name!r} is not a run measure of this spec; choose from "
                            f"{', '.join(spec.run_measures)}")
    confidence = table.get("confidence", 0.95)
    if isinstance(confidence, bool) or not isinstance(confidence, int | float) or not 0.5 <= confidence < 1:
        raise SpecError(f"sensitivity.confidence: {confidence!r} is not allowed; expected a number from 0.5 to "
                        f"below 1")
    resamples = _integer(table, "resamples", 10, 100_000, 200)
    if not {d.kind for d in spec.designs} & {"sobol", "morris"}:
        raise SpecError("sensitivity: needs a Sobol or Morris design ([design.sobol] or [design.morris])")
    return {"measures": tuple(measures), "confidence": float(confidence), "resamples": resamples}


def _check_points(spec: Spec) -> None:
    """Build the parameters of every design point once, so combinations fail now rather than in a worker."""
    base = {**PRESETS[spec.preset].overrides, **spec.fixed}
    for values in spec.points[list(spec.factor_names)].drop_duplicates().to_dict("records"):
        try:
            make_params({**base, **{k: _plain(v) for k, v in values.items()}})
        except ParameterError as error:
            raise SpecError(f"vary: design point {values} is not allowed: {error}") from None


# --- designs ------------------------------------------------------------------------------------------------

def _design_points(spec: Spec) -> pd.DataFrame:
    frames = []
    for index, design in enumerate(spec.designs):
        if design.kind == "grid":
            rows = list(itertools.product(*(f.values for f in spec.factors)))
            frame = pd.DataFrame(rows, columns=list(spec.factor_names))
        else:
            samples = _sample(design, spec.factors, _sampler_seed(spec.master_seed, index))
            frame = pd.DataFrame({f.name: _snap(f, samples[:, i]) for i, f in enumerate(spec.factors)})
            for i, f in enumerate(spec.factors):
                frame[f"sample_{f.name}"] = samples[:, i]
        frame.insert(0, "design", design.kind)
        frames.append(frame)
    points = pd.concat(frames, ignore_index=True)
    points.insert(0, "point", np.arange(len(points), dtype=np.int64))
    for f in spec.factors:
        if f.param.kind is not str:
            points[f.name] = points[f.name].astype({bool: "bool", int: "int64", float: "float64"}[f.param.kind])
    return points


def _sampler_seed(master_seed: int, design_index: int) -> int:
    # A spawn key of its own keeps design sampling independent of the replication seeds.
    state = np.random.SeedSequence(master_seed, spawn_key=(2**32 - 1, design_index)).generate_state(1, np.uint32)
    return int(state[0])


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


def _plain(value: Any) -> Any:
    """numpy scalars as plain Python values (for Params and for pickling small tasks)."""
    return value.item() if isinstance(value, np.generic) else value


def _describe_design(design: Design) -> str:
    if design.kind == "grid":
        return "grid"
    options = ", ".join(f"{k} {v}" for k, v in design.options.items())
    return f"{design.kind.replace('_', ' ')} ({options})"


def _to_toml(data: Mapping[str, Any]) -> str:
    """Write a spec dict as TOML (top-level tables as sections, everything nested inline); see :func:`spec_with`."""
    scalars = [f"{key} = {_toml_value(value)}" for key, value in data.items() if not isinstance(value, dict)]
    sections = [f"\n[{key}]\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in value.items())
                for key, value in data.items() if isinstance(value, dict)]
    return "\n".join(scalars) + "\n" + "".join(sections)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} as TOML")

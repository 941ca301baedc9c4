"""Calibration specs: TOML files (``experiments/calibration.toml``) naming the uncertain parameters to sample.

A spec lists the uncertain parameters (``[parameters]``: ``name = {}`` samples the declared range of
:mod:`simulation.parameters`; ``{ low = ..., high = ... }`` narrows it), how many points to sample and how
(Latin hypercube or scrambled Sobol, :mod:`scipy.stats.qmc`), the validation patterns to hold the model to
(all of them by default), how hard to look at each point (``[setting]``: replications per arm and network
size) and optional ``[fixed]`` defaults moved at every point. Everything is checked before anything runs or is
written; a wrong field is one :class:`CalibrationSpecError` naming it.

The spec duck-types what the sweep's result store reads from a sweep spec (name, digest, text, points...), so
calibrations are stored, locked and resumed exactly like sweeps.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from plc_sim.core.errors import InputError
from plc_sim.core.files import read_spec_text
from plc_sim.core.limits import MAX_SEED
from plc_sim.core.provenance import content_digest
from plc_sim.core.seeds import sampler_seed
from plc_sim.experiments.specs.outcome_specs import CustomOutcomes
from plc_sim.validation.core import Setting
from plc_sim.validation.registry import PATTERNS, Pattern, select_patterns
from simulation.parameters import PARAMS_BY_NAME, Param, ParameterError, make_params, suggest

CALIBRATION_FORMAT = 1
"""Bumped when the meaning of a field changes; part of the spec's hash."""

TOP_LEVEL = ("name", "question", "master_seed", "patterns", "acceptance", "sampling", "setting", "parameters",
             "fixed")
METHODS = ("latin_hypercube", "sobol")
ACCEPTANCE = {
    "interval": "every check's whole 95% interval lies inside its expected interval (as `plc-sim validate` judges)",
    "estimate": "every check's estimate lies inside its expected interval (a screen for cheap settings, whose "
                "wide intervals would reject points for imprecision alone; confirm with `plc-sim validate`)",
}
"""How a point is judged against each check, and what that means."""
MAX_SAMPLES = 100_000
SETTING_FIELDS = ("replications", "n_schools")


class CalibrationSpecError(InputError):
    """A calibration spec that cannot be run: the message names the file and the field."""


@dataclass(frozen=True)
class Uncertain:
    """One sampled parameter and the range it is sampled over (inside its declared range)."""

    name: str
    low: float
    high: float

    @property
    def param(self) -> Param:
        return PARAMS_BY_NAME[self.name]


@dataclass(frozen=True, eq=False)
class CalibrationSpec:
    """A validated calibration spec. Build it with :func:`load_calibration` or :func:`parse_calibration`."""

    name: str
    question: str
    master_seed: int
    acceptance: str
    method: str
    samples: int
    patterns: tuple[Pattern, ...]
    setting: Setting
    uncertain: tuple[Uncertain, ...]
    fixed: dict[str, Any]
    text: str
    data: dict
    source: str

    @property
    def digest(self) -> str:
        """SHA-256 of the spec's content (not its comments or layout): what a result folder was made from."""
        return content_digest({"format": CALIBRATION_FORMAT, "calibration": self.data})

    # What the result store reads from a spec (it stores sweeps and calibrations alike).
    @property
    def factor_names(self) -> tuple[str, ...]:
        return tuple(u.name for u in self.uncertain)

    @property
    def outcomes(self) -> tuple[str, ...]:
        return tuple(p.key for p in self.patterns)

    @property
    def replications(self) -> int:
        return self.setting.replications

    @property
    def rules(self) -> tuple:
        return ()  # a calibration measures the model's own rules; none is replaced

    @property
    def custom(self) -> CustomOutcomes:
        return CustomOutcomes()  # the patterns are its outcomes: no own functions, stop condition or school series

    @property
    def ticks(self) -> None:
        return None  # each pattern runs its own length

    @property
    def point_count(self) -> int:
        return self.samples

    @property
    def run_count(self) -> int:
        """Units of work stored: one per sampled point (all patterns, all replications)."""
        return self.samples

    @cached_property
    def points(self) -> pd.DataFrame:
        """The sampled points: ``point``, ``design`` and one column per uncertain parameter."""
        return sample_points(self)

    def defaults(self, point: int) -> dict[str, Any]:
        """The defaults moved at ``point``: the fixed ones and the sampled values."""
        row = self.points.iloc[point]
        return {**self.fixed, **{u.name: _plain(row[u.name]) for u in self.uncertain}}

    def describe(self) -> str:
        names = ", ".join(self.factor_names)
        keys = ", ".join(p.key for p in self.patterns)
        return (f"{self.method.replace('_', ' ')} of {self.samples} points over {names}; patterns {keys}; "
                f"{self.setting.description}; accepted when {ACCEPTANCE[self.acceptance]}")


def load_calibration(path: str | Path, patterns: tuple[Pattern, ...] = PATTERNS) -> CalibrationSpec:
    """Read and validate the calibration spec at ``path`` (``patterns``: those it may name)."""
    path = Path(path)
    text = read_spec_text(path, CalibrationSpecError, "calibration spec")
    return parse_calibration(text, source=str(path), default_name=path.stem, patterns=patterns)


def parse_calibration(text: str, source: str = "<calibration>", default_name: str = "calibration",
                      patterns: tuple[Pattern, ...] = PATTERNS) -> CalibrationSpec:
    """Validate the TOML ``text`` of a calibration spec; ``patterns`` are those its ``patterns`` may name."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CalibrationSpecError(f"{source}: not valid TOML: {error}") from None
    try:
        return _build(data, text, source, default_name, patterns)
    except (InputError, ParameterError) as error:
        raise CalibrationSpecError(f"{source}: {error}") from None


# --- fields ---------------------------------------------------------------------------------------------------

def _build(data: dict, text: str, source: str, default_name: str, known: tuple[Pattern, ...]) -> CalibrationSpec:
    unknown = [key for key in data if key not in TOP_LEVEL]
    if unknown:
        raise InputError(f"{unknown[0]}: unknown field{suggest(unknown[0], TOP_LEVEL)}; a calibration spec has "
                         f"{', '.join(TOP_LEVEL)}")
    name = _text(data, "name", default_name)
    if not name or name.startswith(".") or not all(c.isalnum() or c in "-_." for c in name):
        raise InputError(f"name: {name!r} is not allowed; expected letters, digits, '-', '_' or '.'")
    master_seed = _integer(data, "master_seed", 0, MAX_SEED, 0)
    chosen = data.get("patterns", [])
    if not isinstance(chosen, list):
        raise InputError("patterns: expected a list of pattern keys or numbers, e.g. [\"turnover\", 3]")
    patterns = tuple(select_patterns([str(p) for p in chosen], "patterns", known))
    acceptance = _text(data, "acceptance", "interval")
    if acceptance not in ACCEPTANCE:
        raise InputError(f"acceptance: {acceptance!r} is not allowed; choose {' or '.join(ACCEPTANCE)}")
    sampling = _table(data, "sampling", ("method", "samples"))
    method = _text(sampling, "method", "latin_hypercube", "sampling.method")
    if method not in METHODS:
        raise InputError(f"sampling.method: {method!r} is not allowed; choose {' or '.join(METHODS)}")
    samples = _integer(sampling, "samples", 2, MAX_SAMPLES, None, "sampling.samples")
    if method == "sobol" and samples & (samples - 1):
        raise InputError(f"sampling.samples: {samples} is not allowed; a Sobol sequence needs a power of two")
    fixed = _fixed(_table(data, "fixed", None))
    uncertain = _uncertain(_table(data, "parameters", None), fixed)
    setting = _setting(_table(data, "setting", SETTING_FIELDS), name, master_seed, fixed)
    spec = CalibrationSpec(name, _text(data, "question", ""), master_seed, acceptance, method, samples, patterns,
                           setting, uncertain, fixed, text, data, source)
    _check_points(spec)
    return spec


def _text(table: dict, key: str, default: str, where: str | None = None) -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise InputError(f"{where or key}: {value!r} is not allowed; expected text in quotes")
    return value


def _integer(table: dict, key: str, low: int, high: int, default: int | None, where: str | None = None) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InputError(f"{where or key}: {value!r} is not allowed; expected an integer from {low} to {high}")
    return value


def _table(data: dict, key: str, allowed: tuple[str, ...] | None) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise InputError(f"{key}: expected a table ([{key}]), not {value!r}")
    for field in value if allowed is not None else ():
        if field not in allowed:
            raise InputError(f"{key}.{field}: unknown field{suggest(field, allowed)}; [{key}] takes "
                             f"{', '.join(allowed)}")
    return value


def _param(name: str, where: str) -> Param:
    if name not in PARAMS_BY_NAME:
        raise InputError(f"{where}.{name}: unknown parameter{suggest(name, PARAMS_BY_NAME)}; `plc-sim params` "
                         f"lists them all")
    if name == "n_schools":
        raise InputError(f"{where}.n_schools: the network size belongs in [setting]")
    return PARAMS_BY_NAME[name]


def _coerce(param: Param, value: Any, where: str) -> Any:
    error = InputError(f"{where}: {value!r} is not allowed; expected {param.allowed()}")
    if isinstance(value, dict | list):
        raise error
    try:
        return param.coerce(value)
    except ParameterError:
        raise error from None


def _fixed(table: dict) -> dict[str, Any]:
    return {name: _coerce(_param(name, "fixed"), value, f"fixed.{name}") for name, value in table.items()}


def _uncertain(table: dict, fixed: dict[str, Any]) -> tuple[Uncertain, ...]:
    if not table:
        raise InputError("parameters: list at least one uncertain parameter ([parameters] name = {} for its "
                         "declared range)")
    uncertain = []
    for name, value in table.items():
        param, where = _param(name, "parameters"), f"parameters.{name}"
        if name in fixed:
            raise InputError(f"{where}: also in [fixed]; a parameter is either fixed or sampled")
        if param.kind not in (int, float) or not param.sweepable:
            raise InputError(f"{where}: {name} cannot be sampled; only numeric sweepable parameters can")
        if not isinstance(value, dict):
            raise InputError(f"{where}: expected {{}} (its declared range) or {{ low = ..., high = ... }}")
        for key in value:
            if key not in ("low", "high"):
                raise InputError(f"{where}.{key}: unknown key; a range has low and high")
        low = _coerce(param, value.get("low", param.low), f"{where}.low")
        high = _coerce(param, value.get("high", param.high), f"{where}.high")
        if not low < high:
            raise InputError(f"{where}: low ({low}) must be below high ({high})")
        uncertain.append(Uncertain(name, low, high))
    return tuple(uncertain)


def _setting(table: dict, name: str, seed: int, fixed: dict[str, Any]) -> Setting:
    replications = _integer(table, "replications", 2, 10_000, 4, "setting.replications")
    n_schools = table.get("n_schools")
    if n_schools is not None:
        n_schools = _coerce(PARAMS_BY_NAME["n_schools"], n_schools, "setting.n_schools")
    size = "the default network" if n_schools is None else f"networks of {n_schools} schools"
    return Setting(name, replications, n_schools, f"{replications} replications per arm on {size}", seed=seed,
                   defaults=fixed)


def _check_points(spec: CalibrationSpec) -> None:
    """Build the parameters at every point once, so a combination the model refuses fails now, not in a worker."""
    for point in range(spec.samples):
        try:
            make_params({**spec.defaults(point), **spec.setting.network()})
        except ParameterError as error:
            raise InputError(f"parameters: sampled point {point} is not allowed: {error}") from None


# --- sampling -------------------------------------------------------------------------------------------------

def sample_points(spec: CalibrationSpec) -> pd.DataFrame:
    """``samples`` points of a Latin hypercube or scrambled Sobol sequence over the uncertain ranges."""
    from scipy.stats import qmc

    rng = np.random.default_rng(sampler_seed(spec.master_seed, 0))
    dims = len(spec.uncertain)
    engine = (qmc.LatinHypercube(d=dims, rng=rng) if spec.method == "latin_hypercube"
              else qmc.Sobol(d=dims, scramble=True, rng=rng))
    unit = engine.random(spec.samples)
    frame = pd.DataFrame({"point": np.arange(spec.samples, dtype=np.int64), "design": spec.method})
    for i, u in enumerate(spec.uncertain):
        values = u.low + unit[:, i] * (u.high - u.low)
        frame[u.name] = (np.clip(np.rint(values), u.low, u.high).astype(np.int64) if u.param.kind is int
                         else values.astype(np.float64))
    return frame


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value

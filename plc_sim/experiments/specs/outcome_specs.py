"""``[outcomes]`` in a spec: what each run records, including a researcher's own outcomes and a stop condition.

The short form lists the network measures recorded every tick: ``outcomes = ["health", "decayed_share"]``.
The long form is a table::

    [outcomes]
    measures = ["health", "decayed_share"]           # the network measures recorded every tick (as above)
    peak_health = "outcomes_example:peak_health"     # one number per run, a column of the runs table
    stop = "outcomes_example:most_eroded"            # optional: True ends the run early
    stop_every = "year"                              # when to ask: after each school "year" (default) or "tick"
    school_series = ["health", "trust"]              # optional: per-school series (true: every school measure)

An outcome function takes one argument, and its name says which: ``series`` (the run's network measures, one
row per tick, as ``simulation.network_frame`` gives them) or ``model`` (the finished ``PLCModel``). It returns
one finite number (True and False count as 1 and 0), which lands in the runs table under the outcome's name,
so ``discover --outcome``, ``robustness`` and the analysis use it like a built-in run measure. A stop
condition takes the ``model`` and returns True or False; the run ends at the first check that says True and
the runs table records it in ``stop_tick`` (-1: the run went its full length). Functions are found, imported
and hashed as ``[rules]`` are (:mod:`plc_sim.experiments.specs.user_functions`) and run under the spec's
``user_function_timeout``; a function that raises, exits, runs out of time or returns something else stops the
sweep with one line naming the outcome and the run, keeping the runs finished before.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from plc_sim.experiments.specs.spec_fields import SpecError, outcomes_field, unknown_key
from plc_sim.experiments.specs.user_functions import USER_FUNCTION_TIMEOUT, Guard, resolve, spec_folder
from simulation import network_frame
from simulation.measures import SCHOOL_MEASURES, school_tables
from simulation.parameters import TICKS_PER_YEAR

DEFAULT_OUTCOMES = ("health", "decayed_share")
SETTINGS = ("measures", "stop", "stop_every", "school_series")
"""Keys of ``[outcomes]`` that are settings; every other key names an outcome function."""
STOP_EVERY = {"year": TICKS_PER_YEAR, "tick": 1}
OVER = ("series", "model")
STOP_TICK = "stop_tick"
EXAMPLE = "\"outcomes_example:peak_health\" for peak_health in outcomes_example.py beside the spec"


@dataclass(frozen=True)
class OutcomeFunction:
    """Outcome ``name`` computed by ``target`` (``module:function``, importable from ``folder``) over ``over``."""

    name: str
    target: str
    folder: str
    sha256: str
    over: str  # "series" or "model"

    @property
    def where(self) -> str:
        return f"outcomes.{self.name}"

    def call(self, guard: Guard, argument):
        """The function's answer for ``argument``, imported and called under ``guard``."""
        return guard.call(self.where, self.target, guard.load(self.where, self.target, self.folder), argument)


@dataclass(frozen=True)
class CustomOutcomes:
    """What ``[outcomes]`` asks of each run beyond the measures recorded every tick."""

    functions: tuple[OutcomeFunction, ...] = ()
    stop: OutcomeFunction | None = None
    stop_every: int = TICKS_PER_YEAR
    school_series: tuple[str, ...] = ()  # per-school measures recorded every tick

    @property
    def columns(self) -> tuple[str, ...]:
        """The runs table's columns these add: one per outcome function, and ``stop_tick`` with a stop condition."""
        return (*(f.name for f in self.functions), *((STOP_TICK,) if self.stop else ()))

    def record(self) -> dict[str, dict[str, str]]:
        """What the spec's hash and the manifest record: each function and its module's source hash."""
        return {f.name: {"function": f.target, "sha256": f.sha256, "over": f.over}
                for f in (*self.functions, *((self.stop,) if self.stop else ()))}


def parse_outcomes(value, source: str, taken: set[str], recorded: dict | None = None,
                   timeout: float = USER_FUNCTION_TIMEOUT) -> tuple[tuple[str, ...], CustomOutcomes]:
    """The spec's ``outcomes``: a list of measures, or the ``[outcomes]`` table (``taken``: names in use;
    ``recorded``: the functions as a result folder's manifest records them, taken without importing them;
    ``timeout``: seconds each function's import may take)."""
    recorded = recorded or {}
    if not isinstance(value, dict):
        return outcomes_field(value, "outcomes"), CustomOutcomes()
    measures = outcomes_field(value.get("measures", list(DEFAULT_OUTCOMES)), "outcomes.measures")
    taken = taken | {f"final_{name}" for name in measures} | {STOP_TICK, *SETTINGS}
    folder = spec_folder(source)
    functions = tuple(_function(name, target, folder, taken, recorded.get(name), timeout)
                      for name, target in value.items() if name not in SETTINGS)
    stop = _function("stop", value["stop"], folder, set(), recorded.get("stop"), timeout) if "stop" in value else None
    if stop is not None and stop.over != "model":
        raise SpecError(f"outcomes.stop: {stop.target} takes series; a stop condition takes the model")
    every = value.get("stop_every", "year")
    if every not in STOP_EVERY:
        raise unknown_key("outcomes.stop_every", str(every), STOP_EVERY, f"{every!r} is not allowed")
    if "stop_every" in value and stop is None:
        raise SpecError("outcomes.stop_every: there is no stop condition (outcomes.stop)")
    return measures, CustomOutcomes(functions, stop, STOP_EVERY[every], _school_series(value.get("school_series")))


def _function(name: str, target, folder: str, taken: set[str], recorded: dict | None, timeout: float
              ) -> OutcomeFunction:
    where = f"outcomes.{name}"
    if not name.isidentifier() or name in taken:
        raise SpecError(f"{where}: {name!r} cannot name an outcome; expected letters, digits and '_' and a name "
                        f"that is not already a column of the runs table")
    arguments, sha256 = resolve(where, target, folder, EXAMPLE, recorded, timeout)
    if arguments is None:  # as a result folder recorded it
        return OutcomeFunction(name, target, folder, sha256, recorded["over"])
    if len(arguments) != 1 or arguments[0] not in OVER:
        raise SpecError(f"{where}: {target} takes ({', '.join(arguments)}); expected one argument named series "
                        f"(the run's network measures per tick) or model (the finished run)")
    return OutcomeFunction(name, target, folder, sha256, arguments[0])


def _school_series(value) -> tuple[str, ...]:
    if value is None or value is False:
        return ()
    if value is True:
        return SCHOOL_MEASURES
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise SpecError("outcomes.school_series: expected true, false or a list of school measures, e.g. "
                        "[\"health\", \"trust\"]")
    for name in value:
        if name not in SCHOOL_MEASURES:
            raise unknown_key("outcomes.school_series", name, SCHOOL_MEASURES, f"{name!r} is not a school measure")
    if len(set(value)) != len(value):
        raise SpecError("outcomes.school_series: a measure is listed twice")
    return tuple(value)


# --- in the worker --------------------------------------------------------------------------------------------

def outcome_values(custom: CustomOutcomes, model, guard: Guard) -> tuple[float, ...]:
    """Each outcome function's number for the finished ``model`` (``guard`` calls them and names the run)."""
    if not custom.functions:
        return ()
    series = network_frame(model) if any(f.over == "series" for f in custom.functions) else None
    values = []
    for function in custom.functions:
        value = function.call(guard, series.copy() if function.over == "series" else model)
        if isinstance(value, bool | np.bool_ | numbers.Real) and math.isfinite(float(value)):
            values.append(float(value))
        else:
            raise guard.failure(function.where, function.target,
                                f"returned {_shown(value)}; expected one finite number")
    return tuple(values)


def should_stop(custom: CustomOutcomes, model, guard: Guard) -> bool:
    """True when the stop condition, asked at this tick (every ``stop_every`` ticks), ends the run."""
    stop = custom.stop
    if stop is None or model.steps % custom.stop_every:
        return False
    answer = stop.call(guard, model)
    if not isinstance(answer, bool | np.bool_):
        raise guard.failure(stop.where, stop.target,
                            f"returned {_shown(answer)} at tick {model.steps}; expected True or False")
    return bool(answer)


def school_series_array(custom: CustomOutcomes, model) -> np.ndarray | None:
    """The per-school measures asked for, (ticks + 1, measures, schools), or None when none are."""
    if not custom.school_series:
        return None
    rows = [SCHOOL_MEASURES.index(name) for name in custom.school_series]
    return school_tables(model)[:, rows, :]


def _shown(value) -> str:
    """``value`` in a few words on one line: its type, and its size or its first characters."""
    try:
        shape = np.shape(value)
    except ValueError:  # a ragged sequence
        shape = (len(value),)
    if shape:
        return f"{type(value).__name__} of shape {shape}"
    text = " ".join(repr(value).split())
    return f"{type(value).__name__} {text[:40] + '...' if len(text) > 40 else text}"

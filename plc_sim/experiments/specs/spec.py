"""Experiment specifications: TOML files in ``experiments/`` that declare a sweep.

A spec names a base preset, parameters held fixed, parameters to vary and the
design that varies them (an explicit grid, or ranges sampled by a Latin
hypercube, a Sobol sequence or Morris trajectories), the replications, ticks,
outcomes and master seed. Everything is checked up front against the single
parameter declaration (:data:`simulation.parameters.PARAMETERS`): a wrong name,
range or type is one :class:`SpecError` naming the field, before anything runs
or is written. A design's run count is computed from its options and refused
above :data:`plc_sim.core.limits.MAX_RUNS` before any point is built.
``experiments/README.md`` documents the format with examples.

Seeds: replication ``k`` of every design point uses the same seed
(``core.seeds.replication_seed``: common random numbers), so differences
between points are not noise from different random streams.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from plc_sim.core.files import read_spec_text
from plc_sim.core.limits import MAX_RUNS, MAX_SEED, MAX_TICKS
from plc_sim.core.provenance import content_digest
from plc_sim.core.seeds import replication_seed
from plc_sim.experiments.specs.designs import (
    Design,
    Factor,
    describe_design,
    design_points,
    parse_designs,
    parse_factors,
    point_count,
)
from plc_sim.experiments.specs.levers import (
    check_settings,
    idle_lines,
    is_parameter,
    lever_lines,
    lever_points,
    parse_levers,
    parse_uncertainties,
    plain,
    policy_count,
    run_settings,
)
from plc_sim.experiments.specs.outcome_specs import DEFAULT_OUTCOMES, CustomOutcomes, parse_outcomes
from plc_sim.experiments.specs.rule_specs import RuleChoice, parse_rules, rules_record
from plc_sim.experiments.specs.spec_fields import (
    SpecError,
    fixed_values,
    integer_field,
    table_field,
    text_field,
    unknown_key,
)
from plc_sim.experiments.specs.spec_figures import parse_figures, parse_sensitivity
from plc_sim.experiments.specs.user_functions import MAX_USER_FUNCTION_TIMEOUT, TIMEOUT_FIELD, USER_FUNCTION_TIMEOUT
from simulation.attribution import CAUSES, NO_CAUSE
from simulation.parameters import TICKS_PER_YEAR, ParameterError, make_params
from simulation.presets import PRESETS

SPEC_FORMAT = 1
"""Bumped when the meaning of a spec field changes; part of the spec hash."""

def cause_measure(cause: str) -> str:
    """The runs-table column counting decays attributed to ``cause`` (a key of ``simulation.attribution.CAUSES``)."""
    return "decays_after_" + cause.replace(" ", "_")


PERSISTENCE_MEASURES = {
    "persisting_share": "share of formed communities (a school year at the implementing stage) that never decayed "
                        "(a school year below the initiating stage) during the run",
    "never_formed_share": "share of communities that never formed (never a school year at the implementing stage)",
    "decayed_at_end_share": "share of communities decayed at the end of the run",
    "recovered_share": "share of formed communities that decayed and later re-formed",
    "eroded_share": "share of formed communities that fell below their own established level (erosion, a "
                    "secondary measure relative to the school's own past)",
    "years_before_decay": "mean years a formed community lasted from forming to its first decay, counting the rest "
                          "of the run for those that never decayed (restricted mean survival time)",
    **{cause_measure(cause): f"decays in the run attributed to {cause}: {meaning} (a decay with several causes counts "
                             "an equal part for each; simulation/attribution.py)"
       for cause, meaning in {**CAUSES, NO_CAUSE: "none of these was logged while its health fell"}.items()},
}
"""Run-level persistence measures computed from each run's per-school persistence table."""

POLICY_KEYS = ("policy", "scenario")
"""Columns of a policy spec's points and runs: which combination of lever values, and which sample of conditions."""

TOP_LEVEL = ("name", "question", "preset", "ticks", "replications", "master_seed", "outcomes", "fixed", "vary",
             "design", "figures", "sensitivity", "levers", "uncertainties", "rules", TIMEOUT_FIELD)
NOT_HASHED = (TIMEOUT_FIELD,)
"""Fields that do not change what a run computes: a sweep resumes when they change."""
MAX_REPLICATIONS = 100_000


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
    interventions: tuple[str, ...] = ()  # texts for simulation.interventions.parse_intervention
    rules: tuple[RuleChoice, ...] = ()  # replaced rules ([rules])
    custom: CustomOutcomes = CustomOutcomes()  # outcome functions, stop condition, school series ([outcomes])
    timeout: int = USER_FUNCTION_TIMEOUT  # seconds its user functions may take together (user_function_timeout)


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
    lever_count: int = 0  # the first lever_count factors are [levers]; the rest are [uncertainties]
    rules: tuple[RuleChoice, ...] = ()  # replaced rules ([rules]), with their source hashes
    custom: CustomOutcomes = CustomOutcomes()  # [outcomes] beyond the measures: functions, stop, school series
    timeout: int = USER_FUNCTION_TIMEOUT  # user_function_timeout: seconds a run's user functions may take

    @property
    def digest(self) -> str:
        """SHA-256 of the spec's content (not its comments or layout, nor NOT_HASHED fields): what a result folder
        was made from."""
        rules = {"rules": rules_record(self.rules)} if self.rules else {}
        functions = self.custom.record()
        functions = {"outcome_functions": functions} if functions else {}
        data = {key: value for key, value in self.data.items() if key not in NOT_HASHED}
        return content_digest({"format": SPEC_FORMAT, "spec": data, **rules, **functions})

    @property
    def user_functions(self) -> bool:
        """True when runs call a researcher's functions ([rules], [outcomes] functions or a stop condition)."""
        return bool(self.rules or self.custom.functions or self.custom.stop)

    @property
    def factor_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.factors)

    @property
    def levers(self) -> tuple[Factor, ...]:
        """The policy levers (``[levers]``); every combination of their values is one policy."""
        return self.factors[:self.lever_count]

    @property
    def lever_names(self) -> tuple[str, ...]:
        return self.factor_names[:self.lever_count]

    @property
    def uncertainty_names(self) -> tuple[str, ...]:
        return self.factor_names[self.lever_count:] if self.lever_count else ()

    @property
    def run_measures(self) -> tuple[str, ...]:
        """Names of the scalar measures computed for every run (see ``execute.run_measures``)."""
        return (*(f"final_{name}" for name in self.outcomes), *PERSISTENCE_MEASURES, *self.custom.columns)

    @property
    def point_count(self) -> int:
        """Number of design points, from the designs' options (builds nothing)."""
        if self.lever_count:
            uncertain = self.factors[self.lever_count:]
            return policy_count(self.levers) * (point_count(self.designs, uncertain) if uncertain else 1)
        return point_count(self.designs, self.factors)

    @cached_property
    def points(self) -> pd.DataFrame:
        """The design points: ``point``, ``design`` and one column per factor (plus ``sample_*`` for sampled)."""
        if self.lever_count:
            return lever_points(self.levers, self.factors[self.lever_count:], self.designs, self.master_seed)
        return design_points(self.factors, self.designs, self.master_seed)

    @property
    def run_count(self) -> int:
        return self.point_count * self.replications

    def seed(self, replication: int) -> int:
        """The seed of replication ``replication`` at every design point (common random numbers)."""
        return replication_seed(self.master_seed, replication)

    def tasks(self, skip: set[int] | frozenset[int] = frozenset()) -> list[RunTask]:
        """One task per run not in ``skip``, in run-id order (run id = point x replications + replication)."""
        records = self.points[list(self.factor_names)].to_dict("records")
        return [self._task(point, values, k) for point, values in enumerate(records)
                for k in range(self.replications) if point * self.replications + k not in skip]

    def first_task(self) -> RunTask:
        """The task of the first run (point 0, replication 0), e.g. to time one run."""
        return self._task(0, self.points[list(self.factor_names)].iloc[0].to_dict(), 0)

    def _task(self, point: int, values: Mapping[str, Any], replication: int) -> RunTask:
        settings, interventions = run_settings(self.levers, {n: plain(v) for n, v in values.items()})
        return RunTask(point * self.replications + replication, point, replication, self.seed(replication),
                       self.preset, {**self.fixed, **settings}, self.ticks, self.outcomes, interventions, self.rules,
                       self.custom, self.timeout)

    def plan_lines(self) -> list[str]:
        """The plan beyond :meth:`describe`: each lever and its values, then :meth:`idle_lines`."""
        return [*lever_lines(self.levers), *self.idle_lines()]

    def idle_lines(self) -> list[str]:
        """A note for each intervention setting that would change nothing in some conditions, and why."""
        if not self.lever_count:
            return []
        return idle_lines(self.levers, self.points, self.preset, self.fixed, self.ticks)

    def describe(self) -> str:
        """One line: design, points, replications, runs and ticks (computed without building the points)."""
        design = " + ".join(describe_design(d) for d in self.designs)
        plan = f"{design} over {', '.join(self.factor_names)}"
        if self.lever_count:
            policies = f"{policy_count(self.levers)} policies ({', '.join(self.lever_names)})"
            uncertain = self.uncertainty_names
            plan = f"{policies} x {design} over {', '.join(uncertain)}" if uncertain else policies
        plural = "s" if self.replications > 1 else ""
        return (f"{plan}: {self.point_count} points x {self.replications} replication{plural} = "
                f"{self.run_count} runs of {self.ticks} ticks ({self.ticks / TICKS_PER_YEAR:g} school years)")


def load_spec(path: str | Path) -> Spec:
    """Read and validate the spec at ``path``; raise :class:`SpecError` naming the file and field."""
    path = Path(path)
    text = read_spec_text(path, SpecError, "spec file")
    return parse_spec(text, source=str(path), default_name=path.stem)


def parse_spec(text: str, source: str = "<spec>", default_name: str = "experiment", recorded: dict | None = None
               ) -> Spec:
    """Validate the TOML ``text`` of a spec (``source`` names it in errors).

    ``recorded``: the manifest of the result folder the spec made; its replaced rules and outcome functions
    are taken as recorded there (with their source hashes), not imported, so a finished sweep can be analysed
    after the student's module has changed or moved.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"{source}: not valid TOML: {error}") from None
    try:
        return _build(data, text, source, default_name, recorded or {})
    except (SpecError, ParameterError) as error:
        message = str(error)
        raise SpecError(message if message.startswith(source) else f"{source}: {message}") from None


def _build(data: dict, text: str, source: str, default_name: str, recorded: dict) -> Spec:
    for key in data:
        if key not in TOP_LEVEL:
            raise unknown_key(key, key, TOP_LEVEL, "unknown field")
    name = text_field(data, "name", default_name)
    if not name or not all(c.isalnum() or c in "-_." for c in name) or name.startswith("."):
        raise SpecError(f"name: {name!r} is not allowed; expected letters, digits, '-', '_' or '.'")
    preset = text_field(data, "preset", "baseline")
    if preset not in PRESETS:
        raise unknown_key("preset", preset, PRESETS, f"{preset!r} is not a preset")
    fixed = fixed_values(table_field(data, "fixed"))
    levers = ()
    if "levers" in data or "uncertainties" in data:
        if "vary" in data:
            raise SpecError("vary: a spec has either [vary], or [levers] and [uncertainties]")
        levers = parse_levers(table_field(data, "levers"), fixed)
        factors = levers + parse_uncertainties(table_field(data, "uncertainties"), fixed, levers)
    else:
        factors = parse_factors(table_field(data, "vary"), fixed)
    taken = {"run_id", "point", "replication", "seed", "design", *POLICY_KEYS, *PERSISTENCE_MEASURES,
             *(f.name for f in factors)}
    timeout = integer_field(data, TIMEOUT_FIELD, 1, MAX_USER_FUNCTION_TIMEOUT, USER_FUNCTION_TIMEOUT)
    outcomes, custom = parse_outcomes(data.get("outcomes", list(DEFAULT_OUTCOMES)), source, taken,
                                      recorded.get("outcome_functions"), timeout)
    spec = Spec(name=name, question=text_field(data, "question", ""), preset=preset,
                ticks=integer_field(data, "ticks", 1, MAX_TICKS, 240),
                replications=integer_field(data, "replications", 1, MAX_REPLICATIONS, 1),
                master_seed=integer_field(data, "master_seed", 0, MAX_SEED, 0),
                outcomes=outcomes, custom=custom, fixed=fixed, factors=factors, lever_count=len(levers),
                rules=parse_rules(table_field(data, "rules"), source, recorded.get("rules"), timeout), timeout=timeout,
                designs=parse_designs(table_field(data, "design"), factors[len(levers):]),
                figures=(), sensitivity={}, text=text, data=data, source=source)
    if spec.run_count > MAX_RUNS:  # from the designs' options: nothing has been built yet
        plural = "s" if spec.replications > 1 else ""
        raise SpecError(f"design: {spec.run_count:,} runs ({spec.point_count:,} points x {spec.replications} "
                        f"replication{plural}) is more than the {MAX_RUNS:,} an experiment allows")
    spec = replace(spec, figures=parse_figures(table_field(data, "figures"), spec),
                   sensitivity=parse_sensitivity(table_field(data, "sensitivity"), spec))
    _check_values(spec)
    return spec


def _check_values(spec: Spec) -> None:
    """Build the parameters of every fixed and varied value once, so a bad one fails now rather than in a worker.

    Parameters are validated one by one against their declaration, so checking each factor's levels (or range
    ends) on the base parameters covers every design point without building them.
    """
    base = {**PRESETS[spec.preset].overrides, **spec.fixed}
    make_params(base)
    check_settings(spec.factors, base, spec.ticks)
    for factor in spec.factors:
        if not is_parameter(factor.name):  # an intervention lever: its settings were checked when read
            continue
        for level in factor.values or (factor.low, factor.high):
            try:
                make_params({**base, factor.name: plain(level)})
            except ParameterError as error:
                raise SpecError(f"vary.{factor.name}: {level!r} is not allowed: {error}") from None



"""Policy levers and uncertain conditions in a spec: ``[levers]`` crossed with ``[uncertainties]``.

A *lever* is what a district controls: a parameter (``meeting_time = [0.4, 0.8]``) or an intervention of
:mod:`simulation.interventions` (``succession_planning = ["off", "handover=1", "handover=0.5@3-10"]``: each
value is ``off``, ``on`` (its defaults) or the part of the intervention after its name: arguments, years and
schools). Every combination of lever values is one *policy*. An *uncertainty* is what the district cannot
control (turnover, budgets, initial trust): parameters given as in ``[vary]`` and sampled by the spec's
``[design.*]`` (a grid, or e.g. ``[design.latin_hypercube] samples = 20``). Every policy is run over the same
sample of conditions, and replication ``k`` uses the same seed everywhere (common random numbers), so
policies are compared on the same worlds (the XLRM frame of Lempert, Popper & Bankes 2003).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from plc_sim.experiments.specs.designs import Design, Factor, design_points, parse_factors
from plc_sim.experiments.specs.spec_fields import SpecError
from simulation.interventions import INTERVENTIONS, parse_intervention
from simulation.parameters import PARAMS_BY_NAME, Param, ParameterError
from simulation.presets import preset_params

OFF, ON = "off", "on"


class InterventionLever(Factor):
    """A lever that switches an intervention: its values are settings (``off``, ``on`` or arguments and years)."""

    @property
    def param(self) -> Param:
        kind = INTERVENTIONS[self.name]
        return Param(name=self.name, kind=str, default=OFF, meaning=kind.meaning, group="intervention",
                     choices=tuple(self.values), source=kind.source)

    def intervention(self, setting: str) -> str | None:
        """The intervention text for ``setting`` (for :func:`~simulation.interventions.parse_intervention`)."""
        if setting == OFF:
            return None
        if setting == ON:
            return self.name
        return f"{self.name}{setting}" if setting[0] in "@#" else f"{self.name}:{setting}"


def parse_levers(table: dict, fixed: Mapping[str, Any]) -> tuple[Factor, ...]:
    """The ``[levers]`` table: intervention levers (settings) and parameter levers (lists of values)."""
    if not table:
        raise SpecError("levers: name at least one lever (a parameter or an intervention: "
                        f"{', '.join(INTERVENTIONS)})")
    levers, parameters = [], {}
    for name, value in table.items():
        if name in INTERVENTIONS:
            levers.append(_intervention_lever(name, value))
        else:
            parameters[name] = value
    if parameters:
        levers.extend(_renamed("vary", "levers", lambda: parse_factors(parameters, fixed)))
    for lever in levers:
        if not lever.values:
            raise SpecError(f"levers.{lever.name}: list the lever's values (or give {{ low, high, steps }})")
    return tuple(levers)


def _intervention_lever(name: str, value: Any) -> InterventionLever:
    where = f"levers.{name}"
    if not isinstance(value, list) or not value:
        raise SpecError(f"{where}: expected a list of settings, e.g. [\"off\", \"on\"] or [\"off\", \"level=0.8@3\"]")
    settings = []
    for i, item in enumerate(value):
        setting = {False: OFF, True: ON}.get(item, item) if isinstance(item, bool) else item
        if not isinstance(setting, str) or not setting.strip():
            raise SpecError(f"{where}[{i}]: {item!r} is not a setting; expected off, on, or arguments and years")
        settings.append(setting.strip())
    if len(set(settings)) != len(settings):
        raise SpecError(f"{where}: a setting is listed twice")
    return InterventionLever(name, values=tuple(settings))


def check_settings(factors: tuple[Factor, ...], base: Mapping[str, Any], ticks: int) -> None:
    """Parse every intervention lever's settings: years within a run of ``ticks``, schools within the smallest
    network of the design (``n_schools`` from ``base``, the preset and fixed values, or its lowest varied value)."""
    n_schools = base.get("n_schools", PARAMS_BY_NAME["n_schools"].default)
    for factor in factors:
        if factor.name == "n_schools":
            n_schools = min(factor.values or (factor.low,))
    for lever in factors:
        if not isinstance(lever, InterventionLever):
            continue
        for i, setting in enumerate(lever.values):
            text = lever.intervention(setting)
            try:
                if text is not None:
                    parse_intervention(text, ticks=ticks, n_schools=int(n_schools))
            except ParameterError as error:
                raise SpecError(f"levers.{lever.name}[{i}]: {error}") from None


def parse_uncertainties(table: dict, fixed: Mapping[str, Any], levers: tuple[Factor, ...]) -> tuple[Factor, ...]:
    """The ``[uncertainties]`` table, read as ``[vary]`` is (lists, or ranges ``{ low, high[, steps] }``)."""
    if not table:
        return ()
    uncertainties = _renamed("vary", "uncertainties", lambda: parse_factors(table, fixed))
    for factor in uncertainties:
        if factor.name in {lever.name for lever in levers}:
            raise SpecError(f"uncertainties.{factor.name}: also a lever; a parameter is either a lever or uncertain")
    return uncertainties


def _renamed(old: str, new: str, parse):
    """Run ``parse`` and say ``new`` where its errors say ``old`` (the [vary] reader serves all three tables)."""
    try:
        return parse()
    except SpecError as error:
        message = str(error)
        raise SpecError(new + message[len(old):] if message.startswith(old) else message) from None


def policy_count(levers: tuple[Factor, ...]) -> int:
    return int(np.prod([len(lever.values) for lever in levers]))


def lever_points(levers: tuple[Factor, ...], uncertainties: tuple[Factor, ...], designs: tuple[Design, ...],
                 master_seed: int) -> pd.DataFrame:
    """Every policy crossed with the same sample of conditions: ``point``, ``design``, ``policy``, ``scenario``,
    one column per lever and per uncertainty (plus ``sample_*`` for sampled designs)."""
    names = [lever.name for lever in levers]
    policies = pd.DataFrame(list(itertools.product(*(lever.values for lever in levers))), columns=names)
    policies.insert(0, "policy", np.arange(len(policies), dtype=np.int64))
    if uncertainties:
        scenarios = design_points(uncertainties, designs, master_seed).rename(columns={"point": "scenario"})
    else:
        scenarios = pd.DataFrame({"scenario": np.zeros(1, np.int64), "design": ["grid"]})
    points = policies.merge(scenarios, how="cross")
    points.insert(0, "point", np.arange(len(points), dtype=np.int64))
    points = points[["point", "design", "policy", "scenario", *names,
                     *(c for c in scenarios.columns if c not in ("scenario", "design"))]]
    for lever in levers:
        if lever.param.kind is not str:
            points[lever.name] = points[lever.name].astype({bool: "bool", int: "int64", float: "float64"}[
                lever.param.kind])
    return points


def run_settings(levers: tuple[Factor, ...], values: Mapping[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """A design point's ``values`` as parameter overrides and intervention texts."""
    overrides, interventions = dict(values), []
    for lever in levers:
        if isinstance(lever, InterventionLever):
            text = lever.intervention(overrides.pop(lever.name))
            if text is not None:
                interventions.append(text)
    return overrides, tuple(interventions)


def lever_lines(levers: tuple[Factor, ...]) -> list[str]:
    """One line per lever: its kind and its values, e.g. 'lever protected_time (intervention): off | level=0.6'."""
    return [f"lever {lever.name} ({'intervention' if isinstance(lever, InterventionLever) else 'parameter'}): "
            + " | ".join(map(str, lever.values)) for lever in levers]


def idle_lines(levers: tuple[Factor, ...], points: pd.DataFrame, preset: str, fixed: Mapping[str, Any],
               ticks: int) -> list[str]:
    """One line per intervention setting that would change nothing in some of the conditions it is run in.

    A condition is one combination of the parameters' values (parameter levers and uncertainties) of
    ``points``; the intervention's own ``idle`` test says why it is idle there (one that would start after the run
    is refused when the spec is read).
    """
    switches = [lever for lever in levers if isinstance(lever, InterventionLever)]
    if not switches:
        return []
    columns = [c for c in points.columns if is_parameter(c)]
    conditions = points[columns].drop_duplicates() if columns else pd.DataFrame([{}])  # no parameter varies
    params = [preset_params(preset, {**fixed, **{k: plain(v) for k, v in row.items()}})
              for row in conditions.to_dict("records")]
    lines = []
    for lever in switches:
        for setting in lever.values:
            text = lever.intervention(setting)
            if text is None:
                continue
            plan = parse_intervention(text)  # a start after the run is refused when the spec is read
            idle = plan.kind.idle or (lambda *_: None)
            reasons = [idle(p, plan.args, ticks) for p in params]
            found = [reason for reason in reasons if reason]
            if found:
                where = "every condition" if len(found) == len(params) else (
                    f"{len(found)} of {len(params)} conditions")
                example = "" if len(set(found)) == 1 else "e.g. "
                lines.append(f"note: {lever.name} {setting} would change nothing in {where} ({example}{found[0]})")
    return lines


def plain(value: Any) -> Any:
    """numpy scalars as plain Python values (for Params and for pickling small tasks)."""
    return value.item() if isinstance(value, np.generic) else value


def is_parameter(name: str) -> bool:
    return name in PARAMS_BY_NAME

"""Shocks: scenario events that hit chosen schools at once, declared once in :data:`SHOCKS`.

Each :class:`Shock` has a name, the function that applies it (``apply(model, schools)``), the words for a
button ("Principal leaves now") and the parameter that schedules it in a run (a tick, -1 = never). The
``shocks`` rule fires the scheduled ones; ``PLCModel.trigger_shock(name)`` fires one at any moment (the
app's buttons read their words here).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from simulation.rule_declaration import declare_rule
from simulation.turnover import replace_members, succeed_principals


@declare_rule(
    part_of="shocks", called_by="`shocks`",
    models="Shock: the principals of the hit schools leave now and successors arrive through `succeed_principals` "
           "(Hargreaves: succession).")
def principal_leaves(model, schools: np.ndarray) -> None:
    """Shock: the principals of ``schools`` leave now and successors arrive (Hargreaves: succession)."""
    succeed_principals(model, schools)


@declare_rule(
    part_of="shocks", called_by="`shocks`", reads=("budget_cut_size",), state_written="schools.meeting_time",
    models="Shock: removes part of the hit schools' meeting time (Hord: structural conditions).")
def budget_cut(model, schools: np.ndarray) -> None:
    """Shock: a budget cut removes ``budget_cut_size`` of the meeting time of ``schools`` (the ``time_cuts`` rule
    restores ``time_restoration_rate`` of the lost time each month)."""
    cut_meeting_time(model, schools, model.p.budget_cut_size)


@declare_rule(
    part_of="shocks", called_by="`budget_cut`, `time_cuts`", state_written="schools.meeting_time",
    models="Removes a given share of the hit schools' meeting time and logs a `budget_cut` event.")
def cut_meeting_time(model, schools: np.ndarray, size: float | np.ndarray, cause: str = "") -> None:
    """Remove ``size`` of the meeting time of ``schools`` and log a ``budget_cut`` event with ``cause``.

    The shock and the recurring cuts of ``time_cut_rate`` have sizes of their own (``budget_cut_size``,
    ``time_cut_size``); the event's cause tells them apart, so its sentence names the size that was cut. ``size`` is
    one number, or one per school of ``schools`` (a batch of runs at different parameter points)."""
    model.schools.meeting_time[schools] *= 1.0 - size
    model.record_event("budget_cut", schools, cause=cause)


@declare_rule(
    part_of="shocks", called_by="`shocks`", reads=("turnover_wave_share",),
    models="Shock: each member of the hit schools leaves with the given chance.")
def turnover_wave(model, schools: np.ndarray) -> None:
    """Shock: each member of ``schools`` leaves with chance ``turnover_wave_share`` (no one moves in the network)."""
    in_hit = np.isin(model.members.school, schools)
    leaving = in_hit & (model.rng.random(in_hit.size) < model.p.turnover_wave_share)
    replace_members(model, np.flatnonzero(leaving), cause="turnover_wave")


@declare_rule(
    part_of="shocks", called_by="`shocks`", reads=("policy_focus_level", "policy_workload"),
    state_written="schools.principal_focus, workload",
    models="Shock: a new policy replaces the principals' focus and adds workload; what teacher leaders hold stays "
           "(Halverson & Spillane).")
def policy_focus(model, schools: np.ndarray) -> None:
    """Shock: a new policy replaces the principals' focus and adds workload.

    What teacher leaders already hold (``shared_focus``) stays: distributed
    focus resists a change imposed on the principal (Halverson & Spillane).
    """
    s = model.schools
    s.principal_focus[schools] = model.p.policy_focus_level
    s.workload[schools] = np.minimum(1.0, s.workload[schools] + model.p.policy_workload)
    model.record_event("policy_focus", schools)


@dataclass(frozen=True)
class Shock:
    """A shock: its name, the function applying it to chosen schools, a button's words, its scheduling parameter."""

    name: str
    apply: Callable[..., None]
    button: str
    tick_param: str


SHOCKS: tuple[Shock, ...] = (
    Shock("principal_leaves", principal_leaves, "Principal leaves now", "principal_leaves_tick"),
    Shock("budget_cut", budget_cut, "Budget cut", "budget_cut_tick"),
    Shock("turnover_wave", turnover_wave, "Turnover wave", "turnover_wave_tick"),
    Shock("policy_focus", policy_focus, "New policy", "policy_focus_tick"),
)
"""Every shock, once: the scheduled ``shocks`` rule, ``PLCModel.trigger_shock`` and the app read this table."""

SHOCKS_BY_NAME: dict[str, Shock] = {shock.name: shock for shock in SHOCKS}

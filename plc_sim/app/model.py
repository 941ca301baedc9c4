"""The model as the workshop app runs it: one per run of a browser session, safe to step, shock and read at once.

:class:`WorkshopModel` is a :class:`~simulation.model.PLCModel` built from the
session's :class:`~plc_sim.app.settings.RunSettings` and the seed box's text.
The session's play loop steps it in a worker thread while the buttons act from
another, so stepping, shocks, live changes and reading take the model's lock in
turn. Live changes (:data:`LIVE_CHANGES`) apply "from now on" to a running
model, so the room can turn a dial mid-run.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import numpy as np

from plc_sim.app.policies import start_policy, stop_policy
from plc_sim.app.settings import RunSettings, parse_seed
from plc_sim.app.whatif import WhatIf
from simulation.calendar import in_sentence
from simulation.model import PLCModel
from simulation.parameters import PARAMS_BY_NAME

log = logging.getLogger(__name__)

SHOCK_BUTTONS: dict[str, str] = {
    "principal_leaves": "Principal leaves now",
    "budget_cut": "Budget cut",
    "turnover_wave": "Turnover wave",
    "policy_focus": "New policy",
}
"""Button labels for the model's live shocks, by shock name (the keys of ``simulation.rules.LIVE_SHOCKS``; a test
keeps the two in step)."""

SHOCK_PHRASES: dict[str, str] = {
    "principal_leaves": "the principals left",
    "budget_cut": "the budget cut",
    "turnover_wave": "the turnover wave",
    "policy_focus": "the new policy",
}
"""Each live shock as the room says it after the fact ("since the budget cut...")."""

ALL_SCHOOLS = "all schools"

_SCHEDULED_SHOCKS = {"principal_leaves_tick": "principal_leaves", "budget_cut_tick": "budget_cut",
                     "turnover_wave_tick": "turnover_wave", "policy_focus_tick": "policy_focus"}


class WorkshopModel(PLCModel):
    """A PLCModel for one browser session, built from ``settings`` and a seed that may come as text.

    ``settings`` is a RunSettings or a reactive variable holding one (read at construction).

    Attributes (beyond PLCModel's):
        preset_name: the preset the run was built from.
        what_if: the one change this run makes to its scenario (compare mode's run B), or None.
        seed_notice: a sentence if the seed text was replaced, else None.
        lock: held while stepping, shocking or reading state to draw.
        live_shocks: (tick, shock name) for every shock button pressed in this run.
        shock_log: (tick, shock name, schools hit) for every shock button pressed in this run.
        live_changes: (tick, parameter, old value, new value) for every live change made in this run.
        failure: a sentence if a step failed (the run then stops), else None.
    """

    def __init__(self, settings: RunSettings | Any = None, rng: Any = None, what_if: WhatIf | None = None):
        # SolaraViz's Reset passes the session's reactive variable, whose value is the settings of the moment
        settings = getattr(settings, "value", settings)
        settings = settings if isinstance(settings, RunSettings) else RunSettings()
        seed, notice = parse_seed(rng)
        change = what_if.overrides() if what_if else {}
        super().__init__(preset=settings.preset, rng=seed, interventions=what_if.interventions() if what_if else None,
                         **{**settings.overrides(), **change})
        self.what_if = what_if
        self.preset_name = settings.preset
        self.seed_notice = notice
        self.lock = threading.RLock()
        self.live_shocks: list[tuple[int, str]] = []
        self.shock_log: list[tuple[int, str, tuple[int, ...]]] = []
        self.live_changes: list[tuple[int, str, Any, Any]] = []
        self.failure: str | None = None

    def step(self) -> None:
        """One tick under the lock; a failing step stops the run with a message instead of an error page."""
        if self.failure:
            return
        with self.lock:
            try:
                super().step()
            except Exception as error:  # the room sees a message; the server log keeps the traceback
                log.exception("step %d failed", self.steps)
                self.failure = (f"The simulation stopped in {in_sentence(self.steps + 1)}: {error}. "
                                "Press Reset to start again.")
                self.running = False

    def shock_now(self, name: str, target: str = ALL_SCHOOLS) -> None:
        """Apply live shock ``name`` to the schools named by ``target`` (see :func:`shock_targets`)."""
        with self.lock:
            schools = schools_for_target(target, self.p.n_schools)
            self.trigger_shock(name, schools)
            self.live_shocks.append((self.steps, name))
            self.shock_log.append((self.steps, name, tuple(schools.tolist())))

    def policy_now(self, name: str, target: str = ALL_SCHOOLS, on: bool = True) -> None:
        """Start (``on``) or stop the declared intervention ``name`` for the schools named by ``target`` (see
        :func:`shock_targets`), from the next month."""
        with self.lock:
            schools = schools_for_target(target, self.p.n_schools)
            chosen = tuple(schools.tolist()) if schools.size < self.p.n_schools else None
            (start_policy if on else stop_policy)(self, name, chosen)

    def change_now(self, name: str, value: Any) -> None:
        """Set live parameter ``name`` (a key of :data:`LIVE_CHANGES`) to ``value`` from this month on."""
        with self.lock:
            value, old = PARAMS_BY_NAME[name].coerce(value), getattr(self.p, name)
            self.p = self.p.replace(**{name: value})
            LIVE_CHANGES[name](self, value)
            if value != old:
                self.live_changes.append((self.steps, name, old, value))


def _set_every_school(attribute: str):
    def apply(model: PLCModel, value: float) -> None:
        getattr(model.schools, attribute)[:] = value
    return apply


def _shift_distribution(model: PLCModel, value: float) -> None:
    # each principal keeps her own style, moved by the change of the system's mean (successors draw around it)
    old = float(model.schools.distribution.mean())
    model.schools.distribution[:] = np.clip(model.schools.distribution + (value - old), 0.0, 1.0)


def _parameter_only(model: PLCModel, value: Any) -> None:
    """Rules read the parameter each month, so changing it is enough."""


LIVE_CHANGES: dict[str, Any] = {
    "meeting_time": _set_every_school("meeting_time"),
    "workload": _set_every_school("workload"),
    "leadership_distribution": _shift_distribution,
    "codification_rate": _parameter_only,
    "teacher_turnover_rate": _parameter_only,
    "principal_turnover_rate": _parameter_only,
    "bridging_rate": _parameter_only,
}
"""Parameters the room may change mid-run ("from now on"), and how each reaches the running state: meeting time
and workload become every school's level (replacing earlier cuts), leadership distribution moves every
principal's style by the change of the mean; the rest are read from the parameters every month or year. Every
other control (network size, school type, starting conditions) builds a new run at Reset."""


def shock_targets(n_schools: int) -> list[str]:
    """The choices of who a shock hits: all schools, or one school by its 1-based number."""
    return [ALL_SCHOOLS, *(f"School {k + 1}" for k in range(n_schools))]


def schools_for_target(target: str, n_schools: int) -> np.ndarray:
    """The 0-based school indices for a target choice; an unknown or stale choice means all schools."""
    number = target.removeprefix("School ")
    if number.isdigit() and 1 <= int(number) <= n_schools:
        return np.array([int(number) - 1])
    return np.arange(n_schools)


def target_of(schools: tuple[int, ...] | None) -> str:
    """The target choice (:func:`shock_targets`) that names ``schools`` (0-based; all schools when None)."""
    return ALL_SCHOOLS if schools is None else f"School {schools[0] + 1}"


def shock_marks(model: WorkshopModel) -> list[tuple[int, str]]:
    """(tick, shock name) of every shock that has hit so far: scheduled by parameters or pressed live."""
    scheduled = [(tick, shock) for name, shock in _SCHEDULED_SHOCKS.items()
                 if 1 <= (tick := getattr(model.p, name)) <= model.steps
                 and round(model.p.shock_share * model.p.n_schools) > 0]
    return sorted(scheduled + list(model.live_shocks))


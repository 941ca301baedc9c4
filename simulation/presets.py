"""Named presets: stories told as changes to the default parameters.

A preset is a short dict of overrides on top of the defaults in
:mod:`simulation.parameters`, with a sentence saying what it shows. The CLI,
experiment specs and the browser app all pick presets from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulation.parameters import ParameterError, Params, make_params, suggest


@dataclass(frozen=True)
class Preset:
    """A named scenario: overrides on the defaults and what the scenario shows."""

    name: str
    story: str
    overrides: dict[str, Any] = field(default_factory=dict)


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset("baseline", "A network of 20 primary and secondary schools with calibrated turnover and "
               "moderately shared leadership: the reference case."),
        Preset("champion-leaves", "Champion principals, stronger in support and focus than the system's "
               "principals, leave in year 6 (tick 60) and are replaced by successors drawn like any principal. "
               "Routine principal turnover, the churn of outside initiatives and recurring cuts of meeting "
               "time are switched off so that the succession is the only change.",
               {"champion_boost": 0.3, "principal_turnover_rate": 0.0, "policy_churn_rate": 0.0,
                "time_cut_rate": 0.0, "principal_leaves_tick": 60}),
        Preset("distributed-leadership", "Principals share most leadership with teacher leaders, so the "
               "community's focus lives in many people rather than one.",
               {"leadership_distribution": 0.9, "teacher_leader_share": 0.3}),
        Preset("high-turnover-secondary", "Secondary schools with departments that rarely talk to each other "
               "and twice the usual teacher turnover.",
               {"school_type": "secondary", "teacher_turnover_rate": 0.24, "cross_department_contact": 0.1}),
        Preset("networked-schools", "Schools linked in a networked learning community with a facilitator "
               "who keeps a shared focus; half the schools lose meeting time in year 5.",
               {"network_type": "small_world", "network_facilitator": True, "bridging_rate": 0.5,
                "budget_cut_tick": 50, "shock_share": 0.5}),
        Preset("isolated-schools", "The same schools and the same budget cut, but no links between schools.",
               {"network_type": "none", "budget_cut_tick": 50, "shock_share": 0.5}),
        Preset("congenial-collaboration", "Plenty of meeting time but no inquiry focus: friendly talk that "
               "averages practice and preserves the status quo.",
               {"inquiry_focus": 0.0, "meeting_time": 0.8, "focus_depth_weight": 0.8}),
    )
}


def preset_params(name: str = "baseline", overrides: dict[str, Any] | None = None) -> Params:
    """Return validated Params for preset ``name`` with ``overrides`` applied on top."""
    if name not in PRESETS:
        raise ParameterError(f"preset: {name!r} is not a preset{suggest(name, PRESETS)}; "
                             f"choose one of {', '.join(PRESETS)}")
    return make_params({**PRESETS[name].overrides, **(overrides or {})})

"""The workshop app's controls, generated from the parameter declaration.

The app shows a curated subset of parameters, grouped for a room of teachers
and principals. Every range, default, type and choice comes from
:data:`simulation.parameters.PARAMETERS`; this module only picks which
parameters to show. A :class:`RunSettings` holds what the next Reset builds:
a preset and the values of the visible controls.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from plc_sim.core.limits import MAX_SEED
from simulation.parameters import PARAMS_BY_NAME, Param, ParameterError
from simulation.presets import PRESETS, preset_params

CONTROL_GROUPS: dict[str, tuple[str, ...]] = {
    "Schools": ("n_schools", "teachers_per_school", "school_type", "include_support_staff"),
    "Leadership": ("leadership_distribution", "principal_support", "inquiry_focus"),
    "Time and workload": ("meeting_time", "workload"),
    "Trust and memory": ("initial_trust", "initial_memory", "codification_rate"),
    "Turnover": ("teacher_turnover_rate", "principal_turnover_rate"),
    "Network of schools": ("network_type", "network_facilitator", "bridging_rate"),
}
"""The parameters a workshop sees, by theme (names only: ranges and defaults live in PARAMETERS)."""

CONTROL_NAMES: tuple[str, ...] = tuple(name for names in CONTROL_GROUPS.values() for name in names)

APP_CEILINGS: dict[str, int] = {"n_schools": 40, "teachers_per_school": 60}
"""Upper ends of size sliders in the live app: the declared range (up to 100,000 schools of 200 teachers) is for
batch runs; a browser demo past 40 x 60 = 2,400 teachers would stop being responsive."""

DEFAULT_SEED = 0


def control_range(param: Param) -> tuple[float, float]:
    """The slider's (low, high): the declared range, capped by :data:`APP_CEILINGS` for network size."""
    high = min(param.high, APP_CEILINGS.get(param.name, param.high))
    return param.low, high


def slider_step(param: Param) -> float:
    """A step fine enough that the default and every preset's value lie on the slider's grid."""
    if param.kind is int:
        return 1
    low, high = control_range(param)
    values = [param.default, *(p.overrides[param.name] for p in PRESETS.values() if param.name in p.overrides)]
    for divisions in (100, 200, 1000):
        step = (high - low) / divisions
        if all(math.isclose(round((v - low) / step) * step + low, v, abs_tol=1e-9) for v in values):
            return step
    return (high - low) / 1000


def control_label(param: Param) -> str:
    """A short label from the parameter's name and unit, e.g. 'Meeting time (share)'."""
    words = param.name.replace("_", " ")
    words = "number of " + words[2:] if words.startswith("n ") else words
    unit = "" if is_percentage(param) and param.unit in ("share", "probability") else param.unit
    unit = unit.replace("tick", "month")  # one tick is one school month
    unit = f" ({unit})" if unit and unit not in words else ""
    return words[0].upper() + words[1:] + unit


def control_help(param: Param) -> str:
    """One line for under a control: what the parameter means (its ends in percent, as the slider shows them),
    and the app's cap on network size."""
    cap = f" At most {APP_CEILINGS[param.name]} here." if param.name in APP_CEILINGS else ""
    meaning = param.meaning
    if is_percentage(param):  # "(0 = none, 1 = all)" beside a slider in percent reads "(0% = none, 100% = all)"
        meaning = re.sub(r"\b([01]) = ", lambda end: f"{100 * int(end[1])}% = ", meaning)
    return f"{meaning}.{cap}"


def preset_values(preset: str) -> dict[str, Any]:
    """The visible controls' values under ``preset`` (the defaults with the preset's overrides)."""
    params = preset_params(preset)
    return {name: getattr(params, name) for name in CONTROL_NAMES}


@dataclass(frozen=True)
class RunSettings:
    """What the next run is built from: a preset and the visible controls' values. Immutable: each change
    makes a new one, so the app can hold it in a reactive variable and redraw when it changes."""

    preset: str = "baseline"
    values: dict[str, Any] = field(default_factory=lambda: preset_values("baseline"))

    def with_preset(self, name: str) -> RunSettings:
        """Settings for preset ``name``, every control at its value; unchanged if ``name`` is not a preset."""
        return RunSettings(name, preset_values(name)) if name in PRESETS else self

    def with_value(self, name: str, value: Any) -> RunSettings:
        """Settings with control ``name`` at ``value``; unchanged if the declaration or the app's range forbid it."""
        if name not in self.values:
            return self
        param = PARAMS_BY_NAME[name]
        try:
            value = param.coerce(value)
        except ParameterError:
            return self
        if param.kind in (int, float):
            low, high = control_range(param)
            if not low <= value <= high:
                return self
        return RunSettings(self.preset, {**self.values, name: value})

    def overrides(self) -> dict[str, Any]:
        """The keyword overrides that build this run on top of the preset."""
        return dict(self.values)


SEED_DIGITS = len(str(MAX_SEED))
"""Longest seed text the seed box accepts."""


def parse_seed(value: Any) -> tuple[int, str | None]:
    """A whole-number seed from the seed box's text, and a note if the text had to be replaced.

    Only ASCII digits (at most :data:`SEED_DIGITS` of them) up to :data:`MAX_SEED` are a seed: other text,
    superscripts and circled digits included, falls back to :data:`DEFAULT_SEED` with a note, so a typo
    never stops the app.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_SEED, None
    text = str(value).strip()
    if (isinstance(value, bool) or not (text.isascii() and text.isdigit()) or len(text) > SEED_DIGITS
            or int(text) > MAX_SEED):
        shown = text[:20] + ("..." if len(text) > 20 else "")
        return DEFAULT_SEED, (f"The seed {shown!r} is not a whole number from 0 to {MAX_SEED} (digits 0-9 only); "
                              f"using seed {DEFAULT_SEED}.")
    return int(text), None


def seed_problem(text: str) -> str | None:
    """What is wrong with the seed box's text, in words, or None if it is a seed."""
    return parse_seed(text)[1]


def is_percentage(param: Param) -> bool:
    """Whether the parameter is a share or a chance, shown as a percentage."""
    return param.kind is float and param.low == 0.0 and param.high == 1.0


def value_words(param: Param, value: Any) -> str:
    """A value as the room reads it, with its unit: 15.5%, 20 schools, "small world", yes/no."""
    if param.kind is bool:
        return "yes" if value else "no"
    if param.kind is str:
        return str(value).replace("_", " ")
    if is_percentage(param):
        return f"{100 * value:.1f}".removesuffix(".0") + "%"
    unit = param.unit if param.kind is int and param.unit and not param.unit.startswith(("per ", "tick")) else ""
    return f"{value:g} {unit}".strip()


def change_words(name: str, old: Any, new: Any) -> str:
    """A live change as the log says it: 'meeting time set to 80% from now on (was 60%)'."""
    param = PARAMS_BY_NAME[name]
    return (f"{name.replace('_', ' ')} set to {value_words(param, new)} from now on "
            f"(was {value_words(param, old)})")


def change_mark(name: str, new: Any) -> str:
    """A live change as its chart label says it: 'Meeting time 80%'."""
    words = name.replace("_", " ")
    return f"{words[0].upper()}{words[1:]} {value_words(PARAMS_BY_NAME[name], new)}"

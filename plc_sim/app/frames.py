"""What the page shows of a run at one moment, as small plain data: the numbers, the chart columns, the log.

A :class:`History` reads each month's per-school table from the model's Mesa
DataCollector as the run goes (only the new months), so a frame costs the same
in month 5 as in month 500. :func:`run_view` turns one run into a
:class:`RunView`: the headline in words, the chart's columns (percentages over
school years), the shock markers, the network's points and the log. The page
renders views; it never touches a model while the model steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from plc_sim.app.model import SHOCK_BUTTONS, WorkshopModel, shock_marks
from plc_sim.app.network import draws_every_member, network_data, network_layout
from plc_sim.app.policies import PolicyView, running_policies
from plc_sim.app.settings import CONTROL_NAMES, change_mark, change_words
from plc_sim.app.whatif import BREAKDOWN, points
from simulation.calendar import in_sentence, school_time
from simulation.events import LogLine, describe_events
from simulation.measures import DIMENSIONS, SCHOOL_MEASURES, school_tables
from simulation.parameters import TICKS_PER_YEAR
from simulation.presets import PRESETS

MEASURES: dict[str, str] = {
    "health": "PLC health",
    "trust": "Trust between colleagues",
    "knowledge": "Knowledge and practice",
    "retention": "Teachers who stayed last year",
}
"""The measures the big chart can show (each on 0-100%)."""

PRESET_TITLES: dict[str, str] = {
    "baseline": "Typical schools (reference)",
    "champion-leaves": "The champion principal leaves",
    "distributed-leadership": "Distributed leadership",
    "high-turnover-secondary": "Secondary schools, high turnover",
    "networked-schools": "Networked schools",
    "isolated-schools": "Isolated schools",
    "congenial-collaboration": "Friendly talk, no inquiry focus",
}
"""Each scenario's title in words (a test keeps it in step with the presets)."""

LOG_LINES = 14
"""Newest log sentences a view carries."""

_ROW = {name: SCHOOL_MEASURES.index(name) for name in SCHOOL_MEASURES}


def preset_title(name: str) -> str:
    """The scenario's title in words."""
    return PRESET_TITLES.get(name, name.replace("-", " ").capitalize())


def percent(share: float) -> str:
    """0.155 -> '15.5%', 0.5 -> '50%'."""
    return f"{100 * share:.1f}".removesuffix(".0") + "%"


class History:
    """Each chart measure per month and school, read incrementally from the run's DataCollector."""

    def __init__(self, model: WorkshopModel):
        self.model = model
        self.layout = network_layout(model)
        self.values: dict[str, list[np.ndarray]] = {name: [] for name in MEASURES}
        self.means: dict[str, list[float]] = {name: [] for name in ("health", *BREAKDOWN)}
        self.healthy: list[int] = []

    def update(self) -> None:
        """Read the months recorded since the last update."""
        tables = school_tables(self.model)
        teachers = self.model.p.teachers_per_school
        for table in tables[len(self.values["health"]):]:
            for name in ("health", "trust", "knowledge"):
                self.values[name].append(table[_ROW[name]])
            self.values["retention"].append(1.0 - table[_ROW["teachers_left"]] / teachers)
            for name, means in self.means.items():
                means.append(float(table[_ROW[name]].mean()))
            self.healthy.append(int((table[_ROW["decayed"]] == 0).sum()))

    def means_at(self, tick: int) -> dict[str, float]:
        """The network's mean of each measure of :data:`~plc_sim.app.whatif.BREAKDOWN` (and health) at ``tick``."""
        return {name: means[tick] for name, means in self.means.items()}

    def array(self, measure: str) -> np.ndarray:
        """(months, schools) array of ``measure``."""
        return np.array(self.values[measure])


@dataclass(frozen=True)
class RunView:
    """One run at one moment, ready to render."""

    preset: str
    title: str
    story: str
    steps: int
    when: str
    n_schools: int
    healthy: int
    mean_health: float
    retention: float | None
    chart: dict[str, list]
    school_chart: dict[str, list]
    marks: dict[str, list]
    network: dict[str, dict[str, list]]
    log: list[str] = field(default_factory=list)
    log_more: int = 0
    table: list[dict] = field(default_factory=list)
    highlight: tuple[int, ...] = ()
    failure: str | None = None
    seed_notice: str | None = None
    decay_threshold: float = 0.35
    values: dict = field(default_factory=dict)
    seed: str = "0"
    every_member: bool = False
    label: str = ""
    policies: tuple[PolicyView, ...] = ()


def run_view(model: WorkshopModel, history: History, measure: str, colour_by: str, label: str = "",
             title: str = "") -> RunView:
    """The view of ``model`` now (call under the model's lock); ``label`` names the run in compare mode and
    ``title`` replaces the scenario's title (run B: the scenario with its change)."""
    history.update()
    p, now = model.p, model.observer.current
    values = history.array(measure if measure in MEASURES else "health")
    highlight = one_school_shocked(model)
    years = (np.arange(len(values)) / TICKS_PER_YEAR).round(2).tolist()
    chart = {"year": years, **chart_columns(values), "run": [label] * len(years)}
    school_chart = ({"year": years, "value": _pct(values[:, highlight[0]]),
                     "run": [f"School {highlight[0] + 1}"] * len(years)} if highlight else {})
    lines = log_lines(model)
    retention = 1.0 - now["teachers_left"].sum() / (p.n_schools * p.teachers_per_school)
    return RunView(
        preset=model.preset_name, title=title or preset_title(model.preset_name),
        story=PRESETS[model.preset_name].story,
        steps=model.steps, when=school_time(model.steps),
        n_schools=p.n_schools, healthy=int(p.n_schools - (now["decayed"] > 0).sum()),
        mean_health=float(now["health"].mean()),
        retention=float(retention) if model.steps >= TICKS_PER_YEAR else None,
        chart=chart, school_chart=school_chart, marks=marks_data(model),
        network=network_data(model, history.layout, colour_by, highlight),
        log=[line.text for line in reversed(lines[-LOG_LINES:])], log_more=max(0, len(lines) - LOG_LINES),
        table=school_rows(model), highlight=highlight, failure=model.failure, seed_notice=model.seed_notice,
        decay_threshold=p.implementing_level, values={name: getattr(p, name) for name in CONTROL_NAMES},
        seed=str(model.seed_value), every_member=draws_every_member(p), label=label,
        policies=running_policies(model))


def chart_columns(values: np.ndarray) -> dict[str, list[float]]:
    """A (months, schools) array as the chart draws it: the mean, weakest and strongest school, in percent with
    one decimal (what the page shows, and what the CSV holds)."""
    return {"mean": _pct(values.mean(axis=1)), "low": _pct(values.min(axis=1)), "high": _pct(values.max(axis=1))}


def log_lines(model: WorkshopModel) -> list[LogLine]:
    """The run's events in words, oldest first: one sentence per month and kind, per intervention, and per
    live change of a setting (after that month's events: the dial was turned once the month had run)."""
    changes = [LogLine(tick, "setting", f"{school_time(tick)}: {change_words(name, old, new)}")
               for tick, name, old, new in model.live_changes]
    events = describe_events(model.events, model.p)
    return sorted(events + changes, key=lambda line: line.tick)


def _pct(values: np.ndarray) -> list[float]:
    return (100 * values).round(1).tolist()


SETTING_MARK = "Setting changed"
"""The marker kind of a live change of a setting on the charts (shocks' kinds are their button labels)."""

LABEL_ROWS = 4
"""Marker labels take turns in this many rows at the top of a chart, so neighbours do not overlap."""


def mark_list(model: WorkshopModel) -> list[tuple[int, str, str]]:
    """Every shock and live change so far, by month: (tick, label, kind); a shock's kind is its button's
    label, a live change's :data:`SETTING_MARK`."""
    shocks = shock_marks(model)
    return sorted([(tick, SHOCK_BUTTONS[name] + ("" if school is None else f" (School {school + 1})"),
                    SHOCK_BUTTONS[name])
                   for (tick, name), school in zip(shocks, _mark_schools(model, shocks), strict=True)]
                  + [(tick, change_mark(name, new), SETTING_MARK) for tick, name, _, new in model.live_changes],
                  key=lambda mark: mark[0])


def marks_data(model: WorkshopModel) -> dict[str, list]:
    """Every mark as chart columns: year, kind (its marker style), a label, the side of its line the label goes
    (toward the middle of the chart, so it never covers the axis numbers) and its row."""
    marks = mark_list(model)
    span = max(model.steps, TICKS_PER_YEAR)
    return {"year": [round(tick / TICKS_PER_YEAR, 2) for tick, _, _ in marks],
            "shock": [kind for _, _, kind in marks], "label": [label for _, label, _ in marks],
            "side": ["left" if tick > 0.55 * span else "right" for tick, _, _ in marks],
            "row": [4 + 20 * (k % LABEL_ROWS) for k in range(len(marks))]}


def _mark_schools(model: WorkshopModel, marks: list[tuple[int, str]]) -> list[int | None]:
    """For each mark, the one school it hit, or None if it hit more."""
    one = {(tick, name): schools[0] for tick, name, schools in model.shock_log if len(schools) == 1}
    return [one.get(mark) for mark in marks]


def one_school_shocked(model: WorkshopModel) -> tuple[int, ...]:
    """The school hit by the latest live shock, if that shock hit one school only."""
    if model.shock_log and len(model.shock_log[-1][2]) == 1:
        return (model.shock_log[-1][2][0],)
    return ()


def school_rows(model: WorkshopModel) -> list[dict]:
    """One row per school: its number, whether its community decayed, each Hord dimension and health (0-1)."""
    now = model.observer.current
    return [{"school": k + 1, "decayed": bool(now["decayed"][k] > 0),
             **{name: float(now[name][k]) for name in (*DIMENSIONS, "health")}}
            for k in range(model.p.n_schools)]


def comparison_sentence(a: RunView, b: RunView, change: str, since: str | None = None,
                        moved: tuple[float, list[tuple[str, float]]] | None = None) -> str:
    """What differs between run A and run B (A with one ``change``) now, in a sentence or three; after a shock
    (``since`` says which and when), ``moved`` is how far the gap in mean PLC health moved since then and the
    measures whose gap moved most (see :func:`~plc_sim.app.whatif.made_of`)."""
    start = f"Since {since}" if since else f"In {in_sentence(a.steps)}" if a.steps else "At the start"
    text = (f"B is A with one change: {change}. {start}: with the change, {b.healthy} of {b.n_schools} "
            f"communities are healthy (mean PLC health {percent(b.mean_health)}); without it, {a.healthy} of "
            f"{a.n_schools} ({percent(a.mean_health)}).")
    if since and moved is not None:
        health, measures = moved
        parts = " and ".join(f"{name} ({points(value)})" for name, value in measures)
        text += (f" Since then the gap in mean PLC health moved {points(health)}"
                 + (f", most in {parts}." if parts else "; no measure's gap moved by half a point or more."))
    return text

"""The workshop app's panels: plain Solara components that show a :class:`Frame` and call a :class:`Session`.

Panels never read a model: they render the frame the session published (plain
numbers and columns), so drawing never waits for, or holds up, the simulation.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import solara

from plc_sim.app.frames import MEASURES, PRESET_TITLES, RunView, percent, preset_title
from plc_sim.app.glossary import term, with_terms
from plc_sim.app.model import LIVE_CHANGES, SHOCK_BUTTONS, shock_targets
from plc_sim.app.network import COLOUR_MEASURES
from plc_sim.app.session import SPEEDS, Frame, Session
from plc_sim.app.settings import (
    CONTROL_GROUPS,
    SEED_DIGITS,
    RunSettings,
    control_help,
    control_label,
    control_range,
    seed_problem,
    slider_step,
    value_words,
)
from plc_sim.app.specs import difference_chart, network_chart, time_chart
from plc_sim.app.whatif import CONTRASTS, NO_CHANGE, WHAT_IFS, what_if_by_menu
from plc_sim.app.widgets import LiveChart
from simulation.calendar import SCHOOL_MONTHS
from simulation.measures import DIMENSION_LABELS, DIMENSIONS
from simulation.parameters import PARAMS_BY_NAME, TICKS_PER_YEAR

CHART_HEIGHT = 270
NETWORK_SIZE = 280


@solara.component
def Controls(session: Session, playing: bool, speed: str, current: str, compared: str | None,
             pending: solara.Reactive[RunSettings], reset: Callable[[], None]):
    """Play/Pause, Step a month, Step a year, Reset, speed, scenario (``current``) and the change compared with it
    (``compared``, a key of WHAT_IFS)."""
    titles = {title: name for name, title in PRESET_TITLES.items()}

    def pick(title: str) -> None:
        pending.value = pending.value.with_preset(titles[title])
        session.reset(pending.value)

    def compare(menu: str) -> None:
        change = what_if_by_menu(menu)
        session.reset(pending.value, compare=change and change.name)

    with solara.Row(classes=["plc-controls"], style="align-items: center; flex-wrap: wrap; gap: 8px"):
        solara.Button("Pause" if playing else "Play", on_click=session.toggle, classes=["plc-play"],
                      color="primary", icon_name="mdi-pause" if playing else "mdi-play")
        solara.Button("Step a month", on_click=lambda: session.step(1), classes=["plc-step"], outlined=True)
        solara.Button("Step a year", on_click=lambda: session.step(TICKS_PER_YEAR), classes=["plc-step-year"],
                      outlined=True)
        solara.Button("Reset", on_click=reset, classes=["plc-reset"], outlined=True)
        solara.ToggleButtonsSingle(value=speed, values=list(SPEEDS), classes=["plc-speed"],
                                   on_value=lambda chosen: session.set_view(speed=chosen))
        solara.Select(label="Scenario", value=preset_title(current), values=list(titles), on_value=pick,
                      classes=["plc-preset"], style="flex: 0 0 270px; width: 270px")
        solara.Select(label="What if (compare)", value=WHAT_IFS[compared].menu() if compared else NO_CHANGE,
                      values=[NO_CHANGE, *(w.menu() for w in WHAT_IFS.values())], on_value=compare,
                      classes=["plc-compare"], style="flex: 0 0 290px; width: 290px")


@solara.component
def Headline(frame: Frame):
    """Where the run is and how the schools are doing, in big type."""
    first = frame.runs[0]
    with solara.Row(classes=["plc-headline"], style="align-items: baseline; flex-wrap: wrap; gap: 10px"):
        solara.HTML(tag="h1", unsafe_innerHTML=f"<span class='plc-hidden'>PLC-sim, learning communities in schools: "
                    f"</span>{html.escape(first.when)}", classes=["plc-when"])
        if len(frame.runs) > 1:  # one line per run; the runs' full names are in the chart's legend
            stats = [f"{run.label[0]}: {run.healthy} of {run.n_schools} communities healthy, mean PLC health "
                     f"{percent(run.mean_health)}" for run in frame.runs]
        else:
            stats = [f"healthy communities {first.healthy} of {first.n_schools}",
                     f"mean PLC health {percent(first.mean_health)}"]
            if first.retention is not None:
                stats.append(f"teachers who stayed last year {percent(first.retention)}")
        for stat in stats:  # each term in a stat opens its explanation
            solara.HTML(tag="span", unsafe_innerHTML=with_terms(stat), classes=["plc-stat"])
        solara.Text("Keys: space play/pause, s step", classes=["plc-keys"])
    for run in frame.runs:
        if run.seed_notice:
            solara.Warning(run.seed_notice, dense=True)
        if run.failure:
            solara.Error(run.failure, dense=True)


@solara.component
def ShockBar(session: Session, n_schools: int, failed: bool, target: solara.Reactive[str]):
    """Buttons that hit the schools now: "what happens if the principal leaves?"; ``target`` names who."""
    choices = shock_targets(n_schools)
    chosen = target.value if target.value in choices else choices[0]  # a new run may have fewer schools
    with solara.Row(classes=["plc-shocks"], style="align-items: center; flex-wrap: wrap; gap: 8px"):
        solara.Text("What happens if...", classes=["plc-shock-title"])
        for name, label in SHOCK_BUTTONS.items():
            solara.Button(label, on_click=lambda name=name: session.shock(name, chosen), color="#8a3a00",
                          classes=["plc-shock", f"plc-shock-{name}"], disabled=failed)
        solara.Select(label="Who is hit", value=chosen, values=choices, on_value=target.set,
                      classes=["plc-shock-target"], style="max-width: 170px")
        with solara.Div(classes=["plc-csv"]):
            solara.FileDownload(session.csv, filename="plc-sim-run.csv", label="Download the run (CSV)",
                                mime_type="text/csv")


@solara.component
def MainStory(session: Session, frame: Frame):
    """The network and the big chart, or (comparing) both runs and their difference."""
    first = frame.runs[0]
    runs = [run.label for run in frame.runs]
    threshold = _threshold(frame)
    title = (f"{first.title}: {runs[1]}" if len(runs) > 1 else first.title)
    spec = time_chart(frame.measure, CHART_HEIGHT - 20, threshold, runs, title)
    series = _join([run.chart for run in frame.runs])
    data = {"series": series, "school": first.school_chart or _empty("year", "value", "run"),
            "marks": first.marks}
    chart_name = f"plc-{frame.measure}-{'compare' if len(runs) > 1 else first.preset}"
    if len(frame.runs) > 1:
        solara.HTML(tag="p", unsafe_innerHTML=with_terms(frame.sentence), classes=["plc-sentence"])
    with solara.Row(classes=["plc-main"], style="align-items: flex-start; flex-wrap: nowrap; gap: 12px"):
        with solara.Column(classes=["plc-left"], style="flex: 0 0 auto"):
            if len(frame.runs) > 1:
                diff = {"year": first.chart["year"], "diff": [round(b - a, 1) for a, b in zip(
                    first.chart["mean"], frame.runs[1].chart["mean"], strict=False)]}
                LiveChart.element(spec=difference_chart(frame.measure, CHART_HEIGHT - 40, runs),
                                  datasets={"diff": diff, "marks": first.marks}, export_name=f"{chart_name}-difference",
                                  description=f"{MEASURES[frame.measure]}: {runs[1]} minus {runs[0]}, over the run"
                                  ).key(f"diff-{frame.measure}-{'|'.join(runs)}")
            else:
                NetworkPanel(session, frame.colour_by, first)
        with solara.Column(classes=["plc-right"], style="flex: 1 1 auto; min-width: 0"):
            with solara.Row(style="align-items: center; gap: 12px; flex-wrap: wrap"):
                solara.ToggleButtonsSingle(value=frame.measure, values=list(MEASURES), classes=["plc-measure"],
                                           on_value=lambda measure: session.set_view(measure=measure))
                if first.highlight:
                    solara.Text(f"Dashed black line: School {first.highlight[0] + 1}, hit by the last shock",
                                classes=["plc-caption"])
            LiveChart.element(spec=spec, datasets=data, export_name=chart_name, on_drawn=session.opened,
                              description=f"{MEASURES[frame.measure]} over the run, mean and range of the schools"
                              ).key(f"chart-{frame.measure}-{title}-{threshold}")


def _threshold(frame: Frame) -> float | None:
    return frame.runs[0].decay_threshold if frame.measure == "health" else None


def _join(charts: list[dict[str, list]]) -> dict[str, list]:
    return {key: [value for chart in charts for value in chart[key]] for key in charts[0]}


def _empty(*names: str) -> dict[str, list]:
    return {name: [] for name in names}


@solara.component
def NetworkPanel(session: Session, colour_by: str, run: RunView):
    """The network of teachers (or schools), with the choice of colouring."""
    title = COLOUR_MEASURES[colour_by]
    with solara.Row(style="align-items: center; gap: 8px"):
        solara.Text("Colour by", classes=["plc-caption"])
        solara.ToggleButtonsSingle(value=colour_by, values=list(COLOUR_MEASURES), classes=["plc-colour"],
                                   on_value=lambda colour: session.set_view(colour_by=colour))
    LiveChart.element(spec=network_chart(NETWORK_SIZE, title), datasets=run.network, export_name="plc-network",
                      description=f"The network of {run.n_schools} schools, coloured by {title}; "
                                  f"{run.healthy} of {run.n_schools} communities healthy"
                      ).key(f"network-{colour_by}-{run.preset}-{run.n_schools}")
    solara.HTML(tag="p", classes=["plc-map-legend"], unsafe_innerHTML=(
        "<span class='plc-key plc-key-decayed'></span> " + term("decayed")
        + " &nbsp; <span class='plc-key plc-key-hit'></span> hit by the last shock<br>"
        + "<span class='plc-key plc-key-link'></span> partner schools &nbsp; "
        + ("big dots: teacher leaders" if run.every_member else "bigger disc: more teacher leaders")))


@solara.component
def EventLog(logs: tuple[tuple[str, tuple[str, ...], int], ...]):
    """What happened, newest first, in plain words: one list per run (``logs``: label, lines, earlier lines not
    shown), side by side when comparing."""
    comparing = len(logs) > 1
    with solara.Row(classes=["plc-logs"], style="flex-wrap: wrap; gap: 24px; align-items: flex-start"):
        for label, lines, more in logs:
            with solara.Column(classes=["plc-log-run"], style="flex: 1 1 380px; min-width: 0" if comparing else ""):
                if comparing:
                    solara.HTML(tag="h3", unsafe_innerHTML=html.escape(label), classes=["plc-group-title"])
                RunLog(lines, more)


def run_logs(frame: Frame) -> tuple[tuple[str, tuple[str, ...], int], ...]:
    """What :func:`EventLog` shows of ``frame`` (equal from frame to frame while nothing new happened)."""
    return tuple((run.label, tuple(run.log), run.log_more) for run in frame.runs)


@solara.component
def RunLog(lines: tuple[str, ...], more: int):
    """One run's log, newest first."""
    if not lines:
        solara.Text("Nothing yet: press Step a month or Play.", classes=["plc-log-empty"])
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    solara.HTML(tag="ul", unsafe_innerHTML=items, classes=["plc-log"])
    if more:
        solara.Text(f"... and {more} earlier events", classes=["plc-caption"])


@solara.component
def SchoolsTable(table: list[dict]):
    """Each school's scores on Hord's five dimensions, as a table of percentages with bars."""
    head = "".join(f"<th scope='col'>{html.escape(DIMENSION_LABELS[d])}</th>" for d in DIMENSIONS)
    rows = []
    for row in table:
        name = f"School {row['school']}" + (" <span class='plc-decayed'>(decayed)</span>" if row["decayed"] else "")
        cells = "".join(_cell(row[d]) for d in (*DIMENSIONS, "health"))
        rows.append(f"<tr><th scope='row'>{name}</th>{cells}</tr>")
    solara.HTML(tag="div", classes=["plc-table-wrap"], unsafe_innerHTML=(
        f"<table class='plc-schools'><caption>Each school now on Hord's five dimensions (0% absent, 100% fully "
        f"present) and their mean, the PLC health</caption><thead><tr><th scope='col'>School</th>{head}"
        f"<th scope='col'>PLC health</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"))


def _cell(value: float) -> str:
    # a bar in one colour-blind-safe blue behind dark text: the length carries the value, not a hue
    width = max(0.0, min(100.0, 100 * value))
    return (f"<td><span class='plc-bar' style='width:{width:.0f}%'></span>"
            f"<span class='plc-num'>{100 * value:.0f}%</span></td>")


@solara.component
def SettingsPanel(session: Session, run_values: dict, run_seed: str, pending: solara.Reactive[RunSettings],
                  seed_text: solara.Reactive[str]):
    """Controls from the parameter declaration (``run_values``: the running run's): live ones act from now on,
    the others at Reset."""
    problem = seed_problem(seed_text.value)
    changed = [n for n, v in pending.value.values.items() if n not in LIVE_CHANGES and run_values.get(n) != v]
    solara.Text("Marked 'from now on': changes act on the running schools at once. The others build a new run "
                "when you press Reset.", classes=["plc-caption"])
    # Conditional parts sit in slots that are always drawn: Reacton matches children by position, so a
    # notice coming or going would otherwise rebuild every control after it (the seed box lost its typing
    # focus, and a Reset redrawn from the play thread briefly left the page a seed box no event reached).
    with solara.Div(classes=["plc-pending-slot"]):
        if changed or seed_text.value.strip() != run_seed:
            solara.Info("You changed settings that apply at Reset: press Reset to start a new run with them.",
                        dense=True, classes=["plc-pending"])
    with solara.Row(style="flex-wrap: wrap; gap: 18px; align-items: flex-start"):
        for group, names in CONTROL_GROUPS.items():
            with solara.Column(classes=["plc-group"], style="min-width: 260px; max-width: 380px"):
                solara.HTML(tag="h3", unsafe_innerHTML=html.escape(group), classes=["plc-group-title"])
                for name in names:
                    Control(session, pending, name, run_values.get(name, pending.value.values[name]))
        with solara.Column(classes=["plc-group"], style="min-width: 260px; max-width: 380px"):
            solara.HTML(tag="h3", unsafe_innerHTML="Random seed", classes=["plc-group-title"])
            solara.InputText(f"Random seed (digits 0-9, up to {SEED_DIGITS}; applies at Reset)",
                             value=seed_text, error=bool(problem), continuous_update=True, classes=["plc-seed"])
            with solara.Div(classes=["plc-seed-note-slot"]):
                if problem:
                    solara.Text(problem, classes=["plc-seed-note"])
            solara.Text("The same seed and settings give the same run, bit for bit.", classes=["plc-help"])


@solara.component
def Control(session: Session, pending: solara.Reactive[RunSettings], name: str, running_value):
    """One control: a live change acts now; any other is held for the next Reset."""
    param, live = PARAMS_BY_NAME[name], name in LIVE_CHANGES
    value = running_value if live else pending.value.values[name]
    label = control_label(param) + (" - from now on" if live else " - at Reset")

    def set_value(new) -> None:
        pending.value = pending.value.with_value(name, new)
        if live:
            session.change(name, pending.value.values[name])

    if param.kind is bool:
        solara.Checkbox(label=label, value=bool(value), on_value=set_value)
    elif param.kind is str:
        words = {choice.replace("_", " "): choice for choice in param.choices}
        solara.Select(label=label, value=value.replace("_", " "), values=list(words),
                      on_value=lambda chosen: set_value(words[chosen]))
    else:
        low, high = control_range(param)
        slider = solara.SliderInt if param.kind is int else solara.SliderFloat
        slider(label=f"{label}: {value_words(param, value)}", value=value, min=low, max=high,
               step=slider_step(param), on_value=set_value, thumb_label=False)
    solara.HTML(tag="span", unsafe_innerHTML=with_terms(control_help(param)), classes=["plc-help"])


def explanation_html(run: RunView, every_member: bool) -> str:
    """The plain-language guide to what is on screen."""
    if every_member:
        picture = ("<b>The network.</b> Each dot is a teacher, grouped by school; secondary schools split into "
                   "departments. Big dots are teacher leaders. Grey lines join colleagues who trust each other "
                   "strongly: the thicker, the more trust.")
    else:
        picture = ("<b>The schools.</b> There are too many teachers to draw one by one, so each disc is one "
                   "school: its colour is the average of its teachers, a bigger disc has more teacher leaders. "
                   "Fewer schools or teachers (Settings, then Reset) show every teacher.")
    contrast = CONTRASTS.get(run.preset)
    contrast = (f" For this scenario, try <i>{html.escape(WHAT_IFS[contrast].menu())}</i>." if contrast else "")
    return f"""
<p>{picture} Colour shows knowledge or engagement from 0% (dark purple) to 100% (yellow). A red ring marks a
community that has <b>decayed</b>; a thick black ring the school hit by the latest one-school shock. Dashed lines
link partner schools.</p>
<p><b>The chart</b> follows the whole network: the line is the average school, the shaded band runs from the
weakest to the strongest school; each shock is a labelled line of its own colour and dash.</p>
<p><b>Time.</b> One step is a month of the school year, which runs from {SCHOOL_MONTHS[0]} to {SCHOOL_MONTHS[-1]}.
At each year end some teachers and principals leave, and newcomers arrive knowing less and trusting little.</p>
<p><b>Try it.</b> Press <i>Play</i>, then a shock: what does the room expect to happen? <i>What if
(compare)</i> runs this scenario a second time with one change (a lever, a policy or a rule variant) on the same
random numbers, so what differs is the change's doing; a shock hits both runs.{contrast}</p>
<p><b>This scenario.</b> {html.escape(run.story)}</p>
"""

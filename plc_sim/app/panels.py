"""The workshop app's panels: Solara components that show one WorkshopModel and act on it.

Every panel that shows the model reads Mesa's ``update_counter`` so it redraws
when SolaraViz's Step, Play or Reset (or a shock button) changes the model;
pictures are memoized on (model, counter, options) so unrelated re-renders
cost nothing.
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable

import solara
from mesa.visualization.solara_viz import UserInputs
from mesa.visualization.utils import update_counter

from plc_sim.app.charts import school_table_html, timeseries_figure
from plc_sim.app.model import SHOCK_BUTTONS, WorkshopModel, shock_marks, shock_targets
from plc_sim.app.network import COLOUR_MEASURES, draws_every_member, network_figure, network_layout
from plc_sim.app.settings import CONTROL_GROUPS, RunSettings, control_help, control_spec
from simulation.events import describe_events, when
from simulation.parameters import PARAMS_BY_NAME, TICKS_PER_YEAR
from simulation.presets import PRESETS

LOG_LINES = 14
"""Newest event-log sentences shown."""


def png(figure) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


@solara.component
def Picture(draw: Callable, dependencies: list, css_class: str):
    """A matplotlib figure from ``draw()``, redrawn only when ``dependencies`` change, at the column's width."""
    image = solara.use_memo(lambda: png(draw()), dependencies)
    solara.Image(image, width="100%", classes=[css_class])


@solara.component
def NetworkView(model: WorkshopModel, colour_by: solara.Reactive[str]):
    """The network of teachers (or schools), with the choice of colouring."""
    counter = update_counter.get()
    layout = solara.use_memo(lambda: network_layout(model), [model])

    def draw():
        with model.lock:
            return network_figure(model, layout, colour_by.value)

    title = "Who trusts whom" if draws_every_member(model.p) else "The schools and their links"
    with solara.Card(title, classes=["plc-card"]):
        with solara.Row(style="align-items: center"):
            solara.Text("Colour by:", classes=["plc-caption"])
            solara.ToggleButtonsSingle(value=colour_by, values=list(COLOUR_MEASURES), classes=["plc-colour"])
        Picture(draw, [model, counter, colour_by.value], "plc-network")


@solara.component
def SchoolsView(model: WorkshopModel):
    """Each school's scores on Hord's five dimensions, as a coloured table."""
    update_counter.get()
    with model.lock:
        table = school_table_html(model)
    with solara.Card("Each school now: Hord's five dimensions", classes=["plc-card"]):
        solara.HTML(tag="div", unsafe_innerHTML=table, classes=["plc-table-wrap"])


@solara.component
def ChartsView(model: WorkshopModel):
    """Health, trust, knowledge and retention over the run."""
    counter = update_counter.get()

    def draw():
        with model.lock:
            return timeseries_figure(model, shock_marks(model))

    with solara.Card("The whole network over time", classes=["plc-card"]):
        Picture(draw, [model, counter], "plc-charts")


@solara.component
def EventLog(model: WorkshopModel):
    """What happened, newest first, in plain words."""
    update_counter.get()
    with model.lock:
        lines = describe_events(list(model.events), model.p)
    with solara.Card("What happened", classes=["plc-card"]):
        solara.Text("" if lines else "Nothing yet: press Step or Play.", classes=["plc-log-empty"])
        items = "".join(f"<li>{html.escape(line.text)}</li>" for line in reversed(lines[-LOG_LINES:]))
        solara.HTML(tag="ul", unsafe_innerHTML=items, classes=["plc-log"])
        if len(lines) > LOG_LINES:
            solara.Text(f"... and {len(lines) - LOG_LINES} earlier events", classes=["plc-caption"])


@solara.component
def Headline(model: WorkshopModel):
    """Where the run is and how the schools are doing, in big type."""
    update_counter.get()
    with model.lock:
        now, p, steps = model.observer.current, model.p, model.steps
        decayed = int((now["decayed"] > 0).sum())
        left = int(now["teachers_left"].sum())
    moment = "Start of the run" if steps == 0 else when(steps)
    with solara.Row(classes=["plc-headline"], style="align-items: baseline; flex-wrap: wrap"):
        solara.Text(moment, classes=["plc-when"])
        solara.Text(f"step {steps}", classes=["plc-step-counter"])
        solara.Text(f"Healthy communities: {p.n_schools - decayed} of {p.n_schools}", classes=["plc-stat"])
        solara.Text(f"Mean PLC health: {now['health'].mean():.2f}", classes=["plc-stat"])
        if steps >= TICKS_PER_YEAR:
            solara.Text(f"Teachers who left at the last year end: {left} of {p.n_schools * p.teachers_per_school}",
                        classes=["plc-stat"])
    if model.seed_notice:
        solara.Warning(model.seed_notice)
    if model.failure:
        solara.Error(model.failure)


@solara.component
def ShockBar(model: WorkshopModel, on_shock: Callable[[str, str], None]):
    """Buttons that hit the schools now: "what happens if the principal leaves?"."""
    choices = shock_targets(model.p.n_schools)
    target = solara.use_reactive(choices[0])
    chosen = target.value if target.value in choices else choices[0]  # a new run may have fewer schools
    with solara.Row(classes=["plc-shocks"], style="align-items: center; flex-wrap: wrap"):
        solara.Text("What happens if...", classes=["plc-shock-title"])
        for name, label in SHOCK_BUTTONS.items():
            solara.Button(label, color="warning", on_click=lambda name=name: on_shock(name, chosen),
                          classes=["plc-shock", f"plc-shock-{name}"], disabled=model.failure is not None)
        solara.Select(label="hits", value=chosen, values=choices, on_value=target.set, classes=["plc-shock-target"],
                      style="max-width: 160px")


@solara.component
def ScenarioPicker(settings: RunSettings, model: WorkshopModel, on_preset: Callable[[str], None]):
    """The scenario (preset) picker and what the running scenario shows."""
    with solara.Row(classes=["plc-scenario"], style="align-items: center; flex-wrap: wrap"):
        solara.Select(label="Scenario", value=settings.preset, values=list(PRESETS), on_value=on_preset,
                      classes=["plc-preset"], style="max-width: 260px")
        solara.Text(PRESETS[model.preset_name].story, classes=["plc-story"])


@solara.component
def SettingsPanel(settings: RunSettings, model: WorkshopModel, on_change: Callable[[str, object], None]):
    """Sliders, choices and switches generated from the parameter declaration, grouped by theme."""
    pending = settings.preset != model.preset_name or any(
        getattr(model.p, name) != value for name, value in settings.values.items())
    solara.Text(f"Starting from the scenario '{settings.preset}'. Changes apply when you press Reset.",
                classes=["plc-caption"])
    with solara.Column():  # always there, so the controls below keep their place (and their widgets)
        if pending:
            solara.Info("You changed the settings: press Reset to start a new run with them.", dense=True,
                        classes=["plc-pending"])
    for group, names in CONTROL_GROUPS.items():
        with solara.Details(group, expand=group == "Leadership"):
            for name in names:
                param, value = PARAMS_BY_NAME[name], settings.values[name]
                spec = control_spec(param, value)
                if spec["type"].startswith("Slider"):
                    solara.Text(f"{spec['label']}: {value:g}", classes=["plc-control-label"])
                    spec["label"] = ""
                UserInputs({name: spec}, on_change=on_change)
                solara.Text(control_help(param), classes=["plc-help"])


def explanation_html(model: WorkshopModel) -> str:
    """The plain-language guide to what is on screen and what each scenario shows."""
    p = model.p
    if draws_every_member(p):
        picture = ("<b>The network.</b> Each dot is a teacher, grouped by school; secondary schools split into "
                   "departments. Big dots with a black ring are teacher leaders. Grey lines join colleagues who "
                   "trust each other strongly: the thicker, the more trust.")
    else:
        picture = (f"<b>The schools.</b> With {p.n_schools * p.teachers_per_school} teachers there are too many "
                   "dots to read, so each disc is one school: its colour is the average of its teachers, a bigger "
                   "disc has more teacher leaders, a thicker ring more strong trust between colleagues. "
                   "Fewer schools or teachers (in <i>Schools</i>, then Reset) show every teacher.")
    scenarios = "".join(f"<li><b>{html.escape(preset.name)}</b>: {html.escape(preset.story)}</li>"
                        for preset in PRESETS.values())
    return f"""
<p>{picture} Colour shows knowledge or engagement: yellow is high, purple low. A red ring marks a community that
has <b>decayed</b>. Dashed lines link partner schools.</p>
<p><b>The table</b> scores every school on Hord's five dimensions of a professional learning community (as in
Hipp &amp; Huffman's PLCA-R) and their average, the PLC health index.</p>
<p><b>The charts</b> follow the whole network: the line is the average school, the shaded band runs from the
weakest to the strongest school, and dotted lines mark shocks.</p>
<p><b>Time.</b> One step is a school month; {TICKS_PER_YEAR} months make a school year. At each year end some
teachers and principals leave, and newcomers arrive knowing less and trusting little.</p>
<p><b>Try it.</b> Press <i>Step</i> or <i>Play</i> (left), then a shock button: what does the room expect to
happen? Pick a scenario to start it at once, or change the settings and press <i>Reset</i>.</p>
<p><b>The scenarios</b></p><ul>{scenarios}</ul>
"""


@solara.component
def Explanation(model: WorkshopModel):
    """The plain-language guide."""
    with solara.Card("What you are looking at", classes=["plc-card"]):
        solara.HTML(tag="div", unsafe_innerHTML=explanation_html(model), classes=["plc-explain"])

"""The workshop app: watch professional learning communities grow, last and fade, and shock them live.

Start it with ``plc-sim app`` (or ``make app``) and open http://127.0.0.1:8765;
``solara run plc_sim.app.page:page`` works too. It is Mesa's SolaraViz (play, step,
reset, seed box) with no components of its own (``components=[]``), and our
panels (:mod:`plc_sim.app.panels`) laid out below it for a projector.

Each browser tab gets its own model, built inside the page component: Solara
runs this module once per server, so a model made at module level would be
shared by every tab (NOTES-mesa.md). SolaraViz's Reset rebuilds the run as
``WorkshopModel(settings=<the session's reactive settings>, rng=<seed text>)``,
so the sliders and the seed apply at Reset; picking a scenario starts it at once.
"""

from __future__ import annotations

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import force_update

from plc_sim.app.model import WorkshopModel
from plc_sim.app.panels import (
    ChartsView,
    EventLog,
    Explanation,
    Headline,
    NetworkView,
    ScenarioPicker,
    SchoolsView,
    SettingsPanel,
    ShockBar,
)
from plc_sim.app.settings import DEFAULT_SEED, RunSettings

TITLE = "PLC-sim: learning communities in schools"

PLAY_INTERVAL_MS = 150
"""Pause between steps while playing: about five school months a second, slow enough to follow."""

# The last rule hides SolaraViz's "Use Threads" box (the only checkbox beside the 500 ms Play Interval slider):
# with this app's drawing, Mesa's threaded mode lets the model run ahead of a display that lags by seconds.
CSS = """
.plc-headline { margin: 4px 0 2px 0; }
.plc-when { font-size: 28px; font-weight: 600; }
.plc-step-counter { font-size: 16px; color: #666; margin-right: 18px; }
.plc-stat { font-size: 17px; padding: 2px 10px; background: #eef3f8; border-radius: 12px; }
.plc-shocks { margin: 6px 0 10px 0; }
.plc-shock-title { font-size: 17px; font-weight: 600; }
.plc-card { height: 100%; }
img.plc-network, img.plc-charts { height: auto !important; max-width: 100%; }
.plc-caption, .plc-help { font-size: 12.5px; color: #555; display: block; line-height: 1.3; }
.plc-help { margin: 0 0 14px 0; }
.plc-control-label { font-size: 14px; font-weight: 500; display: block; margin-top: 6px; }
.plc-scenario { margin-top: 4px; }
.plc-story { font-size: 16px; max-width: 900px; color: #333; }
.plc-explain { font-size: 15px; line-height: 1.45; }
.plc-log { font-size: 15px; line-height: 1.45; padding-left: 18px; max-height: 360px; overflow-y: auto; }
.plc-table-wrap { overflow-x: auto; max-height: 640px; overflow-y: auto; }
table.plc-schools { border-collapse: collapse; font-size: 14px; width: 100%; }
table.plc-schools th { font-size: 12px; font-weight: 600; padding: 3px 6px; text-align: center; }
table.plc-schools tbody th { text-align: left; white-space: nowrap; font-size: 14px; }
table.plc-schools td { text-align: center; padding: 3px 6px; border: 1px solid white; }
.plc-decayed { color: #c62828; font-weight: 600; }
.v-card-text:has(.v-slider-thumb[aria-valuemax="500"]) > .v-checkbox { display: none; }
"""


@solara.component
def Page():
    """The whole app for one browser session."""
    settings = solara.use_reactive(solara.use_memo(RunSettings, []))
    first_run = solara.use_memo(lambda: WorkshopModel(settings.value, DEFAULT_SEED), [])
    model = solara.use_reactive(first_run)
    colour_by = solara.use_reactive("knowledge")

    def pick_preset(name: str) -> None:
        settings.value = settings.value.with_preset(name)
        model.value = WorkshopModel(settings.value, model.value.seed_value)
        force_update()

    def shock(name: str, target: str) -> None:
        model.value.shock_now(name, target)
        force_update()

    solara.Style(CSS)
    SolaraViz(model, components=[], name=TITLE, play_interval=PLAY_INTERVAL_MS,
              model_params={"settings": settings,
                            "rng": {"type": "InputText", "value": str(DEFAULT_SEED),
                                    "label": "Random seed (a whole number; applies at Reset)"}})
    SettingsSidebar(settings, model)
    run = model.value
    ScenarioPicker(settings.value, run, pick_preset)
    Headline(run)
    ShockBar(run, shock)
    with solara.Columns([5, 7]):
        NetworkView(run, colour_by)
        ChartsView(run)
    with solara.Columns([5, 7]):
        SchoolsView(run)
        with solara.Column():
            EventLog(run)
            Explanation(run)


@solara.component
def SettingsSidebar(settings: solara.Reactive[RunSettings], model: solara.Reactive[WorkshopModel]) -> None:
    """The settings card, below SolaraViz's Reset / Play / Step card."""
    _BelowControls(settings, model)


@solara.component
def _BelowControls(settings: solara.Reactive[RunSettings], model: solara.Reactive[WorkshopModel]) -> None:
    # Solara orders sidebar content by how deep in the page it is declared (2 ** depth): declared two
    # components down, this card sorts after SolaraViz's own cards, so the run controls stay on top.
    with solara.Sidebar():
        SettingsCard(settings, model)


@solara.component
def SettingsCard(settings: solara.Reactive[RunSettings], model: solara.Reactive[WorkshopModel]) -> None:
    """The sliders and choices for the next run; it redraws itself when the settings or the run change."""
    def change_setting(name: str, value) -> None:
        settings.value = settings.value.with_value(name, value)

    with solara.Card("Settings for the next run"):
        SettingsPanel(settings.value, model.value, change_setting)


page = Page
"""The target of ``solara run plc_sim.app.page:page``."""

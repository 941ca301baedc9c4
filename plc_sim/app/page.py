"""The workshop app: watch professional learning communities grow, last and fade, and shock them live.

Start it with ``plc-sim app`` (or ``make app``) and open http://127.0.0.1:8765;
``solara run plc_sim.app.page:page`` works too. The page is plain Solara: the
presenter view (controls, headline, network and one big chart, shock buttons)
fits a 1280x720 projector without scrolling; the details (log, table,
settings, guide) sit below it.

Each browser tab gets its own :class:`~plc_sim.app.session.Session`, built
inside the page component (Solara runs this module once per server, so a run
made at module level would be shared by every tab). The session's thread
steps the run and publishes frames to the page; closing the tab, or the
server ending the tab's session after its browser went away, stops it.
"""

from __future__ import annotations

import logging

import solara

from plc_sim.app.command import APP_TITLE
from plc_sim.app.fairness import GATE
from plc_sim.app.model import ALL_SCHOOLS
from plc_sim.app.panels import (
    Controls,
    EventLog,
    Headline,
    MainStory,
    SchoolsTable,
    SettingsPanel,
    ShockBar,
    run_logs,
)
from plc_sim.app.panels import explanation_html as _explanation
from plc_sim.app.policy_panel import PoliciesPanel
from plc_sim.app.session import Frame, RunRecord, Session, kept_run
from plc_sim.app.settings import DEFAULT_SEED, RunSettings
from plc_sim.app.widgets import Address, Shortcuts
from plc_sim.workshop.viewport import Viewport

log = logging.getLogger(__name__)

TITLE = APP_TITLE

CSS = """
html, body { overflow-x: hidden; }
.v-application { font-size: 16px; color: #1a1a1a; }
.plc-page { padding: 6px 14px 14px 14px; max-width: 100vw; box-sizing: border-box; }
.plc-hidden { position: absolute; left: -10000px; width: 1px; height: 1px; overflow: hidden; }
.plc-controls .v-btn { font-size: 16px; text-transform: none; letter-spacing: 0; }
.plc-keys { font-size: 16px; color: #333; margin-left: auto; }
.plc-headline { margin: 2px 0; }
.plc-when { font-size: 26px; font-weight: 600; margin: 0; }
.plc-stat { white-space: nowrap; font-size: 18px; padding: 2px 10px; background: #e8eef5; border-radius: 12px;
            color: #111; }
.plc-sentence { font-size: 17px; display: block; margin: 2px 0 6px 0; color: #111; line-height: 1.35; }
.plc-shocks { margin: 4px 0; }
.plc-shocks .v-btn { font-size: 16px; text-transform: none; letter-spacing: 0; }
.plc-shock.v-btn { color: #fff !important; }
.v-btn-group .v-btn, .v-btn-toggle .v-btn { font-size: 16px; text-transform: none; letter-spacing: 0; }
.plc-shock-title { font-size: 18px; font-weight: 600; }
.plc-left { width: 40%; max-width: 560px; }
.plc-live-plot { width: 100%; }
.plc-save { font-size: 16px; color: #0b4f8a; text-decoration: underline; background: none; border: none;
            cursor: pointer; padding: 0; }
.plc-caption, .plc-help { font-size: 16px; color: #333; display: block; line-height: 1.35; }
.plc-help { margin: 0 0 12px 0; }
.plc-control-label { font-size: 16px; font-weight: 500; display: block; margin-top: 6px; }
.plc-group-title { font-size: 18px; margin: 4px 0; }
.plc-explain, .plc-log { font-size: 16px; line-height: 1.45; }
.plc-log { padding-left: 18px; }
.plc-table-wrap { overflow-x: auto; max-width: 100%; }
table.plc-schools { border-collapse: collapse; font-size: 16px; }
table.plc-schools caption { text-align: left; font-size: 16px; padding: 4px 0; color: #333; }
table.plc-schools th { font-size: 16px; font-weight: 600; padding: 4px 8px; text-align: left; }
table.plc-schools tbody th { white-space: nowrap; }
table.plc-schools td { position: relative; min-width: 110px; padding: 4px 8px; border: 1px solid #ddd; }
.plc-bar { position: absolute; left: 0; top: 0; bottom: 0; background: #bcd7ee; }
.plc-num { position: relative; color: #111; }
.plc-seed-note { font-size: 16px; color: #a1111f; display: block; }
.plc-pending-slot:empty, .plc-seed-note-slot:empty { display: none; }
.plc-decayed { color: #a1111f; font-weight: 600; }
.plc-policy.v-btn { height: auto !important; min-height: 36px; padding: 6px 12px; font-size: 16px;
                    text-transform: none; letter-spacing: 0; }
.plc-policy .v-btn__content { white-space: normal; flex: 1 1 auto; }
.plc-policy-stop.v-btn { font-size: 16px; text-transform: none; letter-spacing: 0; }
.plc-running-slot:empty { display: none; }
.plc-details { margin-top: 18px; display: block; width: 100%; }
.plc-page .v-field-label, .plc-page .v-label { color: #3a3a3a !important; opacity: 1 !important; }
details.plc-term { display: inline-block; position: relative; }
details.plc-term > summary { display: inline; cursor: help; list-style: none; text-decoration: underline dotted;
    text-underline-offset: 3px; }
details.plc-term > summary::-webkit-details-marker { display: none; }
details.plc-term[open] > .plc-term-body { position: absolute; z-index: 20; left: 0; top: 1.5em;
    width: min(360px, 70vw); background: #fff; color: #111; border: 1px solid #777; border-radius: 6px;
    padding: 8px 10px; font-size: 16px; font-weight: 400; line-height: 1.35; white-space: normal;
    box-shadow: 0 2px 8px rgba(0, 0, 0, 0.25); }
.plc-map-legend { font-size: 16px; color: #222; margin: 2px 0; max-width: 480px; line-height: 1.5; }
.plc-key { display: inline-block; width: 14px; height: 14px; border-radius: 50%; vertical-align: -2px;
    background: #2a788e; }
.plc-key-decayed { border: 3px solid #B2182B; }
.plc-key-hit { border: 3px solid #000; }
.plc-key-link { width: 22px; height: 0; border-radius: 0; background: none; border-top: 2px dashed #8a8a8a;
    vertical-align: 4px; }
.plc-page .v-field-label.v-field-label--floating { font-size: 16px !important; --v-field-label-scale: 1em; }
@media (max-width: 760px) {  /* a phone: the map above the chart, each the screen's width */
    .plc-main { flex-wrap: wrap !important; }
    .plc-left, .plc-right { width: 100% !important; max-width: 100% !important; flex: 1 1 100% !important; }
    .plc-left .plc-live-plot svg { max-width: 100%; height: auto; }
    .plc-page .v-btn-toggle, .plc-page .v-btn-group { flex-wrap: wrap; height: auto !important; }
}
.plc-page .v-slider.v-input--horizontal { grid-template-areas: "prepend" "control" "messages";
    grid-template-columns: minmax(0, 1fr); }
.plc-page .v-slider.v-input--horizontal > .v-input__prepend { margin: 0 0 2px 0; }
.plc-page .v-slider .v-slider__label { white-space: normal; margin: 0; }
.plc-page .v-slider .v-input__control { min-width: 150px; margin: 0 10px; }
"""


@solara.component
def Page():
    """The whole app for one browser tab."""
    solara.Title(TITLE)
    solara.Style(CSS)
    pending = solara.use_reactive(solara.use_memo(RunSettings, []))
    seed_text = solara.use_reactive(str(DEFAULT_SEED))
    target = solara.use_reactive(ALL_SCHOOLS)  # who a shock hits and a policy reaches
    published, publish = solara.use_state(None)
    session = solara.use_memo(lambda: Session(RunRecord(), publish=publish), [])
    solara.use_effect(lambda: _start(session), [])
    frame: Frame = published or session.frame()

    def reset() -> None:
        session.reset(pending.value, seed=seed_text.value)

    def reopen(found: str) -> None:  # a reload: the address names a run the server kept
        record = kept_run(found)
        if record is not None:  # the same run under this tab's own token: two tabs never share one
            session.reopen(record)
            pending.value, seed_text.value = record.settings, record.seed

    def key(name: str) -> None:
        if name == "space":
            session.toggle()
        else:
            session.step(1)

    with solara.Column(classes=["plc-page"], gap="4px"):
        Shortcuts.element(on_key=key)
        Address.element(token=session.token, on_reopen=reopen)
        Viewport.element()  # the page's language, zoom, and names for sliders
        # each panel gets only what it shows, so a new month re-renders the panels that changed, not the page
        first, failed = frame.runs[0], frame.runs[0].failure is not None
        Controls(session, frame.playing, frame.speed, first.preset, frame.compare, pending, reset)
        Headline(frame)
        ShockBar(session, first.n_schools, failed, target)
        MainStory(session, frame)
        Details(session, frame, pending, seed_text, target)


def _start(session: Session):
    """Start the tab's play loop, first among tabs until its browser has drawn it; stop it when the page goes away
    or the server ends the tab's session."""
    try:
        from solara.server import kernel_context

        context = kernel_context.get_current_context()
        session.opening(context.id)  # the page's hold (see _hold_play_from_connection) ends with the tab's
        context.on_close(session.close)
    except Exception:  # rendered outside Solara's server (tests): the effect's clean-up is enough
        log.debug("no kernel context to watch")
        session.opening()
    session.start()
    return session.close


def _hold_play_from_connection():
    """A browser page has connected: the playing tabs hold their play from now, not only from the page's first
    render, so the server's start of the page (its kernel, then the render) and the browser's drawing of it run on
    a quiet machine too. The hold ends when the tab's chart is drawn (:meth:`Session.opened`), when the page
    closes, or after :data:`~plc_sim.app.fairness.OPENING_PRIORITY` seconds."""
    from solara.server import kernel_context

    key = kernel_context.get_current_context().id
    GATE.opening(key)
    return lambda: GATE.opened(key)


solara.lab.on_kernel_start(_hold_play_from_connection)


def warm_up() -> None:
    """Build, step and draw a throwaway tab's run once, when the server loads this module (before it accepts
    connections): the first participant's tab then does not pay for loading the model's compiled code from
    numba's cache and for the first frame (about 0.7 s on a quiet core, several times that on a busy one)."""
    session = Session(RunRecord())
    session.step(1)
    session.frame()
    session.close()


DETAILS = ("What happened", "Each school", "Policies", "Settings", "What you are looking at")


@solara.component
def Details(session: Session, frame: Frame, pending: solara.Reactive[RunSettings], seed_text: solara.Reactive[str],
            target: solara.Reactive[str]):
    """The details below the main story: log, table, policies, settings and the guide, one at a time."""
    shown = solara.use_reactive(DETAILS[0])
    with solara.Div(classes=["plc-details"]):
        solara.ToggleButtonsSingle(value=shown, values=list(DETAILS), classes=["plc-details-choice"])
        if shown.value == "What happened":
            EventLog(run_logs(frame))
        elif shown.value == "Each school":
            SchoolsTable(frame.runs[0].table)
        elif shown.value == "Policies":
            PoliciesPanel(session, frame.runs[0].policies, frame.runs[0].n_schools, frame.runs[0].failure is not None,
                          target)
        elif shown.value == "Settings":
            SettingsPanel(session, frame.runs[0].values, frame.runs[0].seed, pending, seed_text)
        else:
            solara.HTML(tag="div", unsafe_innerHTML=_explanation(frame.runs[0], frame.runs[0].every_member),
                        classes=["plc-explain"])


page = Page
"""The target of ``solara run plc_sim.app.page:page``."""

warm_up()

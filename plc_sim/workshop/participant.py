"""The participant's page, made for a phone: join with the room's code and a name, then decide each school year.

The page holds only the participant's token (kept in the browser by :class:`~plc_sim.workshop.place.Place`, so
a closed tab comes back to the same school); everything else is read from the shared :class:`Workshop` and
redrawn when the server says it changed (:func:`use_workshop_version`). What a school's pages show is computed
once per change for all of them (:class:`SchoolViews`), not once per page, as one small JSON object that the
school year's page (:class:`SchoolYear`, a Vue template) draws in the browser: after an advance each page gets
one message and redraws only what changed. Whatever a participant sends is checked by the session
(:meth:`Workshop.submit`, :meth:`Workshop.join`); a refusal is shown on the page and changes nothing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import ipyvuetify as v
import solara
import traitlets

from plc_sim.workshop.countdown import Countdown, countdown_seconds
from plc_sim.workshop.decisions import (
    DECISION_FIELDS,
    LEADERS_CONTEXT,
    PARTNER_CONTEXT,
    candidates,
    max_leaders,
)
from plc_sim.workshop.gate import CODE_LENGTH
from plc_sim.workshop.place import Place, place_key
from plc_sim.workshop.session import MAX_YEARS, Workshop, WorkshopError, shock_news
from plc_sim.workshop.why import why_sentence
from simulation.calendar import school_time
from simulation.events import describe_events
from simulation.measures import SCHOOL_MEASURES
from simulation.parameters import TICKS_PER_YEAR

_HEALTH = SCHOOL_MEASURES.index("health")

PHONE_CSS = """
.ws-page { max-width: 520px; margin: 0 auto; padding: 8px 12px 40px 12px; font-size: 16px; }
.ws-title { font-size: 22px; font-weight: 600; margin: 6px 0; }
.ws-context { font-size: 16px; color: #555; margin: -4px 0 10px 0; line-height: 1.3; }
.ws-status { padding: 6px 10px; border-radius: 8px; background: #eef3f8; margin: 6px 0; }
.ws-paused { background: #fff3cd; }
.ws-teacher { display: block; padding: 4px 0; border-bottom: 1px solid #eee; line-height: 1.35; }
.ws-events { font-size: 16px; padding-left: 18px; }
.ws-label { font-weight: 500; margin-top: 10px; }
.ws-rejoin-line { font-size: 16px; color: #555; margin: 4px 0; }
.ws-year-view label.ws-label { display: block; }
.ws-range { width: 100%; margin: 0 0 6px 0; accent-color: #1976d2; }
.ws-budget { margin: 8px 0; }
.ws-partner { width: 100%; font-size: 16px; padding: 6px; border: 1px solid #999; border-radius: 4px;
  margin: 4px 0 10px 0; background: #fff; appearance: auto; }
.ws-leader-pick { width: 18px; height: 18px; margin-right: 4px; vertical-align: middle; appearance: auto; }
.ws-send { margin: 14px 0 6px 0; padding: 10px 16px; border-radius: 4px; background: #1976d2; color: #fff;
  font-size: 16px; font-weight: 500; text-transform: uppercase; letter-spacing: 0.5px; }
.ws-send:disabled { background: #bdbdbd; }
.ws-message { padding: 10px 14px; border-radius: 4px; margin: 6px 0; }
.ws-ok { background: #e8f5e9; color: #1b5e20; }
.ws-error { background: #fdecea; color: #b71c1c; }
.ws-shock-news { background: #fff3cd; border-left: 6px solid #e65100; font-weight: 500; }
.ws-trend { width: 100%; height: auto; display: block; margin: 6px 0 2px 0; }
.ws-trend-health { fill: none; stroke: #1565c0; stroke-width: 2.5; }
.ws-trend-now { fill: #1565c0; }
.ws-trend-healthy { stroke: #c62828; stroke-width: 1.5; stroke-dasharray: 6 4; }
.ws-trend-year { stroke: #ccc; stroke-width: 1; }
.ws-trend-label { font-size: 16px; fill: #b71c1c; }
.ws-why { padding: 6px 10px; border-left: 4px solid #1565c0; margin: 6px 0; }
.ws-countdown { font-size: 18px; padding: 6px 10px; border-radius: 8px; background: #e3f2fd; margin: 6px 0; }
.ws-page .v-field-label, .ws-page .v-label { color: #3a3a3a !important; opacity: 1 !important; }
.ws-page .v-btn, .ws-page .v-label, .ws-page input, .ws-page .v-messages, .ws-page .v-alert { font-size: 16px; }
"""

LABELS = {"meeting_time": "Protected collaboration time", "distribution": "Leadership distribution",
          "induction": "Induction of newcomers"}
"""Short labels for the decisions' sliders (their full meaning is the sentence below each)."""

TEXTS = {"fields": [{"name": name, "label": LABELS[name], "context": f"{declared.meaning}. {declared.source}"}
                    for name, declared in DECISION_FIELDS.items()],
         "partner": PARTNER_CONTEXT, "leaders": LEADERS_CONTEXT, "months_per_year": TICKS_PER_YEAR}
"""The page's fixed sentences and numbers, sent to a page once (each decision's meaning and source, as declared)."""


REDRAW = threading.Lock()
"""One page redraws at a time after a change. Forty pages drawn at once share the interpreter in turns and all
finish together at the end; drawn one after another, each page's update leaves as soon as it is drawn, and the
browsers take it in while the server draws the next pages."""


def use_workshop_version(workshop: Workshop, view=None):
    """Redraw the calling component when the session changes in a way it shows.

    A thread waits on the session's condition, so an advance reaches every open page at once (no polling
    delay). ``view`` (a function of nothing) says what the component shows: the component redraws only when its
    value changes (a participant's page ignores other schools' forms); without it, on every change. Redraws
    after a change take turns (:data:`REDRAW`).
    """
    look = view or (lambda: workshop.version)
    shown, set_shown = solara.use_state(look())

    def watch(cancel):
        seen, last = workshop.version, look()
        set_shown(last)
        while not cancel.is_set():
            now = workshop.wait_for_change(seen, timeout=1.0)
            if now != seen:
                seen, current = now, look()
                if current != last:
                    last = current
                    with REDRAW:
                        set_shown(current)

    solara.use_thread(watch, dependencies=[], intrusive_cancel=False)  # no trace function on every line drawn
    return shown


class SchoolYear(v.VuetifyTemplate):
    """A participant's school year, drawn in the browser from ``view`` (what the school's pages show, see
    :func:`school_snapshot`), ``texts`` (:data:`TEXTS`), ``rejoin`` (this page's rejoin code), ``form_id`` (the
    single-use id its next form carries) and ``reply`` (the answer to the last form sent: ``year``, ``kind`` "ok"
    or "error", ``text``). Sending the form calls ``on_decide`` with what the page sent (school, year, form id,
    values), unchecked."""

    template_file = str(Path(__file__).parent / "vue" / "school_year.vue")
    view = traitlets.Dict().tag(sync=True)
    texts = traitlets.Dict().tag(sync=True)
    rejoin = traitlets.Unicode("").tag(sync=True)
    form_id = traitlets.Unicode("").tag(sync=True)
    reply = traitlets.Dict().tag(sync=True)
    on_decide = traitlets.Callable(None, allow_none=True)

    def vue_decide(self, sent) -> None:
        if self.on_decide is not None:
            self.on_decide(sent)


@dataclass(frozen=True, eq=False)
class SchoolSnapshot:
    """What every page of one school shows for one state of the session; a new object only when that changes
    (pages compare snapshots by identity). ``view`` is :class:`SchoolYear`'s ``view``."""

    key: tuple
    school: int
    year: int
    view: dict


class SchoolViews:
    """Each school's :class:`SchoolSnapshot`, computed once per change it shows and shared by the school's pages.

    After an advance the first page of a school to redraw computes the snapshot; its teammates reuse it, so the
    work per advance grows with the schools, not with the participants.
    """

    def __init__(self, workshop: Workshop):
        self.workshop = workshop
        self._snapshots: dict[int, SchoolSnapshot] = {}

    def get(self, school: int) -> SchoolSnapshot:
        with self.workshop.lock:
            key = school_view_key(self.workshop, school)
            snapshot = self._snapshots.get(school)
            if snapshot is None or snapshot.key != key:
                snapshot = self._snapshots[school] = school_snapshot(self.workshop, school, key)
            return snapshot


def school_view_key(workshop: Workshop, school: int) -> tuple:
    """What a school's pages show that can change: the month, pause, the timer, the team, its decision and budget,
    and the shocks set on it since the last year ran."""
    return (workshop.model.steps, workshop.paused, workshop.finished, workshop.deadline,
            tuple(p.name for p in workshop.team(school)), workshop.pending.get(school),
            float(workshop.budget[school]), tuple(workshop.shocks_now(school)))


def school_snapshot(workshop: Workshop, school: int, key: tuple) -> SchoolSnapshot:
    """Read ``school``'s page from the session (the caller holds the session's lock): plain text and numbers only,
    which the page shows as text."""
    model, year = workshop.model, workshop.year
    decision, source, _ = workshop.decision_for(school)
    events = [line.text for line in describe_events(
        [e for e in model.events if school in e.schools and e.tick > model.steps - TICKS_PER_YEAR], model.p)]
    budget = float(workshop.budget[school])
    notice = ("The facilitator has paused the session: talk it over." if workshop.paused
              else "The session has ended: thank you." if workshop.finished else "")
    sent = "sent by your team" if source == "participant" else "not sent yet: last year's choices will be kept"
    view = {"school": school, "label": f"School {school + 1}", "year": min(year, MAX_YEARS), "deciding": year,
            "when": school_time(model.steps + (0 if workshop.finished else 1)),
            "shocks": [shock_news(name, workshop.params, budget) for name in workshop.shocks_now(school)],
            "team": [p.name for p in workshop.team(school)],
            **health_view(model, school), "notice": notice,
            "sent": sent, "events": events, "decision": decision.as_row(),
            "offered": candidates(model, school),
            "budget": budget, "n_schools": model.p.n_schools, "limit": max_leaders(model),
            "disabled": workshop.paused or workshop.finished}
    return SchoolSnapshot(key, school, year, view)


def health_view(model, school: int) -> dict:
    """The phone's health: now, a year ago and each month since the start, in percent (one decimal, as the
    trend line draws it), the line where a community forms, and why it moved over the last year."""
    tables = model.datacollector.model_vars["schools"]  # each month: (measures, schools)
    series = [round(100 * float(table[_HEALTH][school]), 1) for table in tables]
    p = model.p
    view = {"health": series[-1], "trend": series, "healthy_line": round(100 * p.implementing_level),
            "healthy_words": f"Dashed line: a community forms once a school year's mean health reaches "
                             f"{p.implementing_level:.0%}; it stays healthy until a year's mean falls below "
                             f"{p.initiating_level:.0%}.",
            "year_ago": None, "why": ""}
    if model.steps >= TICKS_PER_YEAR:
        then, now = (dict(zip(SCHOOL_MEASURES, tables[tick][:, school], strict=True))
                     for tick in (model.steps - TICKS_PER_YEAR, model.steps))
        view.update(year_ago=series[model.steps - TICKS_PER_YEAR], why=why_sentence(then, now))
    return view


@solara.component
def ParticipantPage(workshop: Workshop, views: SchoolViews, address: str | None = None):
    """Join (or come back from this browser's stored place), then the school's page. ``address`` is the
    browser's network address, which the session's door counts (None: not counted, a page in a test)."""
    token, set_token = solara.use_state(None)
    stored, set_stored = solara.use_state(None)  # what this browser keeps: None leaves it, "" forgets it
    looked, set_looked = solara.use_state(False)
    notice, set_notice = solara.use_state("")

    def enter(new_token: str) -> None:
        set_token(new_token)
        set_stored(new_token)
        set_notice("")

    def leave(message: str) -> None:
        set_token(None)
        set_stored("")
        set_notice(message)

    def found(saved: str) -> None:
        if saved:
            try:
                enter(workshop.participant(saved).token)
            except WorkshopError as problem:
                leave(str(problem))
        set_looked(True)

    solara.Style(PHONE_CSS)
    solara.Title("Join the room · plc-sim workshop" if token is None else "Your school · plc-sim workshop")
    Place.element(key=place_key(workshop.code), token=stored, on_found=found)
    with solara.Column(classes=["ws-page"]):
        if token is not None:
            SchoolView(workshop, views, token, leave)
        elif looked:
            JoinForm(workshop, enter, notice, address)
        else:
            solara.Text("Looking for your place in this room...")


@solara.component
def JoinForm(workshop: Workshop, on_joined, notice: str = "", address: str | None = None):
    code, set_code = solara.use_state("")
    name, set_name = solara.use_state("")
    rejoin, set_rejoin = solara.use_state("")
    error, set_error = solara.use_state(notice)

    def join():
        try:
            on_joined(workshop.join(code, name, rejoin, address).token)
        except WorkshopError as problem:
            set_error(str(problem))

    solara.HTML(tag="div", unsafe_innerHTML="Lead a school", classes=["ws-title"])
    solara.Text("Type the room's code and your name. Each of you leads one school of a shared network; "
                "if you close this page, your school keeps last year's decisions until you come back.")
    solara.InputText("Room code", value=code, on_value=set_code, continuous_update=True, classes=["ws-code"])
    solara.InputText("Your name", value=name, on_value=set_name, continuous_update=True, classes=["ws-name"])
    solara.InputText(f"Rejoin code (only to come back from another device: the {CODE_LENGTH} characters your "
                     "page showed)", value=rejoin, on_value=set_rejoin, continuous_update=True,
                     classes=["ws-rejoin"])
    solara.Button("Join", on_click=join, color="primary", classes=["ws-join"])
    if error:
        solara.Error(error, classes=["ws-error"])


@solara.component
def SchoolView(workshop: Workshop, views: SchoolViews, token: str, on_lost):
    me = workshop.participants.get(token)
    school = -1 if me is None else me.school
    snapshot, here = use_workshop_version(
        workshop, lambda: (views.get(school) if school >= 0 else None, token in workshop.participants))
    reply, set_reply = solara.use_state({})

    def lost():
        if not here:
            try:
                workshop.participant(token)
            except WorkshopError as problem:
                on_lost(str(problem))

    def decide(sent) -> None:
        """Hand what the page sent to the session, which checks every part of it; say what happened."""
        form = sent if isinstance(sent, dict) else {}
        try:
            workshop.submit(token, form.get("school"), form.get("year"), form.get("form"), form.get("values"))
            set_reply({"year": snapshot.year, "kind": "ok",
                       "text": f"Sent: your school will act on this in year {snapshot.year}."})
        except WorkshopError as problem:
            set_reply({"year": snapshot.year, "kind": "error", "text": str(problem)})

    solara.use_effect(lost, [here])
    if not here or snapshot is None:
        return
    Countdown.element(seconds=countdown_seconds(workshop.seconds_left()), year=snapshot.year)
    SchoolYear.element(view=snapshot.view, texts=TEXTS, rejoin=me.rejoin, form_id=me.form, reply=reply,
                       on_decide=decide)

"""The participant's page, made for a phone: join with the room's code and a name, then decide each school year.

The page holds only the participant's token (kept in the browser by :class:`~plc_sim.workshop.place.Place`, so
a closed tab comes back to the same school); everything else is read from the shared :class:`Workshop` and
redrawn when the server says it changed (:func:`use_workshop_version`). What a school's pages show is computed
once per change for all of them (:class:`SchoolViews`), not once per page. Whatever a participant types is
checked by the session (:meth:`Workshop.submit`, :meth:`Workshop.join`); a refusal is shown on the page and
changes nothing.
"""

from __future__ import annotations

import html
import threading
import uuid
from dataclasses import dataclass

import solara

from plc_sim.workshop.decisions import (
    DECISION_FIELDS,
    LEADERS_CONTEXT,
    PARTNER_CONTEXT,
    Decision,
    candidates,
    max_leaders,
)
from plc_sim.workshop.place import Place, place_key
from plc_sim.workshop.session import MAX_YEARS, REJOIN_LENGTH, Workshop, WorkshopError
from simulation.events import describe_events
from simulation.parameters import TICKS_PER_YEAR

PHONE_CSS = """
.ws-page { max-width: 520px; margin: 0 auto; padding: 8px 12px 40px 12px; font-size: 16px; }
.ws-title { font-size: 22px; font-weight: 600; margin: 6px 0; }
.ws-context { font-size: 13.5px; color: #555; margin: -4px 0 10px 0; line-height: 1.3; }
.ws-status { padding: 6px 10px; border-radius: 8px; background: #eef3f8; margin: 6px 0; }
.ws-paused { background: #fff3cd; }
.ws-leaders td, .ws-leaders th { padding: 2px 6px; font-size: 14px; text-align: left; }
.ws-leaders td:first-child { white-space: nowrap; }
.ws-events { font-size: 14px; padding-left: 18px; }
.ws-label { font-weight: 500; margin-top: 10px; }
.ws-rejoin-line { font-size: 13.5px; color: #555; margin: 4px 0; }
"""

LABELS = {"meeting_time": "Protected collaboration time", "distribution": "Leadership distribution",
          "induction": "Induction of newcomers"}
"""Short labels for the decisions' sliders (their full meaning is the sentence below each)."""


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


@dataclass(frozen=True, eq=False)
class SchoolSnapshot:
    """What every page of one school shows for one state of the session; a new object only when that changes
    (pages compare snapshots by identity)."""

    key: tuple
    school: int
    year: int
    header: str  # title, team, health, notices and last year's events, as escaped HTML
    decision: Decision
    offered: list[dict]
    budget: float
    n_schools: int
    limit: int
    disabled: bool


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
    """What a school's pages show that can change: the month, pause, the team, its decision and budget."""
    return (workshop.model.steps, workshop.paused, workshop.finished, tuple(p.name for p in workshop.team(school)),
            workshop.pending.get(school), float(workshop.budget[school]))


def school_snapshot(workshop: Workshop, school: int, key: tuple) -> SchoolSnapshot:
    """Read ``school``'s page from the session (the caller holds the session's lock)."""
    model, year = workshop.model, workshop.year
    decision, source, _ = workshop.decision_for(school)
    team = ", ".join(html.escape(p.name) for p in workshop.team(school))
    health = float(model.observer.current["health"][school])
    lines = [line.text for line in describe_events(
        [e for e in model.events if school in e.schools and e.tick > model.steps - TICKS_PER_YEAR], model.p)]
    state = "sent by your team" if source == "participant" else "not sent yet: last year's choices will be kept"
    notice = ("The facilitator has paused the session: talk it over." if workshop.paused
              else "The session has ended: thank you." if workshop.finished else "")
    events = ("<div class='ws-label'>Last year in your school:</div><ul class='ws-events'>"
              + "".join(f"<li>{html.escape(t)}</li>" for t in lines) + "</ul>") if lines else ""
    header = (f"<div class='ws-title ws-school'>School {school + 1} &middot; year {min(year, MAX_YEARS)}</div>"
              f"<div class='ws-team'>Your team: {team}</div>"
              f"<div class='ws-status ws-health'>Community health now: <b>{health:.2f}</b> (0 to 1)</div>"
              + (f"<div class='ws-status ws-paused'>{notice}</div>" if notice else "")
              + f"<div class='ws-status ws-sent'>Decisions for year {year}: {state}</div>{events}")
    return SchoolSnapshot(key, school, year, header, decision, candidates(model, school, decision.leaders),
                          float(workshop.budget[school]), model.p.n_schools, max_leaders(model),
                          workshop.paused or workshop.finished)


@solara.component
def ParticipantPage(workshop: Workshop, views: SchoolViews):
    """Join (or come back from this browser's stored place), then the school's page."""
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
    Place.element(key=place_key(workshop.code), token=stored, on_found=found)
    with solara.Column(classes=["ws-page"]):
        if token is not None:
            SchoolView(workshop, views, token, leave)
        elif looked:
            JoinForm(workshop, enter, notice)
        else:
            solara.Text("Looking for your place in this room...")


@solara.component
def JoinForm(workshop: Workshop, on_joined, notice: str = ""):
    code, set_code = solara.use_state("")
    name, set_name = solara.use_state("")
    rejoin, set_rejoin = solara.use_state("")
    error, set_error = solara.use_state(notice)

    def join():
        try:
            on_joined(workshop.join(code, name, rejoin).token)
        except WorkshopError as problem:
            set_error(str(problem))

    solara.HTML(tag="div", unsafe_innerHTML="Lead a school", classes=["ws-title"])
    solara.Text("Type the room's code and your name. Each of you leads one school of a shared network; "
                "if you close this page, your school keeps last year's decisions until you come back.")
    solara.InputText("Room code", value=code, on_value=set_code, continuous_update=True, classes=["ws-code"])
    solara.InputText("Your name", value=name, on_value=set_name, continuous_update=True, classes=["ws-name"])
    solara.InputText(f"Rejoin code (only to come back from another device: the {REJOIN_LENGTH} characters your "
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

    def lost():
        if not here:
            try:
                workshop.participant(token)
            except WorkshopError as problem:
                on_lost(str(problem))

    solara.use_effect(lost, [here])
    if not here or snapshot is None:
        return
    solara.HTML(tag="div", unsafe_innerHTML=snapshot.header)  # one widget: an advance updates the header at once
    solara.HTML(tag="div", classes=["ws-rejoin-line"], unsafe_innerHTML=(
        f"Your rejoin code: <b class='ws-rejoin-code'>{html.escape(me.rejoin)}</b> (to come back from another "
        "device, type it with your name; keep it to yourself)"))
    DecisionForm(workshop, token, snapshot)


@solara.component
def Note(text: str, kind: str = "ws-context"):
    """A fixed sentence (escaped); as a component with unchanging arguments it is not redrawn with the page."""
    solara.HTML(tag="div", unsafe_innerHTML=html.escape(text), classes=[kind])


@solara.component
def DecisionForm(workshop: Workshop, token: str, snapshot: SchoolSnapshot):
    school, year, decision, disabled = snapshot.school, snapshot.year, snapshot.decision, snapshot.disabled
    budget, n_schools = snapshot.budget, snapshot.n_schools
    draft, set_draft = solara.use_state((year, decision.as_row()))  # (year, form values); a new year starts afresh
    message, set_message = solara.use_state((0, "", ""))
    values = draft[1] if draft[0] == year else decision.as_row()

    def change(name):
        return lambda value: set_draft((year, {**values, name: value}))

    def send():
        try:
            workshop.submit(token, school, year, uuid.uuid4().hex, values)
            set_message((year, "ok", f"Sent: your school will act on this in year {year}."))
        except WorkshopError as problem:
            set_message((year, "error", str(problem)))

    for name, declared in DECISION_FIELDS.items():
        solara.HTML(tag="div", unsafe_innerHTML=f"{LABELS[name]}: {values[name]:.2f}", classes=["ws-label"])
        Note(f"{declared.meaning}. {declared.source}")
        with solara.Div(classes=[f"ws-{name}"]):
            solara.SliderFloat("", value=values[name], min=0.0, max=1.0, step=0.05, on_value=change(name),
                               disabled=disabled)
    spent = values["meeting_time"] + values["induction"]
    solara.HTML(tag="div", unsafe_innerHTML=f"Budget this year: {budget:.2f}; time plus induction costs "
                f"{spent:.2f}" + (" &mdash; too much" if spent > budget + 1e-9 else ""), classes=["ws-budget"])
    partners = {"none": -1, **{f"School {k + 1}": k for k in range(n_schools) if k != school}}
    chosen = next((label for label, k in partners.items() if k == values["partner"]), "none")
    solara.Select("Partner school", values=list(partners), value=chosen, disabled=disabled,
                  on_value=lambda label: change("partner")(partners[label]), classes=["ws-partner"])
    Note(PARTNER_CONTEXT)
    LeaderChoice(snapshot.offered, values["leaders"], snapshot.limit, change("leaders"), disabled)
    solara.Button(f"Send decisions for year {year}", on_click=send, color="primary", disabled=disabled,
                  classes=["ws-send"])
    sent_in, kind, text = message
    if sent_in != year:
        return
    if kind == "error":
        solara.Error(text, classes=["ws-error"])
    elif kind == "ok":
        solara.Success(text, classes=["ws-ok"])


def candidates_html(offered: list[dict]) -> str:
    """The teachers the form offers as leaders, with their knowledge and engagement, as a compact table."""
    rows = "".join(f"<tr><td>Teacher {t['person']}</td><td>{t['knowledge']:.2f}</td><td>{t['engagement']:.2f}</td>"
                   f"<td>{t['tenure']}</td><td>{'yes' if t['is_leader'] else ''}</td></tr>" for t in offered)
    return ("<table class='ws-leaders'><thead><tr><th>teacher</th><th>knowledge</th><th>engagement</th>"
            f"<th>years</th><th>leader now</th></tr></thead><tbody>{rows}</tbody></table>")


@solara.component
def LeaderChoice(offered, named, limit, on_named, disabled):
    Note(f"Teacher leaders to name (up to {limit}; none: the model picks)", "ws-label")
    Note(LEADERS_CONTEXT)
    solara.HTML(tag="div", unsafe_innerHTML=candidates_html(offered))
    label = {t["person"]: f"Teacher {t['person']}" for t in offered}
    person = {text: number for number, text in label.items()}
    solara.SelectMultiple("Name as teacher leaders", values=[label[p] for p in named if p in label],
                          all_values=list(person), on_value=lambda texts: on_named(sorted(person[t] for t in texts)),
                          disabled=disabled, classes=["ws-leaders-pick"])

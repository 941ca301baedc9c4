"""The facilitator's page, for a projector: join address, QR code and code; years, timer, pause and shocks; the
room's schools; and the debrief with a replay of the session.

Its state lives in the shared :class:`Workshop`, so reloading the page keeps the session.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import segno
import solara

from plc_sim.workshop import record
from plc_sim.workshop.countdown import Countdown, countdown_seconds
from plc_sim.workshop.debrief import choices_html, choices_table, health_figure
from plc_sim.workshop.gate import PLACE_CHOICES
from plc_sim.workshop.participant import use_workshop_version
from plc_sim.workshop.session import (
    ALL_SCHOOLS,
    MAX_YEARS,
    READMIT_SECONDS,
    SHOCK_LABELS,
    Workshop,
    WorkshopError,
)
from simulation import school_frame
from simulation.calendar import school_time
from simulation.events import school_phrase
from simulation.parameters import TICKS_PER_YEAR

FACILITATOR_CSS = """
.ws-join-line { font-size: 26px; overflow-wrap: anywhere; }
.ws-room-wrap, .ws-door, .ws-choices { max-width: 100%; overflow-x: auto; }
.ws-facilitator .v-row { margin-left: 0; margin-right: 0; }
.v-application, .v-application__wrap, .ws-facilitator, .ws-facilitator * { min-width: 0; }
.ws-facilitator .v-field-label, .ws-facilitator .v-label { color: #3a3a3a !important; opacity: 1 !important; }
.ws-facilitator { max-width: 100%; padding: 4px 16px; box-sizing: border-box; }
@media (max-width: 700px) {
  .ws-facilitator .v-row > .v-col { flex: 1 1 100%; max-width: 100%; }
}
.ws-replay-year { padding: 0 16px; }
img.ws-qr { max-width: 100%; height: auto; }
.ws-join-line b { font-size: 34px; letter-spacing: 3px; }
.ws-who { font-size: 16px; color: #444; }
table.ws-room { border-collapse: collapse; font-size: 16px; }
table.ws-room caption { text-align: left; font-weight: 500; }
.ws-choices table { border-collapse: collapse; font-size: 16px; }
.ws-choices td, .ws-choices th { border-bottom: 1px solid #ddd; padding: 2px 8px; text-align: left; }
.ws-replay ul { columns: 2; margin: 4px 0; }
.ws-debrief-view h3 { font-size: 20px; margin: 8px 0 4px 0; }
.ws-facilitator .v-btn, .ws-facilitator .v-label, .ws-facilitator input, .ws-facilitator .v-select__selection,
.ws-facilitator .v-alert, .ws-facilitator .v-messages, .v-menu__content .v-list-item__title { font-size: 16px; }
table.ws-room td, table.ws-room th { border-bottom: 1px solid #ddd; padding: 2px 8px; text-align: left; }
.ws-decayed { color: #c62828; font-weight: 600; }
img.ws-health { max-width: 100%; align-self: flex-start; }
.ws-countdown { font-size: 30px; font-weight: 500; margin: 4px 0; }
"""

TIMER_CHOICES = {"off": None, "1 minute": 60, "2 minutes": 120, "3 minutes": 180, "5 minutes": 300}
ALL = "all schools"


def shock_target(label, n_schools: int):
    """The session's target for the "Hits" menu's ``label``: all schools, one school's number, or None (nothing
    chosen, which the session refuses with a sentence)."""
    if label == ALL:
        return ALL_SCHOOLS
    numbers = {f"School {k + 1}": k for k in range(n_schools)}
    return numbers.get(label)


@dataclass(frozen=True)
class Room:
    """Where participants join and who can reach the server."""

    join_url: str
    who: str
    results: Path


def qr_data_uri(url: str) -> str:
    """The join address as a QR code (an SVG data URI), drawn locally by segno."""
    return segno.make(url, error="m").svg_data_uri(scale=6, border=2)


def room_table_html(workshop: Workshop) -> str:
    """One row per school: its team (names escaped), its health now, and this year's decisions in percent as its
    team's form shows them (sent, or last year's kept on autopilot)."""
    model = workshop.model
    now = model.observer.current
    rows = []
    for school in range(model.p.n_schools):
        team = ", ".join(html.escape(p.name) for p in workshop.team(school)) or "<i>autopilot</i>"
        decision, source, _ = workshop.decision_for(school)
        decayed = bool(now["decayed"][school])
        rows.append(f"<tr><td>School {school + 1}</td><td>{team}</td>"
                    f"<td class='{'ws-decayed' if decayed else ''}'>{now['health'][school]:.0%}"
                    f"{' decayed' if decayed else ''}</td>"
                    f"<td>{'sent' if source == 'participant' else 'last year&#39;s'}</td>"
                    f"<td>{decision.meeting_time:.0%}</td><td>{decision.distribution:.0%}</td>"
                    f"<td>{decision.induction:.0%}</td></tr>")
    return ("<table class='ws-room'><thead><tr><th>school</th><th>team</th><th>health</th>"
            "<th>this year's decisions</th><th>protected time</th><th>leadership distribution</th>"
            "<th>induction</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


@solara.component
def FacilitatorPage(workshop: Workshop, room: Room):
    version = use_workshop_version(workshop)
    debrief, set_debrief = solara.use_state(False)
    message, set_message = solara.use_state("")
    solara.Style(FACILITATOR_CSS)
    solara.Title("Facilitator · plc-sim workshop")

    def act(action):
        def run(*args):
            try:
                action(*args)
                set_message("")
            except WorkshopError as problem:
                set_message(str(problem))
        return run

    with solara.Column(classes=["ws-facilitator"]):
        if debrief:  # the debrief needs the screen: only the controls stay above it
            Controls(workshop, act, set_debrief, debrief, version)
            if message:
                solara.Error(message, classes=["ws-error"])
            Debrief(workshop, room)
            return
        with solara.Columns([8, 3]):
            with solara.Column():
                solara.HTML(tag="div", classes=["ws-join-line"], unsafe_innerHTML=(
                    f"Join at <b>{html.escape(room.join_url)}</b> with code <b class='ws-code'>{workshop.code}</b>"))
                solara.HTML(tag="div", classes=["ws-who"], unsafe_innerHTML=html.escape(room.who))
                Countdown.element(seconds=countdown_seconds(workshop.seconds_left()), year=workshop.year)
                Controls(workshop, act, set_debrief, debrief, version)
                shocks = [a for a in workshop.actions if a.kind == "shock" and a.tick == workshop.model.steps]
                if shocks:
                    solara.HTML(tag="div", classes=["ws-shocked"], unsafe_innerHTML="Before this year: " + "; ".join(
                        f"{SHOCK_LABELS[a.shock].lower()} ({school_phrase(a.schools, workshop.params.n_schools)})"
                        for a in shocks))
                if message:
                    solara.Error(message, classes=["ws-error"])
                LetBackIn(workshop, version)
                Door(workshop, act, version)
            solara.HTML(tag="img", attributes={"src": qr_data_uri(room.join_url),
                                               "alt": "QR code of the join address", "width": "200"},
                        classes=["ws-qr"])
        solara.HTML(tag="div", unsafe_innerHTML=room_table_html(workshop), classes=["ws-room-wrap"])


@solara.component
def Controls(workshop: Workshop, act, set_debrief, debrief: bool, version: int):
    """The facilitator's buttons; ``version`` (the session's) makes it redraw whenever the session changes."""
    shock, set_shock = solara.use_state("budget_cut")
    target, set_target = solara.use_state(ALL)
    timer = next((k for k, v in TIMER_CHOICES.items() if v == workshop.timer_seconds), "off")
    year = workshop.year
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        coming = school_time(workshop.model.steps + (0 if workshop.finished else 1))
        solara.HTML(tag="span", unsafe_innerHTML=f"Deciding Year <b class='ws-year'>{min(year, MAX_YEARS)}</b>"
                    f"{html.escape(coming[coming.index(','):])} &middot; {len(workshop.participants)} joined",
                    classes=["ws-when"])
        solara.Button(f"Run year {year}", on_click=act(workshop.advance), color="primary",
                      disabled=workshop.paused or workshop.finished, classes=["ws-advance"])
        solara.Button("Resume" if workshop.paused else "Pause",
                      on_click=act(lambda: workshop.set_paused(not workshop.paused)), classes=["ws-pause"])
        solara.Select("Timer", values=list(TIMER_CHOICES), value=timer,
                      on_value=act(lambda label: workshop.set_timer(TIMER_CHOICES[label])), classes=["ws-timer"])
        solara.Button("Back to the room" if debrief else "Debrief", on_click=lambda: set_debrief(not debrief),
                      classes=["ws-debrief"])
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        labels = {label: name for name, label in SHOCK_LABELS.items()}
        solara.Select("Shock", values=list(labels), value=SHOCK_LABELS[shock],
                      on_value=lambda label: set_shock(labels[label]), classes=["ws-shock-name"])
        targets = [ALL, *(f"School {k + 1}" for k in range(workshop.params.n_schools))]
        solara.Select("Hits", values=targets, value=target, on_value=set_target, classes=["ws-shock-target"])
        solara.Button("Shock now", on_click=act(lambda: workshop.shock(
            shock, shock_target(target, workshop.params.n_schools))), color="warning", classes=["ws-shock"])


@solara.component
def LetBackIn(workshop: Workshop, version: int):
    """Lets a participant whose device died back in by name alone, for a short while (no rejoin code needed);
    ``version`` (the session's) makes it redraw when someone joins."""
    names = sorted(p.name for p in workshop.participants.values())
    chosen, set_chosen = solara.use_state("")
    said, set_said = solara.use_state("")

    def let_in():
        try:
            workshop.readmit(chosen)
            set_said(f"{chosen} can now rejoin by name alone (within {READMIT_SECONDS // 60} minutes, once).")
        except WorkshopError as problem:
            set_said(str(problem))

    if not names:
        return
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Select("Lost their device", values=names, value=chosen if chosen in names else None,
                      on_value=set_chosen, classes=["ws-readmit-name"])
        solara.Button("Let back in", on_click=let_in, disabled=chosen not in names, classes=["ws-readmit"])
    if said:
        solara.Text(said, classes=["ws-readmit-said"])


@solara.component
def Door(workshop: Workshop, act, version: int):
    """Places per device, and the door's log: wrong codes and refused places, by client address (newest first);
    ``version`` (the session's) makes it redraw when a wrong try is counted."""
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Select("Places per device", values=[str(n) for n in PLACE_CHOICES],
                      value=str(workshop.places_per_address), classes=["ws-places"], style={"max-width": "220px"},
                      on_value=act(lambda text: workshop.allow_places(int(text))))
    lines = list(workshop.gate.log)[::-1]
    if lines:
        solara.HTML(tag="div", classes=["ws-door"], unsafe_innerHTML=door_log_html(lines))


def door_log_html(lines) -> str:
    """The door's log as a small table (addresses and names escaped)."""
    rows = "".join(f"<tr><td>{time.strftime('%H:%M:%S', time.localtime(at))}</td>"
                   f"<td>{html.escape(address)}</td><td>{html.escape(text)}</td></tr>" for at, address, text in lines)
    return ("<table class='ws-room'><caption>Refused at the door</caption><thead><tr><th>time</th><th>address</th>"
            "<th>what</th></tr></thead><tbody>" + rows + "</tbody></table>")


@solara.component
def Debrief(workshop: Workshop, room: Room):
    use_workshop_version(workshop)
    with workshop.lock:
        schools = school_frame(workshop.model)
        decisions = record.decision_table(workshop.actions)
        last_year = workshop.model.steps // TICKS_PER_YEAR
    at, set_at = solara.use_state(last_year)
    checked, set_checked = solara.use_state("")
    at = min(at, last_year)
    healthy = workshop.params.implementing_level
    image = solara.use_memo(lambda: health_figure(schools, decisions, at + 1 if at < last_year else None, healthy),
                            [len(schools), len(decisions), at])

    def check_replay():
        folder, refusal = record.save_or_refusal(workshop, room.results)
        if folder is None:
            set_checked(f"Not saved: {refusal}")
            return
        same = record.replays_identically(folder)
        set_checked(f"Saved to {folder}. Rerun from the seed and the decision log: "
                    + ("identical series." if same else "the series DIFFER."))

    with solara.Column(classes=["ws-debrief-view"]):
        solara.HTML(tag="h3", unsafe_innerHTML="How did each school's community fare?")
        solara.HTML(tag="img", attributes={"src": image, "alt": "every school's health over time"},
                    classes=["ws-health"])
        solara.HTML(tag="div", unsafe_innerHTML="Filled dots: a year the team decided; hollow: autopilot. "
                    "Red: the community decayed at some point. Dashed red line: the healthy line, where a "
                    f"community forms ({healthy:.0%} over a school year).", classes=["ws-who"])
        solara.HTML(tag="h3", unsafe_innerHTML="Which choices went with communities that lasted?")
        solara.HTML(tag="div", unsafe_innerHTML=choices_html(choices_table(decisions, schools)),
                    classes=["ws-choices"])
        if last_year:
            with solara.Div(classes=["ws-replay-year"]):
                solara.SliderInt(f"Replay: the room at the start of year {at + 1}", value=at + 1, min=1,
                                 max=last_year + 1, on_value=lambda y: set_at(y - 1))
            solara.HTML(tag="div", classes=["ws-replay"], unsafe_innerHTML=replay_line(schools, decisions, at))
        solara.Button("Save and check the replay", on_click=check_replay, classes=["ws-check-replay"])
        if checked:
            solara.Info(checked, classes=["ws-replay-result"])


def replay_line(schools: pd.DataFrame, decisions: pd.DataFrame, year_index: int) -> str:
    """One sentence per school at the start of year ``year_index + 1``: its health and what it decided."""
    now = schools[schools.tick == year_index * TICKS_PER_YEAR].set_index("school").health
    chosen = decisions[decisions.year == year_index + 1].set_index("school")
    parts = []
    for school, health in now.items():
        row = chosen.loc[school] if school in chosen.index else None
        what = "" if row is None else (f": time {row.meeting_time:.0%}, distribution {row.distribution:.0%}, "
                                       f"induction {row.induction:.0%} ({row.source})")
        parts.append(f"<li>School {school + 1}: health {health:.0%}{what}</li>")
    return "<ul>" + "".join(parts) + "</ul>"

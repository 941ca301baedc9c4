"""The participant's page, made for a phone: join with the room's code and a name, then decide each school year.

The page holds only the participant's token; everything else is read from the shared :class:`Workshop` and
redrawn when the server says it changed (:func:`use_workshop_version`). Whatever a participant types is
checked by the session (:meth:`Workshop.submit`); a refusal is shown on the page and changes nothing.
"""

from __future__ import annotations

import html
import uuid

import solara

from plc_sim.workshop.decisions import DECISION_FIELDS, LEADERS_CONTEXT, PARTNER_CONTEXT, candidates, max_leaders
from plc_sim.workshop.session import MAX_YEARS, Workshop, WorkshopError
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
"""

LABELS = {"meeting_time": "Protected collaboration time", "distribution": "Leadership distribution",
          "induction": "Induction of newcomers"}
"""Short labels for the decisions' sliders (their full meaning is the sentence below each)."""


def use_workshop_version(workshop: Workshop, view=None):
    """Redraw the calling component when the session changes in a way it shows.

    A thread waits on the session's condition, so an advance reaches every open page at once (no polling
    delay). ``view`` (a function of nothing) says what the component shows: the component redraws only when its
    value changes (a participant's page ignores other schools' forms); without it, on every change.
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
                    set_shown(current)

    solara.use_thread(watch, dependencies=[])
    return shown


@solara.component
def ParticipantPage(workshop: Workshop):
    token, set_token = solara.use_state(None)
    solara.Style(PHONE_CSS)
    with solara.Column(classes=["ws-page"]):
        if token is None:
            JoinForm(workshop, set_token)
        else:
            SchoolView(workshop, token)


@solara.component
def JoinForm(workshop: Workshop, on_joined):
    code, set_code = solara.use_state("")
    name, set_name = solara.use_state("")
    error, set_error = solara.use_state("")

    def join():
        try:
            on_joined(workshop.join(code, name).token)
        except WorkshopError as problem:
            set_error(str(problem))

    solara.HTML(tag="div", unsafe_innerHTML="Lead a school", classes=["ws-title"])
    solara.Text("Type the room's code and your name. Each of you leads one school of a shared network; "
                "if you close this page, your school keeps last year's decisions until you come back.")
    solara.InputText("Room code", value=code, on_value=set_code, continuous_update=True, classes=["ws-code"])
    solara.InputText("Your name", value=name, on_value=set_name, continuous_update=True, classes=["ws-name"])
    solara.Button("Join", on_click=join, color="primary", classes=["ws-join"])
    if error:
        solara.Error(error, classes=["ws-error"])


def school_view_key(workshop: Workshop, school: int) -> tuple:
    """What a participant's page shows that others can change: the year, pause, the team and its decision."""
    with workshop.lock:
        return (workshop.year, workshop.paused, workshop.finished, len(workshop.team(school)),
                workshop.pending.get(school))


@solara.component
def SchoolView(workshop: Workshop, token: str):
    me = workshop.participant(token)
    use_workshop_version(workshop, lambda: school_view_key(workshop, me.school))
    with workshop.lock:
        year, school, model = workshop.year, me.school, workshop.model
        team = ", ".join(html.escape(p.name) for p in workshop.team(school))
        decision, source, _ = workshop.decision_for(school)
        health = float(model.observer.current["health"][school])
        offered = candidates(model, school, decision.leaders)
        budget = float(workshop.budget[school])
        lines = [line.text for line in describe_events(
            [e for e in model.events if school in e.schools and e.tick > model.steps - TICKS_PER_YEAR], model.p)]
        paused, finished, n_schools, limit = workshop.paused, workshop.finished, model.p.n_schools, max_leaders(model)
    state = "sent by your team" if source == "participant" else "not sent yet: last year's choices will be kept"
    notice = ("The facilitator has paused the session: talk it over." if paused
              else "The session has ended: thank you." if finished else "")
    events = ("<div class='ws-label'>Last year in your school:</div><ul class='ws-events'>"
              + "".join(f"<li>{html.escape(t)}</li>" for t in lines) + "</ul>") if lines else ""
    solara.HTML(tag="div", unsafe_innerHTML=(  # one widget: an advance updates the whole header at once
        f"<div class='ws-title ws-school'>School {school + 1} &middot; year {min(year, MAX_YEARS)}</div>"
        f"<div class='ws-team'>Your team: {team}</div>"
        f"<div class='ws-status ws-health'>Community health now: <b>{health:.2f}</b> (0 to 1)</div>"
        + (f"<div class='ws-status ws-paused'>{notice}</div>" if notice else "")
        + f"<div class='ws-status ws-sent'>Decisions for year {year}: {state}</div>{events}"))
    DecisionForm(workshop, token, school, year, decision, offered, budget, n_schools, limit,
                 disabled=paused or finished)


@solara.component
def Note(text: str, kind: str = "ws-context"):
    """A fixed sentence (escaped); as a component with unchanging arguments it is not redrawn with the page."""
    solara.HTML(tag="div", unsafe_innerHTML=html.escape(text), classes=[kind])


@solara.component
def DecisionForm(workshop, token, school, year, decision, offered, budget, n_schools, limit, disabled):
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
    LeaderChoice(offered, values["leaders"], limit, change("leaders"), disabled)
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

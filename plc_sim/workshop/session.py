"""One workshop session: a shared, seeded model; the participants; their decisions; the facilitator's controls.

Everything a page does goes through a :class:`Workshop` method, under one lock, and every change bumps
``version`` and wakes the pages waiting in :meth:`Workshop.wait_for_change` (the server pushes updates to every
browser). A participant can change only their own school, for the year the room is deciding, with the
single-use form id the session gave their page: anything else raises :class:`WorkshopError` with a sentence
to show and changes nothing.

The session's log (:attr:`Workshop.actions`) lists, in order, every decision applied and every shock: with the
seed it reproduces the session exactly (:func:`plc_sim.workshop.record.replay`).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from plc_sim.workshop.decisions import (
    FULL_BUDGET,
    Decision,
    DecisionError,
    NamedRoles,
    apply_decision,
    parse_decision,
    partner_links,
    teachers_of,
)
from plc_sim.workshop.gate import CODE_ALPHABET, CODE_LENGTH, PLACES_PER_ADDRESS, Gate
from plc_sim.workshop.names import same_name
from simulation.model import PLCModel
from simulation.parameters import TICKS_PER_YEAR, Params
from simulation.rules import LIVE_SHOCKS

MAX_NAME = 40
"""Longest participant name, in characters."""

MAX_PARTICIPANTS = 300
MAX_YEARS = 30
"""Most school years one session runs."""

ALL_SCHOOLS = "all"
"""The target of a shock that hits every school (else one school's 0-based number)."""

READMIT_SECONDS = 120
"""How long a name the facilitator lets back in may rejoin without its rejoin code."""

SHOCK_LABELS = {
    "principal_leaves": "Your principal is promoted away",
    "budget_cut": "Budget cut",
    "turnover_wave": "Turnover wave",
    "policy_focus": "New policy",
}
"""The facilitator's shocks (the model's live shocks), as the room hears them."""


def shock_news(name: str, params: Params, budget: float) -> str:
    """What a phone says the moment shock ``name`` hits its school: that it is a shock, and what it does
    (``budget``: the school's budget after it, for a budget cut)."""
    news = {
        "principal_leaves": "your principal has been promoted away and a successor arrives now. The support and "
                            "focus the principal held leave with them; the roles and focus your teacher leaders "
                            "hold stay",
        "budget_cut": f"a budget cut: your budget for protected time and induction falls to {budget:.0%} of the "
                      "original, from the coming year on; choices that cost more are scaled down to fit",
        "turnover_wave": f"a turnover wave: each of your staff leaves now with a {params.turnover_wave_share:.0%} "
                         "chance, and newcomers, who do not yet know or trust the team, take their places",
        "policy_focus": "a new policy from outside: your principal's focus turns to it and it adds "
                        f"{params.policy_workload:.0%} to your staff's workload; the focus your teacher leaders "
                        "hold stays",
    }
    return f"Shock: {news[name]}. It acts on the coming year: think again about your decisions."


class WorkshopError(ValueError):
    """An action the session refuses; the message is shown to whoever tried it."""


@dataclass
class Participant:
    """Someone in the room: a name, the school they lead (0-based), the secret token their browser holds, and
    the short rejoin code their page shows (to come back from another device), the client address that holds
    the place (None: a caller in this process, such as a test), and the one form id their page may send next
    (single use: replaced when used and at every advance, so a replayed or stale form is refused and nothing
    piles up)."""

    number: int
    name: str
    school: int
    token: str
    rejoin: str
    address: str | None = None
    form: str = field(default_factory=lambda: new_form())
    readmit_until: float = 0.0  # the session's clock until which the facilitator lets the name back in


@dataclass(frozen=True)
class Action:
    """One entry of the session log: a decision applied to a school, or a shock, at ``tick``."""

    seq: int
    tick: int
    kind: str  # "decision" or "shock"
    schools: tuple[int, ...]
    decision: Decision | None = None
    shock: str = ""
    source: str = ""  # for a decision: "participant" or "autopilot"
    participant: int = -1


def new_token() -> str:
    """A participant's secret token (from :mod:`secrets`, never the model's generator)."""
    return secrets.token_urlsafe(16)


def new_code() -> str:
    """A join or rejoin code: :data:`~plc_sim.workshop.gate.CODE_LENGTH` characters from ``CODE_ALPHABET``."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_form() -> str:
    """A participant's next form id (from :mod:`secrets`)."""
    return secrets.token_urlsafe(12)


def typed_code(text: str) -> str:
    """A code as typed on a phone, compared as shown: spaces and dashes dropped, upper case."""
    return "".join(text.split()).replace("-", "").upper()


def clean_name(text) -> str:
    """A participant's name: NFKC-normalized (full-width letters, ligatures and the like become the letters they
    stand for, so the name shown is the name compared), trimmed, inner spaces collapsed, 1 to MAX_NAME printable
    characters."""
    if not isinstance(text, str):
        raise WorkshopError("name: expected text")
    name = " ".join(unicodedata.normalize("NFKC", text).split())
    if not 1 <= len(name) <= MAX_NAME:
        raise WorkshopError(f"name: expected 1 to {MAX_NAME} characters, got {len(name)}")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise WorkshopError("name: control characters are not allowed")
    return name


def whole_number(value) -> bool:
    """Whether ``value`` is an int (not a bool): what a page sends as a school or a year."""
    return isinstance(value, int) and not isinstance(value, bool)


class Workshop:
    """A room of participants leading the schools of one shared, seeded :class:`PLCModel`."""

    def __init__(self, params: Params, seed: int, code: str | None = None, preset: str = "baseline",
                 clock=time.monotonic):
        self.params, self.seed, self.preset = params, int(seed), preset
        self.clock = clock  # seconds, for the door, readmissions and the timer; tests pass their own
        self.gate = Gate(clock)
        self.places_per_address = PLACES_PER_ADDRESS
        self.code = code or new_code()
        self.facilitator_key = secrets.token_urlsafe(12)
        self.started = time.time()
        self.model, self.roles = build_model(params, self.seed)
        self.base_links = self.model.links.copy()
        n = params.n_schools
        self.budget = np.full(n, FULL_BUDGET)
        self.current = [Decision(float(self.model.schools.meeting_time[s]), float(self.model.schools.distribution[s]))
                        for s in range(n)]
        self.pending: dict[int, tuple[Decision, int]] = {}
        self.actions: list[Action] = []
        self.participants: dict[str, Participant] = {}  # by token
        self.revoked: set[str] = set()  # tokens handed over to another device: refused, with their own message
        self.paused = False
        self.timer_seconds: int | None = None
        self.deadline: float | None = None
        self.version = 0
        self.lock = threading.RLock()
        self._changed = threading.Condition(self.lock)
        self.on_advance = None  # called with the workshop after each year (the server saves the session)

    # --- reading -----------------------------------------------------------------------------------------
    @property
    def year(self) -> int:
        """The school year the room is deciding now (1 before the first advance)."""
        return self.model.steps // TICKS_PER_YEAR + 1

    @property
    def finished(self) -> bool:
        return self.year > MAX_YEARS

    def seconds_left(self) -> float | None:
        """Seconds until the timer runs the coming year, or None when no timer runs (off, paused or ended)."""
        return None if self.deadline is None else max(0.0, self.deadline - self.clock())

    def shocks_now(self, school: int) -> list[str]:
        """The shocks set on ``school`` since the last year ran, by name, in order."""
        recent = []
        for action in reversed(self.actions):  # the log is in time order: read back only to the last year
            if action.tick < self.model.steps:
                break
            if action.kind == "shock" and school in action.schools:
                recent.append(action.shock)
        return recent[::-1]

    def team(self, school: int) -> list[Participant]:
        return [p for p in self.participants.values() if p.school == school]

    def wait_for_change(self, seen: int, timeout: float) -> int:
        """Block until ``version`` differs from ``seen`` (or ``timeout`` seconds pass); return the version."""
        with self._changed:
            self._changed.wait_for(lambda: self.version != seen, timeout=timeout)
            return self.version

    def _bump(self) -> None:
        self.version += 1
        self._changed.notify_all()

    # --- participants ------------------------------------------------------------------------------------
    def join(self, code, name, rejoin="", address: str | None = None) -> Participant:
        """Join with the room's code and a new name; or come back to a name already here with its rejoin code
        (or within :data:`READMIT_SECONDS` of the facilitator's :meth:`readmit`).

        ``address`` is the client's network address: its wrong codes slow it down and it holds at most
        :attr:`places_per_address` places (:mod:`plc_sim.workshop.gate`); None (a caller in this process) is
        not counted. Coming back hands the school to this device under a new token and a new rejoin code: the
        old token and the used code stop working. A name already here, or one that looks like it (see
        :mod:`plc_sim.workshop.names`), is refused without its code.
        """
        with self.lock:
            if address is not None and (refusal := self.gate.refusal(address)):
                raise WorkshopError(refusal)
            if not isinstance(code, str) or len(code) > 4 * CODE_LENGTH \
                    or not hmac.compare_digest(typed_code(code).encode(), self.code.encode()):
                self._wrong(address, "a wrong join code")
                raise WorkshopError("code: that is not this room's join code")
            name = clean_name(name)
            if not isinstance(rejoin, str) or len(rejoin) > 4 * CODE_LENGTH:
                raise WorkshopError(f"rejoin code: expected the {CODE_LENGTH} characters shown on your page")
            rejoin = typed_code(rejoin)
            known = next((p for p in self.participants.values() if same_name(p.name, name)), None)
            if known is not None:
                return self._come_back(known, name, rejoin, address)
            if rejoin:
                raise WorkshopError(f"rejoin code: nobody called {name!r} is in this room; leave the rejoin code "
                                    "empty to join as someone new")
            if len(self.participants) >= MAX_PARTICIPANTS:
                raise WorkshopError(f"the room is full ({MAX_PARTICIPANTS} participants)")
            held = sum(p.address == address for p in self.participants.values()) if address is not None else 0
            if held >= self.places_per_address:
                self._wrong(address, f"asked for a place beyond the {self.places_per_address} this address may "
                            "hold")
                raise WorkshopError(f"this device already holds {held} places in this room; ask the facilitator "
                                    "to allow more places per device")
            sizes = np.bincount([p.school for p in self.participants.values()], minlength=self.params.n_schools)
            participant = Participant(len(self.participants) + 1, name, int(np.argmin(sizes)), new_token(),
                                      new_code(), address)
            self.participants[participant.token] = participant
            self._bump()
            return participant

    def _wrong(self, address: str | None, what: str) -> None:
        """Count a wrong try from ``address`` at the door and show it on the facilitator's page."""
        if address is not None:
            self.gate.wrong(address, what)
            self._bump()

    def _come_back(self, known: Participant, name: str, rejoin: str, address: str | None) -> Participant:
        """Hand ``known``'s school to the device that typed ``rejoin`` (or that the facilitator let in).

        A wrong code counts against the device that typed it; the name itself is never locked."""
        if self.clock() >= known.readmit_until:
            if not rejoin:
                taken = (f"{known.name!r} is taken in this room" if name.casefold() == known.name.casefold()
                         else f"{name!r} looks like {known.name!r}, who is already in this room")
                raise WorkshopError(f"name: {taken}. If it is you, type the rejoin code shown on your page (or ask "
                                    "the facilitator to let you back in); if not, add an initial to your name")
            if not hmac.compare_digest(rejoin.encode(), known.rejoin.encode()):
                self._wrong(address, f"a wrong rejoin code for {known.name!r}")
                raise WorkshopError(f"rejoin code: that is not the code for {known.name!r}; it is shown on that "
                                    "person's page (or ask the facilitator to let you back in)")
        del self.participants[known.token]
        self.revoked.add(known.token)
        known.token, known.rejoin, known.form = new_token(), new_code(), new_form()
        known.readmit_until = 0.0
        if address is not None:
            known.address = address
        self.participants[known.token] = known
        self._bump()
        return known

    def readmit(self, name) -> Participant:
        """The facilitator lets ``name`` back in: for :data:`READMIT_SECONDS` that name rejoins without a code."""
        with self.lock:
            found = next((p for p in self.participants.values() if p.name == name), None)
            if found is None:
                raise WorkshopError(f"let back in: {str(name)[:MAX_NAME]!r} has not joined this room")
            found.readmit_until = self.clock() + READMIT_SECONDS
            self._bump()
            return found

    def allow_places(self, places) -> None:
        """The facilitator lets each client address hold up to ``places`` places (a shared laptop, a lab)."""
        if not whole_number(places) or not 1 <= places <= MAX_PARTICIPANTS:
            raise WorkshopError(f"places per device: expected a whole number from 1 to {MAX_PARTICIPANTS}")
        with self.lock:
            self.places_per_address = places
            self._bump()

    def participant(self, token) -> Participant:
        found = self.participants.get(token) if isinstance(token, str) else None
        if found is None:
            if isinstance(token, str) and token in self.revoked:
                raise WorkshopError("this place has moved to another device (you or the facilitator used your "
                                    "rejoin); join again with the room's code, your name and your rejoin code")
            raise WorkshopError("unknown participant: join again with the room's code and your name")
        return found

    def submit(self, token, school, year, form_id, values: Mapping) -> Decision:
        """Record a participant's decision for their school for the coming year; refuse anything else."""
        with self.lock:
            who = self.participant(token)
            if not whole_number(school) or school != who.school:
                raise WorkshopError(f"you can change only your own school, School {who.school + 1}")
            if not whole_number(year) or year != self.year:
                raise WorkshopError(f"this form was for year {str(year)[:12]}; the room is deciding year {self.year} "
                                    "now")
            if not isinstance(form_id, str) or len(form_id) > 64 \
                    or not hmac.compare_digest(form_id.encode(), who.form.encode()):
                raise WorkshopError("this form was already sent (or is not one the page made); change it and send "
                                    "again")
            if self.paused or self.finished:
                raise WorkshopError("the facilitator has paused the session" if self.paused
                                    else "the session has ended")
            try:
                decision = parse_decision(values, self.model, school, float(self.budget[school]))
            except DecisionError as error:
                raise WorkshopError(str(error)) from None
            who.form = new_form()
            self.pending[school] = (decision, who.number)
            self._bump()
            return decision

    def decision_for(self, school: int) -> tuple[Decision, str, int]:
        """What ``school`` will do this year: the team's decision, or last year's (autopilot) within budget; named
        teacher leaders who have left are dropped."""
        if school in self.pending:
            (decision, number), source = self.pending[school], "participant"
        else:
            decision, number, source = self.current[school].fitted(float(self.budget[school])), -1, "autopilot"
        in_post = teachers_of(self.model, school)[1]
        leaders = tuple(p for p in decision.leaders if p in in_post)
        return (decision if leaders == decision.leaders else replace(decision, leaders=leaders)), source, number

    # --- the facilitator ---------------------------------------------------------------------------------
    def shock(self, name: str, target) -> None:
        """Apply shock ``name`` now to ``target``: :data:`ALL_SCHOOLS` or one school's 0-based number."""
        if name not in LIVE_SHOCKS:
            raise WorkshopError(f"shock: {str(name)[:40]!r} is not a shock; choose one of {', '.join(LIVE_SHOCKS)}")
        n = self.params.n_schools
        if target != ALL_SCHOOLS and not (whole_number(target) and 0 <= target < n):
            raise WorkshopError(f"shock: {str(target)[:12]!r} is not a target; choose all schools or one school "
                                f"from 1 to {n}")
        with self.lock:
            schools = tuple(range(n)) if target == ALL_SCHOOLS else (target,)
            apply_shock(self.model, name, schools, self.budget)
            self.actions.append(Action(len(self.actions), self.model.steps, "shock", schools, shock=name))
            self._bump()

    def advance(self) -> None:
        """Run the coming school year: apply every school's decision (or autopilot), then its ten months."""
        with self.lock:
            if self.paused or self.finished:
                raise WorkshopError("the session is paused" if self.paused else "the session has ended")
            for school in range(self.params.n_schools):
                decision, source, number = self.decision_for(school)
                self.actions.append(Action(len(self.actions), self.model.steps, "decision", (school,),
                                           decision=decision, source=source, participant=number))
                self.current[school] = decision
            apply_decisions(self.model, self.roles, self.base_links, self.current)
            for _ in range(TICKS_PER_YEAR):
                self.model.step()
            self.pending.clear()
            for participant in self.participants.values():  # last year's unsent forms are stale
                participant.form = new_form()
            self._restart_timer()
            self._bump()
        if self.on_advance is not None:
            self.on_advance(self)

    def set_paused(self, paused: bool) -> None:
        with self.lock:
            self.paused = bool(paused)
            self._restart_timer()
            self._bump()

    def set_timer(self, seconds: int | None) -> None:
        """Advance automatically every ``seconds`` (30 to 1800) while not paused; None switches the timer off."""
        if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, int)
                                    or not 30 <= seconds <= 1800):
            raise WorkshopError("timer: expected whole seconds from 30 to 1800, or off")
        with self.lock:
            self.timer_seconds = seconds
            self._restart_timer()
            self._bump()
        if seconds is not None and not getattr(self, "_timer_thread", None):
            self._timer_thread = threading.Thread(target=self._run_timer, daemon=True, name="workshop-timer")
            self._timer_thread.start()

    def _restart_timer(self) -> None:
        running = self.timer_seconds is not None and not self.paused and not self.finished
        self.deadline = self.clock() + self.timer_seconds if running else None

    def _run_timer(self) -> None:
        while True:
            time.sleep(0.25)
            with self.lock:
                due = self.deadline is not None and self.clock() >= self.deadline
            if due:
                try:
                    self.advance()
                except WorkshopError:
                    pass  # paused or ended between the check and the advance


def build_model(params: Params, seed: int) -> tuple[PLCModel, NamedRoles]:
    """The session's model and its leadership rule with named roles (the same for the session and its replay)."""
    roles = NamedRoles()
    return PLCModel(params=params, rng=seed, rules={"leadership": roles}), roles


def apply_decisions(model: PLCModel, roles: NamedRoles, base_links: np.ndarray, decisions: list[Decision]) -> None:
    """Set every school's decision for the coming year on the model (see :mod:`plc_sim.workshop.decisions`)."""
    for school, decision in enumerate(decisions):
        apply_decision(model, roles, school, decision)
    model.links = partner_links(base_links, {s: d.partner for s, d in enumerate(decisions)})


def apply_shock(model: PLCModel, name: str, schools: tuple[int, ...], budget: np.ndarray) -> None:
    """The model's live shock ``name`` on ``schools``; a budget cut also lowers their budget for later years."""
    model.trigger_shock(name, np.array(schools, dtype=np.int64))
    if name == "budget_cut":
        budget[list(schools)] *= 1.0 - model.p.budget_cut_size

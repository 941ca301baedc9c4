"""The workshop against a hostile room: guessing codes, filling the room from one device, look-alike names, every
facilitator shock on every target, and form ids that do not pile up. The door's clock is injected: nothing sleeps.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from plc_sim.workshop import gate, record
from plc_sim.workshop.gate import (
    CODE_SPACE,
    FIRST_WAIT,
    FREE_TRIES,
    LONGEST_WAIT,
    PLACES_PER_ADDRESS,
    ROOM_TRIES_PER_MINUTE,
    Gate,
    guessing_figures,
    wait_after,
)
from plc_sim.workshop.names import same_name, skeleton
from plc_sim.workshop.session import ALL_SCHOOLS, SHOCK_LABELS, Workshop, WorkshopError, new_code
from simulation.presets import preset_params

pytestmark = pytest.mark.timeout(300)

README = Path(__file__).resolve().parents[1] / "README.md"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self):
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


def room(clock: Clock, schools: int = 4) -> Workshop:
    return Workshop(preset_params("baseline", {"n_schools": schools, "teachers_per_school": 12}), seed=5,
                    code="KMNPQR", clock=clock)


def guess(w: Workshop, clock: Clock, seconds: float, step: float, addresses, code=lambda k: "ACDEFH") -> int:
    """Try a wrong join code every ``step`` seconds for ``seconds``, cycling through ``addresses``; return how
    many tries the session actually checked (refused as a wrong code rather than told to wait)."""
    checked, k, end = 0, 0, clock.now + seconds
    while clock.now < end:
        try:
            w.join(code(k), f"Guesser {k}", address=addresses[k % len(addresses)])
        except WorkshopError as refused:
            checked += "not this room's join code" in str(refused)
            assert re.search(r"not this room's join code|try again in \d+ seconds", str(refused))
        k += 1
        clock.now += step
    return checked


def most_checked(seconds: float) -> int:
    """The most tries one address can have checked in ``seconds`` under the documented back-off."""
    tries, spent = 0, 0.0
    while spent <= seconds:
        tries += 1
        spent += wait_after(tries)
    return tries


def test_the_back_off_doubles_after_a_few_wrong_tries_up_to_its_ceiling():
    assert [wait_after(k) for k in range(1, FREE_TRIES)] == [0.0] * (FREE_TRIES - 1)
    waits = [wait_after(k) for k in range(FREE_TRIES, FREE_TRIES + 5)]
    assert waits == [FIRST_WAIT * 2**j for j in range(5)]
    assert wait_after(100) == LONGEST_WAIT


def test_guessing_the_room_code_from_one_device_is_slowed_to_the_documented_rate():
    clock = Clock()
    w = room(clock)
    hour = 3600.0
    checked = guess(w, clock, hour, 0.2, ["192.168.1.66"])  # five tries a second for an hour
    assert FREE_TRIES < checked <= most_checked(hour) == 17  # the README's figure, instead of 18,000 an hour
    with pytest.raises(WorkshopError, match="from this device: try again in"):
        w.join("KMNPQR", "Lucky", address="192.168.1.66")  # the right code is not even checked while it waits
    assert not w.participants
    newcomer = w.join("kmnp-qr", "Ana", address="192.168.1.20")  # everyone else joins as usual
    assert newcomer.name == "Ana"


def test_guessing_from_many_addresses_meets_the_rooms_ceiling():
    clock = Clock()
    w = room(clock)
    addresses = [f"10.1.{k // 250}.{k % 250}" for k in range(2000)]  # a fresh address for every try
    minutes = 10
    checked = guess(w, clock, 60.0 * minutes, 0.05, addresses)
    assert checked <= ROOM_TRIES_PER_MINUTE * minutes
    assert checked >= ROOM_TRIES_PER_MINUTE * (minutes - 1)  # the ceiling, not the per-address back-off, binds
    clock.now += 30
    for k in range(ROOM_TRIES_PER_MINUTE):  # a burst at one moment: the room is at its ceiling now
        with pytest.raises(WorkshopError):
            w.join("ACDEFH", "Guesser", address=f"10.2.0.{k}")
    with pytest.raises(WorkshopError, match="from this room: try again in"):
        w.join("KMNPQR", "Ana", address="10.9.9.9")  # while the room is at its ceiling, everyone waits a moment
    clock.now += 61
    assert w.join("KMNPQR", "Ana", address="10.9.9.9").name == "Ana"
    assert any(address == "the room" for _, address, _ in w.gate.log)


def test_the_readme_states_the_guessing_figures_the_door_keeps():
    figures = guessing_figures()
    text = " ".join(README.read_text(encoding="utf-8").split())
    assert f"{figures['codes']:,}" in text and f"{figures['per_hour']:,}" in text
    assert f"{figures['years_for_all']:.0f} years" in text
    assert f"1 in {1 / figures['chance_in_workshop']:,.0f}" in text
    assert f"{gate.WORKSHOP_HOURS}-hour" in text and f"{PLACES_PER_ADDRESS} places" in text
    assert figures["chance_in_workshop"] < 1e-3 and len(new_code()) == gate.CODE_LENGTH


def test_an_address_starts_afresh_after_a_quiet_hour_and_old_records_are_dropped():
    clock = Clock()
    door = Gate(clock)
    for _ in range(FREE_TRIES + 2):
        door.wrong("10.0.0.1", "a wrong join code")
    assert door.wait("10.0.0.1") == wait_after(FREE_TRIES + 2)
    clock.now += gate.FORGET_AFTER
    assert door.wait("10.0.0.1") == 0.0
    door.wrong("10.0.0.2", "a wrong join code")  # a new record sweeps the stale ones out
    assert set(door.records) == {"10.0.0.2"}


def test_one_address_holds_only_a_few_places_until_the_facilitator_allows_more():
    clock = Clock()
    w = room(clock, schools=8)
    placed, refused = [], []
    for k in range(300):
        try:
            placed.append(w.join("KMNPQR", f"Bot {k}", address="10.0.0.9"))
        except WorkshopError as problem:
            refused.append(str(problem))
        clock.now += 0.1
    assert len(placed) == PLACES_PER_ADDRESS and len(w.participants) == PLACES_PER_ADDRESS
    assert f"already holds {PLACES_PER_ADDRESS} places" in refused[0] and len(refused) == 300 - PLACES_PER_ADDRESS
    assert any("try again in" in text for text in refused)  # asking again and again is slowed down too
    assert w.join("KMNPQR", "Ana", address="10.0.0.10").school == PLACES_PER_ADDRESS  # others still join
    with pytest.raises(WorkshopError, match="places per device: expected a whole number from 1 to 300"):
        w.allow_places(0)
    w.allow_places(6)  # a team shares one laptop: the facilitator allows more
    clock.now += gate.FORGET_AFTER
    more = [w.join("KMNPQR", f"Team {k}", address="10.0.0.9") for k in range(3)]
    assert len(more) == 3 and sum(p.address == "10.0.0.9" for p in w.participants.values()) == 6


def test_a_look_alike_of_a_name_in_the_room_is_refused():
    clock = Clock()
    w = room(clock)
    ann = w.join("KMNPQR", "Ann")
    before = (w.version, len(w.participants))
    for look_alike in ("\u0410nn", "ANN", "\uff21\uff4e\uff4e", "\u0391nn", " ann "):  # Cyrillic, full-width, Greek
        with pytest.raises(WorkshopError, match="looks like 'Ann'|'Ann' is taken"):
            w.join("KMNPQR", look_alike)
        assert (w.version, len(w.participants)) == before
    with pytest.raises(WorkshopError, match=r"'\u0410nn' looks like 'Ann', who is already in this room"):
        w.join("KMNPQR", "\u0410nn")
    assert w.join("KMNPQR", "\u0410nn", ann.rejoin) is ann  # Ann herself, typing on a Cyrillic keyboard
    assert w.join("KMNPQR", "Anna").name == "Anna" and w.join("KMNPQR", "\uff22o").name == "Bo"  # stored as NFKC


@pytest.mark.parametrize(("a", "b", "same"), [
    ("Ann", "\u0410nn", True), ("Olga", "\u039flga", True), ("Ian", "lan", True), ("\u0406an", "Ian", True),
    ("Bo", "B0", True), ("ANN", "ann", True), ("Ana", "Anna", False), ("Jos\u00e9", "Jose", False),
    ("\u0410\u043d\u043d\u0430", "Anna", False),  # a Cyrillic name that is not drawn like a Latin one stays itself
])
def test_names_are_compared_by_what_they_look_like(a, b, same):
    assert same_name(a, b) is same and same_name(b, a) is same
    assert skeleton(a) == skeleton(b) if same else skeleton(a) != skeleton(b)


def hit_state(w: Workshop) -> dict:
    """What each shock changes, per school."""
    m, s = w.model, w.model.schools
    return {"meeting_time": s.meeting_time.copy(), "budget": w.budget.copy(),
            "focus": s.principal_focus.copy(), "people": m.members.person.copy()}


def schools_changed(before: dict, after: dict, n: int) -> set[int]:
    size = before["people"].size // n
    changed = set()
    for key in ("meeting_time", "budget", "focus"):
        changed |= {int(k) for k in np.flatnonzero(before[key] != after[key])}
    changed |= {int(k) // size for k in np.flatnonzero(before["people"] != after["people"])}
    return changed


@pytest.mark.parametrize("shock", list(SHOCK_LABELS))
@pytest.mark.parametrize("target", ["all", "one", "none"])
def test_every_facilitator_shock_on_every_target_through_the_page(shock, target, tmp_path):
    """The facilitator page's Shock now for all schools, one school, or no school chosen: the session applies it
    to exactly those schools (or refuses with a sentence on the page), the year runs, the save replays."""
    import ipyvuetify as v
    import solara

    from plc_sim.workshop.facilitator import ALL, FacilitatorPage, Room

    clock = Clock()
    w = room(clock)
    w.advance()
    _, rendered = solara.render(FacilitatorPage(w, Room("http://127.0.0.1:8766/", "who", tmp_path)),
                                handle_error=False)
    selects = {select.label: select for select in rendered.find(v.Select).widgets}
    selects["Shock"].v_model = SHOCK_LABELS[shock]
    selects["Hits"].v_model = {"all": ALL, "one": "School 3", "none": None}[target]
    before, actions = hit_state(w), len(w.actions)
    (button,) = [b for b in rendered.find(v.Btn).widgets if b.children == ["Shock now"]]
    button.click()
    if target == "none":
        assert len(w.actions) == actions and schools_changed(before, hit_state(w), 4) == set()
        alerts = " ".join(str(a.children) for a in rendered.find(v.Alert).widgets)
        assert "choose all schools or one school from 1 to 4" in alerts
        return
    expected = set(range(4)) if target == "all" else {2}
    assert w.actions[-1].kind == "shock" and w.actions[-1].shock == shock and set(w.actions[-1].schools) == expected
    changed = schools_changed(before, hit_state(w), 4)
    if shock == "principal_leaves":
        assert any(e.kind == "principal_left" and set(e.schools) == expected for e in w.model.events)
    else:
        assert changed <= expected and changed  # only the schools hit change
    if shock == "budget_cut":
        assert {int(k) for k in np.flatnonzero(w.budget < 1.0)} == expected
    w.advance()
    assert record.replays_identically(record.save(w, tmp_path))


@pytest.mark.parametrize("target", [None, True, -1, 4, "1", 2.0, "School 1"])
def test_a_shock_without_a_valid_target_is_refused_and_changes_nothing(target):
    w = room(Clock())
    before = (w.version, len(w.actions), w.budget.tolist(), w.model.schools.meeting_time.tolist())
    with pytest.raises(WorkshopError, match="not a target; choose all schools or one school from 1 to 4"):
        w.shock("budget_cut", target)
    assert (w.version, len(w.actions), w.budget.tolist(), w.model.schools.meeting_time.tolist()) == before
    w.shock("budget_cut", ALL_SCHOOLS)
    assert w.budget.tolist() == [1 - w.params.budget_cut_size] * 4


def test_form_ids_are_single_use_and_do_not_pile_up():
    w = room(Clock())
    ana = w.join("KMNPQR", "Ana")
    used = []
    for k in range(2002):  # a participant changing their mind all year
        used.append(ana.form)
        w.submit(ana.token, 0, 1, ana.form, {"meeting_time": (k % 10) / 10})
    assert len(set(used)) == 2002 and ana.form not in used
    assert [f for f in vars(ana).values() if isinstance(f, set | list | dict)] == []  # nothing kept per form
    for old in (used[0], used[-1]):
        with pytest.raises(WorkshopError, match="already sent"):
            w.submit(ana.token, 0, 1, old, {"meeting_time": 0.5})
    unsent = ana.form
    w.advance()
    assert ana.form != unsent  # last year's unsent form is stale
    with pytest.raises(WorkshopError, match="already sent"):
        w.submit(ana.token, 0, 2, unsent, {"meeting_time": 0.5})


def test_the_facilitator_page_shows_the_doors_log_with_addresses_escaped(tmp_path):
    import solara
    from solara.widgets import HTML

    from plc_sim.workshop.facilitator import FacilitatorPage, Room

    clock = Clock()
    w = room(clock)
    for _ in range(FREE_TRIES):
        with pytest.raises(WorkshopError):
            w.join("WRONG1", "x", address="<b>10.0.0.3</b>")
    _, rendered = solara.render(FacilitatorPage(w, Room("http://127.0.0.1:8766/", "who", tmp_path)),
                                handle_error=False)
    text = " ".join(widget.unsafe_innerHTML or "" for widget in rendered.find(HTML).widgets)
    assert "Refused at the door" in text and "&lt;b&gt;10.0.0.3&lt;/b&gt;" in text and "<b>10.0.0.3" not in text
    assert text.count("a wrong join code") == FREE_TRIES and "next try waits 1 s" in text
    assert CODE_SPACE == 23**6

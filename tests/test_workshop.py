"""The participatory workshop without a browser: joining, decisions, hostile input, shocks, saving, replay."""

from __future__ import annotations

import json
import math
import re
import threading
import time
import types
from pathlib import Path

import pandas as pd
import pytest

from plc_sim.workshop import record
from plc_sim.workshop.decisions import DECISION_FIELDS, Decision, candidates, max_leaders, teachers_of
from plc_sim.workshop.gate import CODE_LENGTH
from plc_sim.workshop.session import ALL_SCHOOLS, MAX_NAME, READMIT_SECONDS, Workshop, WorkshopError
from simulation import Params, school_frame
from simulation.presets import preset_params

pytestmark = pytest.mark.timeout(300)


class Clock:
    """A clock the test moves by hand (the session's door, readmissions and timer read it), so nothing sleeps."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def room(schools: int = 4, seed: int = 11, clock=None) -> Workshop:
    return Workshop(preset_params("baseline", {"n_schools": schools, "teachers_per_school": 12}), seed=seed,
                    code="KMNP", clock=clock or Clock())


def state(w: Workshop):
    """Everything a refused message must leave alone."""
    s = w.model.schools
    return (w.version, dict(w.pending), w.model.steps, s.meeting_time.tolist(), s.distribution.tolist(),
            w.model.links.tolist(), len(w.actions), w.budget.tolist())


def send(w: Workshop, who, values, school=None, year=None, form=None):
    """Submit as ``who``'s page would: with the single-use form id the session gave them (unless ``form``)."""
    return w.submit(who.token, who.school if school is None else school, w.year if year is None else year,
                    form or getattr(who, "form", "no-form-given"), values)


def test_join_assigns_schools_evenly_with_secret_tokens_and_rejoin_codes():
    w = room(schools=3)
    people = [w.join("kmnp", f"Person {k}") for k in range(7)]
    assert [p.school for p in people] == [0, 1, 2, 0, 1, 2, 0]  # more participants than schools share a school
    assert len({p.token for p in people}) == 7 and all(len(p.token) >= 20 for p in people)
    assert len({p.rejoin for p in people}) == 7 and all(re.fullmatch(r"[A-Z0-9]{6}", p.rejoin) for p in people)
    assert len({p.form for p in people}) == 7 and all(len(p.form) >= 16 for p in people)


def place(w: Workshop, who) -> tuple:
    """What a refused rejoin must leave alone: who holds which school under which token and code."""
    return (w.version, who.school, who.token, who.rejoin, w.participant(who.token) is who, len(w.participants))


def test_a_name_already_in_the_room_is_taken_without_its_rejoin_code():
    w = room()
    ana, bo = w.join("KMNP", "Ana"), w.join("KMNP", "Bo")
    before = place(w, ana)
    hostile = [("  ana ", "", "'Ana' is taken"),  # same name (any case or spacing), no code
               ("Ana", "ZZZZZZ", "not the code for 'Ana'"),  # a guessed code
               ("Ana", bo.rejoin, "not the code for 'Ana'"),  # another school's code
               ("Ana", "x" * 100, "rejoin code: expected the 6 characters"),
               ("Cy", ana.rejoin, "nobody called 'Cy'")]  # a code with a new name
    for name, code, message in hostile:
        with pytest.raises(WorkshopError, match=message):
            w.join("KMNP", name, code)
        assert place(w, ana) == before
    with pytest.raises(WorkshopError, match="rejoin code"):
        w.join("KMNP", "Ana", 123456)
    assert place(w, ana) == before and bo.school == 1


def test_the_rejoin_code_moves_the_school_to_a_new_device_once():
    w = room()
    ana = w.join("KMNP", "Ana")
    old_token, old_code = ana.token, ana.rejoin
    again = w.join("kmnp", "ANA", f" {old_code[:3].lower()}-{old_code[3:]} ")  # typed on a phone
    assert again is ana and again.school == 0 and len(w.participants) == 1
    assert again.token != old_token and again.rejoin != old_code  # a new secret for the new device
    assert w.participant(again.token) is ana
    with pytest.raises(WorkshopError, match="moved to another device"):  # the old device's token, replayed
        w.participant(old_token)
    with pytest.raises(WorkshopError, match="moved to another device"):
        send(w, types.SimpleNamespace(token=old_token, school=0), {"meeting_time": 0.5})
    with pytest.raises(WorkshopError, match="not the code for 'Ana'"):  # a used code, replayed
        w.join("KMNP", "Ana", old_code)
    with pytest.raises(WorkshopError, match="unknown participant"):  # a forged token
        w.participant(old_token[:-2] + "xx")
    send(w, ana, {"meeting_time": 0.5})  # the new device decides for the school
    assert w.pending[0][0].meeting_time == 0.5


def test_a_strangers_wrong_rejoin_codes_slow_the_stranger_and_never_lock_the_name():
    clock = Clock()
    w = room(clock=clock)
    ana = w.join("KMNP", "Ana", address="10.0.0.5")
    for _ in range(20):  # a stranger guesses Ana's rejoin code as fast as the door lets them
        with pytest.raises(WorkshopError, match="not the code for 'Ana'|try again in"):
            w.join("KMNP", "Ana", "AAAAAA", address="10.0.0.66")
        clock.now += 0.5
    with pytest.raises(WorkshopError, match="too many wrong codes from this device: try again in"):
        w.join("KMNP", "Ana", ana.rejoin, address="10.0.0.66")  # even the right code waits: guesses stay unchecked
    assert w.participant(ana.token) is ana
    code = ana.rejoin
    back = w.join("KMNP", "ana", code, address="10.0.0.7")  # Ana herself, on a borrowed phone: straight in
    assert back is ana and back.rejoin != code and back.address == "10.0.0.7"
    with pytest.raises(WorkshopError, match="'Nobody' has not joined"):
        w.readmit("Nobody")
    w.readmit("Ana")
    again = w.join("KMNP", "ana")  # let back in by the facilitator: the name alone, once
    assert again is ana and again.school == 0
    with pytest.raises(WorkshopError, match="'Ana' is taken"):
        w.join("KMNP", "Ana")


def test_a_facilitators_readmission_expires():
    clock = Clock()
    w = room(clock=clock)
    w.join("KMNP", "Ana")
    w.readmit("Ana")
    clock.now += READMIT_SECONDS + 1
    with pytest.raises(WorkshopError, match="'Ana' is taken"):
        w.join("KMNP", "Ana")


@pytest.mark.parametrize(("code", "name", "message"), [
    ("ZZZZ", "Ana", "join code"),
    (None, "Ana", "join code"),
    ("KMNP", "", "1 to 40 characters"),
    ("KMNP", "x" * (MAX_NAME + 1), "1 to 40 characters"),
    ("KMNP", "Ana\x00<b>", "control characters"),
    ("KMNP", 42, "expected text"),
])
def test_bad_joins_are_refused(code, name, message):
    w = room()
    before = state(w)
    with pytest.raises(WorkshopError, match=message):
        w.join(code, name)
    assert state(w) == before and not w.participants


def test_a_decision_sets_the_schools_state_for_the_year():
    w = room()
    ana = w.join("KMNP", "Ana")
    chosen = [c["person"] for c in candidates(w.model, ana.school)[-2:]]  # the two weakest of those offered
    send(w, ana, {"meeting_time": 0.9, "distribution": 0.8, "induction": 0.1, "partner": 2, "leaders": chosen})
    w.advance()
    s = w.model.schools
    assert s.meeting_time[0] == pytest.approx(0.9)  # no rule moves meeting time without a shock
    assert [0, 2] in w.model.links.tolist()
    still_here = [p for p in chosen if p in teachers_of(w.model, 0)[1]]  # a named teacher may leave at the year end
    size = w.model.members.knowledge.size // 4
    leaders = set(w.model.members.person[:size][w.model.members.is_leader[:size]].tolist())
    assert leaders == set(still_here)  # the named hold the roles from the year start, not the ranked
    w.advance()
    rows = record.decision_table(w.actions)
    assert rows.query("school == 0 and year == 1").source.item() == "participant"
    assert rows.query("school == 0 and year == 2").source.item() == "autopilot"  # kept the last decision


def test_autopilot_keeps_the_last_decision_and_schools_without_a_team_keep_the_start():
    w = room()
    ana = w.join("KMNP", "Ana")
    send(w, ana, {"meeting_time": 0.3, "distribution": 0.2})
    for _ in range(3):
        w.advance()
    rows = record.decision_table(w.actions)
    mine = rows[rows.school == 0]
    assert (mine.meeting_time == 0.3).all() and (mine.distribution == 0.2).all()
    other = rows[rows.school == 1]
    assert (other.meeting_time == w.params.meeting_time).all() and (other.source == "autopilot").all()


def test_a_budget_cut_lowers_later_budgets_and_the_autopilot_fits_them():
    w = room()
    ana = w.join("KMNP", "Ana")
    send(w, ana, {"meeting_time": 0.7, "induction": 0.3})
    w.advance()
    w.shock("budget_cut", 0)
    assert w.budget[0] == pytest.approx(1 - w.params.budget_cut_size) and w.budget[1] == 1.0
    with pytest.raises(WorkshopError, match="budget"):
        send(w, ana, {"meeting_time": 0.7, "induction": 0.3})
    w.advance()
    last = record.decision_table(w.actions).query("school == 0").iloc[-1]
    assert last.meeting_time + last.induction == pytest.approx(w.budget[0])
    assert last.meeting_time / last.induction == pytest.approx(0.7 / 0.3)


HOSTILE = [
    ({"meeting_time": 1.5}, "meeting_time: 1.5 is not allowed; expected a number from 0 to 1"),
    ({"meeting_time": -0.1}, "meeting_time"),
    ({"distribution": math.nan}, "distribution"),
    ({"distribution": math.inf}, "distribution"),
    ({"induction": "lots"}, "induction"),
    ({"induction": True}, "induction"),
    ({"meeting_time": 0.8, "induction": 0.5}, "budget"),
    ({"partner": 0}, "partner"),  # one's own school
    ({"partner": 99}, "partner"),
    ({"partner": "<script>alert(1)</script>"}, "partner"),
    ({"leaders": [10**9]}, "not a teacher now in your school"),
    ({"leaders": "17"}, "leaders"),
    ({"leaders": list(range(100))}, "at most"),
    ({"<script>": 1}, "not a decision"),
    ("meeting_time=1", "named fields"),
]


@pytest.mark.parametrize(("values", "message"), HOSTILE)
def test_hostile_values_are_refused_with_a_message_and_change_nothing(values, message):
    w = room()
    ana = w.join("KMNP", "Ana")
    before = state(w)
    with pytest.raises(WorkshopError, match=message.replace("(", r"\(")):
        send(w, ana, values)
    assert state(w) == before


def test_another_schools_teachers_and_duplicates_are_not_leaders():
    w = room()
    ana = w.join("KMNP", "Ana")
    theirs = candidates(w.model, 1)[0]["person"]
    mine = candidates(w.model, 0)[0]["person"]
    before = state(w)
    for leaders in ([theirs], [mine, mine]):
        with pytest.raises(WorkshopError, match="not a teacher now in your school"):
            send(w, ana, {"leaders": leaders})
    assert state(w) == before
    offered = candidates(w.model, 0)
    assert len(offered) == w.params.teachers_per_school and max_leaders(w.model) == 3  # every teacher is listed
    assert len({c["name"] for c in offered}) == len(offered)  # by made-up names, all different
    assert {c["knowledge"] for c in offered} <= {"low", "middling", "high"}  # and their state in words


def test_forged_replayed_and_stale_messages_are_refused_and_change_nothing():
    w = room()
    ana, bo = w.join("KMNP", "Ana"), w.join("KMNP", "Bo")
    first = ana.form
    send(w, ana, {"meeting_time": 0.4})
    assert ana.form != first  # a used form id is replaced, not kept
    before = state(w)
    cases = [
        (lambda: w.submit("forged-token", 0, w.year, "form-aaaaaaaa", {}), "unknown participant"),
        (lambda: w.submit(None, 0, w.year, "form-aaaaaaab", {}), "unknown participant"),
        (lambda: send(w, ana, {"meeting_time": 0.9}, school=bo.school), "only your own school, School 1"),
        (lambda: send(w, ana, {"meeting_time": 0.9}, form=first), "already sent"),
        (lambda: send(w, ana, {"meeting_time": 0.9}, form=bo.form), "already sent"),  # another participant's
        (lambda: send(w, ana, {"meeting_time": 0.9}, form="x"), "already sent"),
        (lambda: send(w, ana, {"meeting_time": 0.9}, year=w.year + 1), "room is deciding year 1"),
        # what a page sends is not trusted: a school or year of another type, a form that is not a form
        (lambda: send(w, ana, {"meeting_time": 0.9}, school=0.0), "only your own school, School 1"),
        (lambda: send(w, ana, {"meeting_time": 0.9}, school=False), "only your own school, School 1"),
        (lambda: send(w, ana, {"meeting_time": 0.9}, year=True), "room is deciding year 1"),
        (lambda: send(w, ana, {"meeting_time": 0.9}, year="1" * 500), "for year 111111111111;"),
        (lambda: w.submit(ana.token, 0, w.year, ana.form, None), "expected a form of named fields"),
        (lambda: w.submit(ana.token, 0, w.year, ["form-aaaaaaad"], {}), "already sent"),
    ]
    for attempt, message in cases:
        with pytest.raises(WorkshopError, match=message):
            attempt()
        assert state(w) == before
    w.advance()
    with pytest.raises(WorkshopError, match="this form was for year 1"):  # a message from last year
        send(w, ana, {"meeting_time": 0.9}, year=1)


def test_pause_stops_advances_and_forms():
    w = room()
    ana = w.join("KMNP", "Ana")
    w.set_paused(True)
    with pytest.raises(WorkshopError, match="paused"):
        w.advance()
    with pytest.raises(WorkshopError, match="paused"):
        send(w, ana, {"meeting_time": 0.5})
    w.set_paused(False)
    w.advance()
    assert w.year == 2


@pytest.mark.parametrize(("name", "school", "message"), [("meteor", None, "not a shock"),
                                                          ("budget_cut", 9, "school"), ("budget_cut", "1", "school")])
def test_bad_shocks_are_refused(name, school, message):
    w = room()
    before = state(w)
    with pytest.raises(WorkshopError, match=message):
        w.shock(name, school)
    assert state(w) == before


def test_pages_waiting_for_a_change_wake_on_an_advance():
    w = room()
    woke = []
    seen = w.version
    waiter = threading.Thread(target=lambda: woke.append((w.wait_for_change(seen, timeout=10), time.monotonic())))
    waiter.start()
    time.sleep(0.2)
    started = time.monotonic()
    w.advance()
    waiter.join(5)
    assert woke and woke[0][0] != seen and woke[0][1] - started < 1.0


def test_timer_advances_and_respects_pause():
    clock = Clock()
    w = room(clock=clock)
    with pytest.raises(WorkshopError, match="timer"):
        w.set_timer(5)
    w.set_timer(30)
    assert w.deadline == clock.now + 30
    clock.now += 30  # due now: the timer thread advances within a quarter second
    deadline = time.monotonic() + 5
    while w.year == 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert w.year == 2
    w.set_paused(True)
    assert w.deadline is None


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    w = room(schools=5, seed=3)
    ana, bo = w.join("KMNP", "Ana <script>"), w.join("KMNP", "Bo")
    send(w, ana, {"meeting_time": 0.9, "distribution": 0.9, "induction": 0.1, "partner": 4,
                  "leaders": [candidates(w.model, 0)[3]["person"]]})
    w.advance()
    w.shock("turnover_wave", 1)
    w.shock("principal_leaves", ALL_SCHOOLS)
    send(w, bo, {"meeting_time": 0.2, "distribution": 0.1})
    w.advance()
    w.shock("budget_cut", 0)
    w.advance()
    return w, record.save(w, tmp_path_factory.mktemp("workshops"))


def test_a_saved_session_has_its_tables_and_provenance(saved):
    w, folder = saved
    assert folder.name.endswith("-KMNP")
    for name in ("decisions", "shocks", "events", "schools", "network", "participants"):
        assert (folder / f"{name}.parquet").exists()
    decisions = pd.read_parquet(folder / "decisions.parquet")
    assert len(decisions) == 3 * 5 and set(decisions.source) == {"participant", "autopilot"}
    assert pd.read_parquet(folder / "shocks.parquet").shock.tolist() == ["turnover_wave", "principal_leaves",
                                                                         "budget_cut"]
    assert pd.read_parquet(folder / "schools.parquet").tick.max() == 30
    record_ = json.loads((folder / "provenance.json").read_text())
    assert record_["command"] == "workshop" and record_["seed"] == 3 and record_["ticks"] == 30
    everything = b"".join(path.read_bytes() for path in folder.iterdir())
    assert b"Ana" not in everything  # names stay in the room
    assert record.save(w, folder.parent) == folder  # saving again replaces its own earlier save


def test_the_saved_session_replays_to_identical_series(saved):
    _, folder = saved
    assert record.replays_identically(folder)


def test_replay_follows_the_log(saved):
    """A replay with one decision changed gives different series: replay really uses the log."""
    _, folder = saved
    actions = record.load_actions(folder)
    changed = [a if a.seq != 0 else type(a)(a.seq, a.tick, a.kind, a.schools, Decision(0.0, 0.0), a.source)
               for a in actions]
    record_ = json.loads((folder / "provenance.json").read_text())
    params = Params(**record_["parameters"])
    schools = pd.read_parquet(folder / "schools.parquet")
    assert school_frame(record.replay(params, 3, actions, 30)).equals(schools)
    assert not school_frame(record.replay(params, 3, changed, 30)).equals(schools)


def test_decision_fields_come_with_context():
    for declared in DECISION_FIELDS.values():
        assert declared.low == 0.0 and declared.high == 1.0 and declared.source.endswith(").")


# --- the pages' pieces and the command, without a browser ----------------------------------------------------

def test_names_are_escaped_on_the_facilitator_page():
    from plc_sim.workshop.facilitator import room_table_html

    w = room()
    w.join("KMNP", "<script>alert(1)</script>")
    page = room_table_html(w)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("<tr>") == 1 + 4 and "<i>autopilot</i>" in page  # a header and one row per school


def test_the_debrief_compares_choices_of_lasting_and_decayed_communities(saved):
    from plc_sim.workshop.debrief import choices_table, health_figure, lasted

    _, folder = saved
    decisions, schools = (pd.read_parquet(folder / f"{name}.parquet") for name in ("decisions", "schools"))
    schools["decayed"] = (schools.school == 1).astype(float)  # one community decayed, the others lasted
    table = choices_table(decisions, schools).set_index("community")
    assert table.loc["decayed", "schools"] == 1 and table.loc["lasted", "schools"] == len(lasted(schools)) - 1
    school_1 = decisions[decisions.school == 1]
    assert table.loc["decayed", "protected time"] == pytest.approx(100 * school_1.meeting_time.mean(), abs=0.5)
    assert health_figure(schools, decisions, year=2, healthy=0.35).startswith("data:image/png;base64,")


def test_the_qr_code_encodes_the_join_address():
    from urllib.parse import unquote

    from plc_sim.workshop.facilitator import qr_data_uri

    svg = unquote(qr_data_uri("http://192.168.1.20:8766/"))
    assert svg.startswith("data:image/svg+xml") and "<svg" in svg and "<path" in svg


@pytest.mark.parametrize(("host", "says"), [("127.0.0.1", "Only this computer"), ("0.0.0.0", "Anyone who can reach")])
def test_the_command_says_who_can_connect(host, says):
    from types import SimpleNamespace

    from plc_sim.workshop.command import checked_options, session_config

    args = SimpleNamespace(host=host, port="8800", schools="6", preset="baseline", seed=None)
    config = session_config(checked_options(args))
    assert says in config["who"] and config["join_url"].endswith(":8800/") and config["schools"] == 6
    assert len(config["code"]) == CODE_LENGTH and len(config["key"]) >= 16 and 0 <= config["seed"] < 2**31


@pytest.mark.parametrize(("option", "value", "message"), [
    ("host", "my laptop", "--host: 'my laptop' is not allowed"),
    ("port", "80", "--port: 80 is not allowed; expected an integer from 1024 to 65535"),
    ("schools", "0", "--schools: 0 is not allowed"),
    ("schools", "lots", "--schools: 'lots' is not allowed"),
    ("seed", "-3", "--seed: -3 is not allowed"),
    ("preset", "nope", "preset: 'nope' is not a preset"),
])
def test_bad_options_are_one_line_naming_the_option(option, value, message):
    from types import SimpleNamespace

    from plc_sim.workshop.command import checked_options

    args = SimpleNamespace(**{"host": "127.0.0.1", "port": "8766", "schools": "8", "preset": "baseline", "seed": None,
                              option: value})
    with pytest.raises(ValueError, match=re.escape(message)):
        checked_options(args)


def test_named_leaders_who_leave_drop_out_of_the_next_form():
    w = room()
    ana = w.join("KMNP", "Ana")
    named = [c["person"] for c in candidates(w.model, 0)[:3]]
    send(w, ana, {"leaders": named})
    w.advance()
    w.shock("turnover_wave", 0)
    w.shock("turnover_wave", 0)
    kept, _, _ = w.decision_for(0)
    in_post = set(teachers_of(w.model, 0)[1].tolist())  # a leaver may have moved to another school
    assert set(kept.leaders) == {p for p in named if p in in_post}
    send(w, ana, {"leaders": list(kept.leaders)})  # the form's starting values are always sendable


def test_a_schools_pages_share_one_snapshot_per_change():
    from plc_sim.workshop.participant import SchoolViews

    w = room()
    ana, bo = w.join("KMNP", "Ana <b>"), w.join("KMNP", "Bo")
    views = SchoolViews(w)
    first = views.get(0)
    assert views.get(0) is first  # a teammate's page reuses it
    send(w, bo, {"meeting_time": 0.5})  # another school's decision: nothing new for school 1's pages
    assert views.get(0) is first and first.view["sent"].startswith("not sent yet")
    send(w, ana, {"meeting_time": 0.4})
    sent = views.get(0)
    assert sent is not first and sent.view["sent"] == "sent by your team"
    assert sent.view["decision"]["meeting_time"] == 0.4
    w.advance()
    after = views.get(0)
    assert after is not sent and (after.view["year"], after.view["deciding"], after.view["label"]) == (2, 2, "School 1")
    assert after.view["team"] == ["Ana <b>"]  # as typed: the page shows it as text
    assert after.view["decision"]["meeting_time"] == 0.4
    assert after.view["offered"] == candidates(w.model, 0)
    assert json.loads(json.dumps(after.view)) == after.view  # plain JSON: one message to each page
    w.shock("budget_cut", 0)
    assert views.get(0).view["budget"] == pytest.approx(1 - w.params.budget_cut_size)


def test_a_phone_shows_its_schools_health_trend_the_healthy_line_and_why_in_a_sentence():
    from plc_sim.workshop.participant import SchoolViews
    from plc_sim.workshop.why import MEASURE_WORDS, _amount

    w = room()
    views = SchoolViews(w)
    start = views.get(2).view
    assert start["why"] == "" and start["year_ago"] is None and len(start["trend"]) == 1
    assert start["healthy_line"] == round(100 * w.params.implementing_level)
    assert f"reaches {w.params.implementing_level:.0%}" in start["healthy_words"]
    for _ in range(2):
        w.advance()
    view = views.get(2).view
    health = school_frame(w.model).query("school == 2").set_index("tick")
    assert view["trend"] == [round(100 * h, 1) for h in health.health]  # every month, in percent
    assert view["health"] == view["trend"][-1] and view["year_ago"] == view["trend"][-11]
    # One sentence naming the three measures that moved most over the last year, with their direction.
    moved = {name: 100 * (health.loc[20, name] - health.loc[10, name]) for name in MEASURE_WORDS}
    top = sorted(moved, key=lambda name: -abs(moved[name]))[:3]
    # a move below one point is said with one decimal ("rose 0.8 points"): that point is a number's, not a full stop
    sentence_ends = re.sub(r"\b0\.\d\b", "0", view["why"]).count(".")
    assert sentence_ends == 1 and view["why"].endswith(".") and "\n" not in view["why"]
    assert [view["why"].index(MEASURE_WORDS[name]) for name in top] == sorted(
        view["why"].index(MEASURE_WORDS[name]) for name in top)
    for name in top:
        assert f"{MEASURE_WORDS[name]} {'rose' if moved[name] > 0 else 'fell'}" in view["why"]
    change = 100 * (health.loc[20, "health"] - health.loc[10, "health"])
    assert view["why"].startswith(f"Your school's health {'rose' if change >= 0 else 'fell'} {_amount(change)} points "
                                  "over the last year: ")


def test_the_room_table_reads_each_teams_choices_as_its_form_does_in_percent():
    from plc_sim.workshop.facilitator import room_table_html
    from plc_sim.workshop.participant import SchoolViews

    w = room()
    ana = w.join("KMNP", "Ana")
    send(w, ana, {"meeting_time": 0.35, "distribution": 0.45, "induction": 0.25})
    w.advance()
    w.advance()  # autopilot now: the form and the table both show the kept choices
    form = SchoolViews(w).get(ana.school).view["decision"]
    row = room_table_html(w).split("<tr>")[2 + ana.school]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row)
    assert cells[-3:] == [f"{round(100 * form[k])}%" for k in ("meeting_time", "distribution", "induction")]
    assert cells[-3:] == ["35%", "45%", "25%"] and cells[-4] == "last year&#39;s"
    assert re.fullmatch(r"\d+%( decayed)?", cells[2])


def test_the_school_year_template_shows_server_values_only_as_text():
    """Names and event sentences reach the page inside ``view``; the template must never insert them as HTML."""
    from plc_sim.workshop.participant import SchoolYear

    template = open(SchoolYear.template_file).read()
    assert "v-html" not in template and "innerHTML" not in template and "{{{" not in template
    assert "{{ view.team.join(', ') }}" in template and "{{ line }}" in template


def page_text(rendered) -> str:
    """The text a rendered participant page shows: its HTML pieces, its messages and its school year's values."""
    import ipyvuetify as v
    from solara.widgets import HTML

    from plc_sim.workshop.participant import SchoolYear

    parts = [widget.unsafe_innerHTML for widget in rendered.find(HTML).widgets]
    parts += [str(child) for alert in rendered.find(v.Alert).widgets for child in alert.children]
    parts += [json.dumps([year.view, year.rejoin, year.reply]) for year in rendered.find(SchoolYear).widgets]
    return " ".join(parts)


def test_the_page_comes_back_to_the_place_this_browser_kept_and_forgets_a_stale_one():
    import solara

    from plc_sim.workshop.participant import ParticipantPage, SchoolViews
    from plc_sim.workshop.place import Place, place_key

    w = room()
    ana = w.join("KMNP", "Ana")
    views = SchoolViews(w)

    def reopen(stored: str):
        _, rendered = solara.render(ParticipantPage(w, views), handle_error=False)
        place = rendered.find(Place).widget
        assert place.key == place_key("KMNP") and place.token is None  # nothing written before it is read
        place.vue_found(stored)
        return rendered, place

    rendered, place = reopen(ana.token)  # a closed tab opened again in the same browser
    assert "School 1" in page_text(rendered) and ana.rejoin in page_text(rendered) and place.token == ana.token
    old = ana.token
    w.join("KMNP", "Ana", ana.rejoin)  # she came back on another device: this page loses the place
    deadline = time.monotonic() + 10
    while "moved to another device" not in page_text(rendered) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "moved to another device" in page_text(rendered) and place.token == ""
    for stored, says in ((old, "moved to another device"), ("forged-token", "unknown participant")):
        rendered, place = reopen(stored)
        assert says in page_text(rendered) and "School 1" not in page_text(rendered) and place.token == ""
    rendered, place = reopen("")  # nothing kept: the join form, no message
    assert "Lead a school" in page_text(rendered) and "unknown" not in page_text(rendered)


def test_what_a_page_sends_is_checked_by_the_session_and_answered_on_that_page():
    import solara

    from plc_sim.workshop.participant import ParticipantPage, SchoolViews, SchoolYear
    from plc_sim.workshop.place import Place

    w = room()
    ana = w.join("KMNP", "Ana")
    _, rendered = solara.render(ParticipantPage(w, SchoolViews(w)), handle_error=False)
    rendered.find(Place).widget.vue_found(ana.token)
    page = rendered.find(SchoolYear).widget
    good = {"school": 0, "year": 1, "form": page.form_id, "values": {**page.view["decision"], "meeting_time": 0.3}}
    before = state(w)
    for sent, says in ((None, "only your own school"), ("<script>", "only your own school"),
                       ({**good, "school": 1}, "only your own school, School 1"),
                       ({**good, "year": 2}, "room is deciding year 1"), ({**good, "form": "x"}, "already sent"),
                       ({**good, "values": {**good["values"], "meeting_time": 2}}, "meeting_time"),
                       ({**good, "values": {**good["values"], "partner": 0}}, "partner")):
        page.vue_decide(sent)
        assert page.reply["kind"] == "error" and says in page.reply["text"] and page.reply["year"] == 1, sent
        assert state(w) == before
    page.vue_decide(good)
    assert page.reply == {"year": 1, "kind": "ok", "text": "Sent: your school will act on this in year 1."}
    assert w.pending[0][0].meeting_time == 0.3
    page.vue_decide(good)  # the same message again
    assert page.reply["kind"] == "error" and "already sent" in page.reply["text"]
    deadline = time.monotonic() + 10
    while page.view["sent"] != "sent by your team" and time.monotonic() < deadline:  # the page learns it was sent
        time.sleep(0.05)
    assert page.view["sent"] == "sent by your team" and page.view["decision"]["meeting_time"] == 0.3


def test_a_shock_is_news_on_the_pages_of_the_schools_it_hits_until_the_year_runs():
    from plc_sim.workshop.participant import SchoolViews
    from plc_sim.workshop.session import SHOCK_LABELS

    w = room()
    views = SchoolViews(w)
    assert views.get(1).view["shocks"] == [] and views.get(1).view["when"] == "Year 1, September"
    for name in SHOCK_LABELS:
        w.shock(name, 1)
    news = views.get(1).view["shocks"]
    assert len(news) == 4 and all(line.startswith("Shock: ") for line in news)
    assert "promoted away" in news[0] and "50% of the original" in news[1] and "30% chance" in news[2]
    assert "new policy" in news[3] and views.get(0).view["shocks"] == []  # only the school hit hears of it
    w.shock("budget_cut", ALL_SCHOOLS)
    assert "25% of the original" in views.get(1).view["shocks"][-1] and len(views.get(0).view["shocks"]) == 1
    w.advance()
    assert views.get(1).view["shocks"] == [] and views.get(1).view["when"] == "Year 2, September"


def test_the_countdown_follows_the_timer_on_the_sessions_clock():
    from plc_sim.workshop.countdown import countdown_seconds

    clock = Clock()
    w = room(clock=clock)
    assert w.seconds_left() is None and countdown_seconds(w.seconds_left()) == -1.0
    w.set_timer(120)
    clock.now += 45.5
    assert w.seconds_left() == pytest.approx(74.5) and countdown_seconds(w.seconds_left()) == 74.5
    w.set_paused(True)
    assert w.seconds_left() is None
    w.set_paused(False)
    assert w.seconds_left() == pytest.approx(120)
    w.set_timer(None)
    assert w.seconds_left() is None


# --- the README's facilitator guide, word for word -----------------------------------------------------------

def _guide() -> str:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    return " ".join(text[text.index("## Running a participatory workshop"):text.index("## Layout")].split())


def test_the_readme_facilitator_guide_names_what_the_pages_show_word_for_word(tmp_path):
    """Every name the guide sets in bold (other than its own list headings) is on the facilitator's or a
    participant's page (or in the terminal's lines), and the sentences it quotes are the pages' own words."""
    import inspect
    from pathlib import Path

    import ipyvuetify as v
    import ipywidgets
    import solara
    from solara.widgets import HTML
    from test_app import _labels

    from plc_sim.workshop.command import cmd_workshop
    from plc_sim.workshop.countdown import Countdown
    from plc_sim.workshop.facilitator import FacilitatorPage, Room
    from plc_sim.workshop.participant import SchoolYear
    from plc_sim.workshop.session import shock_news
    from plc_sim.workshop.why import MEASURE_WORDS, why_sentence
    from simulation.calendar import school_time
    from simulation.events import Event, describe_events

    def words(rendered) -> list[str]:
        """What the page's widgets carry as text: labels and HTML, and attributes such as an image's alt text."""
        found = _labels(rendered.find(ipywidgets.Widget).widgets[0], [])
        return found + [str(value) for html in rendered.find(HTML).widgets for value in html.attributes.values()]

    w = room()
    w.join("KMNP", "Ana")
    w.gate.log.append((0.0, "10.0.0.9", "a wrong join code"))
    page = FacilitatorPage(w, Room("http://10.0.0.1:8766/", "who", tmp_path))
    _, rendered = solara.render(page, handle_error=False)
    shown = words(rendered)  # year 1, before it has run
    w.advance()
    # The page redraws for the advance from its own thread (use_workshop_version); a click while that redraw runs
    # can be lost under load, so click once the page shows year 2, and read the page once the debrief is drawn.
    rendered.find(Countdown).assert_matches_wait(year=2, timeout=30)
    rendered.find(v.Btn, children=["Debrief"]).widget.click()
    rendered.find(v.Btn, children=["Save and check the replay"]).wait_for(timeout=30)
    shown += words(rendered)
    templates = [Path(widget.template_file).read_text() for widget in (SchoolYear, Countdown)]
    shown.append(inspect.getsource(cmd_workshop))  # the terminal's lines ("facilitator: open ...")
    screen = " ".join(" ".join(re.sub(r"<[^>]+>", " ", html_text).split())
                      for html_text in [*map(str, shown), *templates])
    guide = _guide()
    headings = set(re.findall(r"- \*\*(.+?)\*\*", guide))
    named = [name for name in re.findall(r"\*\*(.+?)\*\*", guide) if name not in headings]
    assert len(named) >= 12
    missing = [name for name in named if name.lower() not in screen.lower()]
    assert not missing, f"the guide names what the pages do not show: {missing}"

    p = w.params
    assert f"a community forms at {p.implementing_level:.0%}" in guide
    assert "healthy line: a community forms at {{ view.healthy_line }}%" in templates[0]
    # the quoted "why" is what the phone says for the moves it names (health, then three measures)
    quoted_why = re.search(r'\("(Your school\'s health .+?\.)"\)', guide)[1]
    moves = [(-1 if word == "fell" else 1) * int(points)
             for word, points in re.findall(r"(fell|rose) (\d+)", quoted_why)]
    then = dict.fromkeys(("health", *MEASURE_WORDS), 0.5)
    now = {**then, **{name: 0.5 + points / 100 for name, points in
                      zip(("health", "trust", "shared_practice", "engagement"), moves, strict=True)}}
    assert why_sentence(then, now) == quoted_why
    lines = describe_events([Event(30, "teachers_left", (0,), count=9, of=40, cause="year_end")], p)
    assert f'"{lines[0].text}"' in guide and lines[0].text.startswith(school_time(30))
    news = shock_news("budget_cut", p, 1 - p.budget_cut_size)
    quoted_shock = re.search(r'\("(Shock: a budget cut: .+?); \.\.\."\)', guide)[1]
    assert news.startswith(quoted_shock), (news, quoted_shock)
    budget = re.search(r'"(Budget this year: [^"]+)"', guide)[1]
    assert re.sub(r"\d+%", "{{}}", budget) == "Budget this year: {{}} of the original; time plus induction cost {{}}"
    assert "Budget this year: {{ percent(view.budget) }} of the original; time plus induction cost" in " ".join(
        templates[0].split())
    assert "Year {{ year }} runs in" in " ".join(templates[1].split()) and '"Year 2 runs in 1:45"' in guide
    assert '"Replay: the room at the start of year 3"' in guide and "Replay: the room at the start of year" in screen


def test_the_rooms_and_the_apps_pages_show_no_framework_branding_even_while_loading():
    """Solara's own loader says "Made with Solara" until the page is mounted; both servers choose one that does not,
    and turn the banner off."""
    import solara.server

    from plc_sim.app.command import server_environment as app_environment
    from plc_sim.workshop.command import server_environment as room_environment

    templates = Path(solara.server.__file__).parent / "templates"
    assert "Solara" in (templates / "loader-solara.html").read_text(encoding="utf-8")  # what the default shows
    for environment in (room_environment({}), app_environment()):
        loader = templates / f"loader-{environment['SOLARA_THEME_LOADER']}.html"
        assert "Solara" not in loader.read_text(encoding="utf-8")
        assert environment["SOLARA_THEME_SHOW_BANNER"] == "false"

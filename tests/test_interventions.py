"""Policy interventions: each changes what it should, in the schools it reaches, and nothing before it starts.

Effects are paired comparisons: the same seed with and without the intervention (common random numbers);
an effect counts when the 95% t-interval of the paired differences over seeds excludes zero.
"""

from __future__ import annotations

import numpy as np
import pytest

from plc_sim.core.stats import mean_ci
from simulation import TICKS_PER_YEAR, ParameterError, PLCModel, make_params, network_frame, school_frame
from simulation.events import describe_events
from simulation.interventions import INTERVENTIONS, Intervention, Running, parse_intervention

SMALL = {"n_schools": 6, "teachers_per_school": 12}
SMALL_PARAMS = make_params(SMALL)
SEEDS = range(8)
REACHED = (0, 1, 2)  # schools 1-3
START, END = 2, 4  # school years 2 to 4: ticks 11..40
NEEDS = {"succession_planning": {"principal_leaves_tick": 15, "shock_share": 0.5}}
"""What an intervention needs to have something to act on (succession planning: a principal who leaves)."""


def run(seed: int, interventions=(), ticks: int = 50, probe=None, **overrides):
    """Run a small model; ``probe(model)`` is called after every tick and its values returned by tick."""
    model = PLCModel(rng=seed, interventions=interventions, **(SMALL | overrides))
    seen = {}
    for _ in range(ticks):
        model.step()
        if probe is not None:
            seen[model.steps] = probe(model)
    return model, seen


def paired_interval(differences) -> tuple[float, float]:
    """The 95% t-interval of paired differences (``plc_sim.core.stats.mean_ci``)."""
    return mean_ci(differences)[1:]


def effect(name: str, probe, args=None, ticks=range(11, 41), **overrides) -> tuple[float, float]:
    """Paired 95% interval of (with - without) for ``probe``'s mean over ``ticks``."""
    plan = Intervention(name, args or {}, START, END, REACHED)
    differences = []
    for seed in SEEDS:
        _, treated = run(seed, [plan], probe=probe, **overrides)
        _, control = run(seed, probe=probe, **overrides)
        differences.append(np.mean([treated[t] for t in ticks]) - np.mean([control[t] for t in ticks]))
    return paired_interval(differences)


def reached(array: np.ndarray) -> float:
    return float(np.mean(array[list(REACHED)]))


@pytest.mark.parametrize("name", list(INTERVENTIONS))
def test_nothing_changes_before_the_start_year(name):
    plan = Intervention(name, {}, START, END, REACHED)
    treated, _ = run(3, [plan], ticks=30, **NEEDS.get(name, {}))
    control, _ = run(3, ticks=30, **NEEDS.get(name, {}))
    first = plan.first_tick
    assert first == 11
    for frame in (network_frame, school_frame):
        before_t, before_c = frame(treated), frame(control)
        before_t, before_c = before_t[before_t.tick < first], before_c[before_c.tick < first]
        assert before_t.equals(before_c)
    after_t, after_c = school_frame(treated), school_frame(control)
    assert not after_t[after_t.tick >= first].equals(after_c[after_c.tick >= first])
    starts = [e for e in treated.events if e.kind == "intervention_start"]
    assert [(e.tick, e.schools, e.cause) for e in starts] == [(first, REACHED, name)]


def snapshot(model) -> dict[str, np.ndarray]:
    """Every per-school array (schools x ...) of the model's state, members' arrays folded by school."""
    m, size = model.members, model.members.trust.shape[1]
    state = {name: np.array(value, copy=True) for name, value in vars(model.schools).items()
             if isinstance(value, np.ndarray)}
    for name in ("knowledge", "engagement", "openness", "tenure", "is_leader"):
        state[name] = getattr(m, name).reshape(model.p.n_schools, size).copy()
    state["trust"] = m.trust.copy()
    return state


@pytest.mark.parametrize("name", list(INTERVENTIONS))
def test_an_intervention_writes_only_to_the_schools_it_reaches(name):
    """One month of the intervention's own action (no rules run): the other schools' state is untouched."""
    model, _ = run(4, ticks=21, network_type="none")  # just past a year end: there are newcomers to induct
    running = Running(Intervention(name, {}, 1, None, REACHED), model.p)
    kind = running.intervention.kind
    if name == "succession_planning":  # it acts when a principal changes
        kind.act(model, running)  # remembers the sitting principals
        model.trigger_shock("principal_leaves")
    before = snapshot(model)
    if kind.begin is not None:
        kind.begin(model, running)
    kind.act(model, running)
    after = snapshot(model)
    others = [s for s in range(model.p.n_schools) if s not in REACHED]
    changed = [key for key in before if not np.array_equal(before[key][list(REACHED)], after[key][list(REACHED)])]
    assert all(np.array_equal(before[key][others], after[key][others]) for key in before), name
    assert changed or name == "network_partner", f"{name} changed nothing in the schools it reaches"
    if name == "network_partner":
        assert len(model.links) and np.isin(model.links, REACHED).all()


def test_protected_time_holds_meeting_time_up_through_a_budget_cut_and_ends():
    plan = Intervention("protected_time", {"level": 0.9}, START, END, REACHED)
    model, seen = run(1, [plan], probe=lambda m: m.schools.meeting_time.copy(), budget_cut_tick=25,
                      time_cut_rate=0.0, time_restoration_rate=0.0,  # the one scheduled cut, kept for good,
                      dismantling_share=0.0)  # and no successor who takes time away in the unprotected schools
    assert np.all(seen[10] == 0.6)
    assert np.all(seen[20][:3] == 0.9) and np.all(seen[20][3:] == 0.6)
    assert np.all(seen[30][:3] == 0.9) and np.all(seen[30][3:] == 0.3)  # cut elsewhere, protected here
    assert np.all(seen[41][:3] == 0.6)  # back to the time it had before
    low, high = effect("protected_time", lambda m: reached(m.observer.current["health"]))
    assert low > 0, "protected time should raise the reached schools' PLC health"


def test_a_floor_is_idle_only_where_nothing_can_take_meeting_time_below_it():
    idle = INTERVENTIONS["protected_time"].idle
    still = make_params({"time_cut_rate": 0.0, "dismantling_share": 0.0})
    assert idle(still, {"level": 0.6}, 120) is not None and idle(still, {"level": 0.7}, 120) is None
    assert idle(still.replace(dismantling_share=0.3), {"level": 0.6}, 120) is None, "a successor can take time away"
    assert idle(still.replace(dismantling_share=0.3, dismantling_loss=0.0), {"level": 0.6}, 120) is not None


def test_teacher_leader_roles_put_more_teachers_in_roles():
    low, high = effect("teacher_leader_roles", lambda m: reached(m.observer.current["teacher_leaders"]),
                       leadership_distribution=0.3)
    assert low > 0
    low, _ = effect("teacher_leader_roles", lambda m: reached(m.schools.distribution), leadership_distribution=0.3)
    assert low > 0


def newcomer_probe(model):
    m = model.members
    new = np.flatnonzero((m.tenure < 1) & np.isin(m.school, REACHED) & m.is_teacher)
    if new.size == 0:
        return np.nan, np.nan
    return float(m.knowledge[new].mean()), float(model.trust_in_team()[new].mean())


def test_induction_raises_newcomers_knowledge_and_trust():
    plan = Intervention("induction", {"trust": 0.4, "rate": 0.1}, START, END, REACHED)
    differences = []
    for seed in SEEDS:
        _, treated = run(seed, [plan], probe=newcomer_probe)
        _, control = run(seed, probe=newcomer_probe)
        differences.append(np.subtract(treated[29], control[29]))  # year 3, month 9: last year's newcomers
    knowledge, trust = np.array(differences).T
    assert paired_interval(knowledge)[0] > 0
    assert paired_interval(trust)[0] > 0


def test_network_partner_links_isolated_schools_while_it_runs():
    plan = Intervention("network_partner", {"partners": 2, "focus": 0.9, "rate": 0.2}, START, END, REACHED)
    model, seen = run(2, [plan], probe=lambda m: (len(m.links), m.schools.bridging_contacts[:3].sum(),
                                                  m.schools.shared_focus.copy()), network_type="none",
                    policy_churn_rate=0.0)  # no outside initiative displaces the focus the partner brings
    assert seen[10][0] == 0 and seen[20][0] > 0 and seen[41][0] == 0
    assert sum(seen[t][1] for t in range(11, 41)) > 0
    assert np.all(seen[39][2][:3] > 0.8) and np.all(seen[39][2][3:] < 0.8)  # before the year end's departures


def test_succession_planning_carries_the_predecessor_over():
    traits = lambda m: np.stack([m.schools.principal_support, m.schools.principal_focus, m.schools.distribution])  # noqa: E731
    shock = {"principal_leaves_tick": 25, "shock_share": 0.5}  # the principals of schools 1-3 leave
    full = Intervention("succession_planning", {"handover": 1.0}, START, END, REACHED)
    _, kept = run(5, [full], probe=traits, **shock)
    _, control = run(5, probe=traits, **shock)
    assert not np.allclose(control[26][:, :3], control[24][:, :3])  # without a plan, a different principal
    assert np.array_equal(kept[26][:, :3], kept[24][:, :3])  # an internal successor continues her practice
    months = lambda m: m.schools.principal_months.copy()  # noqa: E731
    _, planned = run(5, [full], probe=months, **shock)
    _, unplanned = run(5, probe=months, **shock)
    ramp = SMALL_PARAMS.succession_ramp_years * TICKS_PER_YEAR
    assert np.all(planned[26][:3] >= ramp) and np.all(unplanned[26][:3] < ramp)  # staff already know her
    none = Intervention("succession_planning", {"handover": 0.0}, START, END, REACHED)
    _, same = run(5, [none], probe=traits, **shock)
    assert all(np.array_equal(same[t], control[t]) for t in control)


def test_data_use_protocol_raises_focus_and_memory():
    low, _ = effect("data_use_protocol", lambda m: reached(m.schools.shared_focus))
    assert low > 0
    low, _ = effect("data_use_protocol", lambda m: reached(m.schools.memory))
    assert low > 0


def test_same_seed_same_result_and_events_in_words():
    plans = [parse_intervention("network_partner@2-3#1-3"), parse_intervention("induction@2")]
    first, _ = run(9, plans, ticks=40)
    again, _ = run(9, plans, ticks=40)
    assert school_frame(first).equals(school_frame(again))
    words = [line.text for line in describe_events(first.events, first.p) if line.kind.startswith("intervention")]
    assert words[:2] == ["Year 2, September: a network facilitator with partner schools began in Schools 1, 2 and 3",
                         "Year 2, September: induction and mentoring of newcomers began in all 6 schools"]
    assert words[2] == "Year 4, September: a network facilitator with partner schools ended in Schools 1, 2 and 3"


def test_parse_intervention_syntax():
    plan = parse_intervention("protected_time:level=0.75@3-6#1-3,5")
    assert plan == Intervention("protected_time", {"level": 0.75}, 3, 6, (0, 1, 2, 4))
    assert plan.text() == "protected_time:level=0.75@3-6#1,2,3,5"
    assert parse_intervention(plan.text()) == plan
    assert parse_intervention("induction") == Intervention("induction")
    assert (plan.first_tick, plan.last_tick) == (21, 60)


@pytest.mark.parametrize(("text", "words"), [
    ("inductoin", "did you mean induction"),
    ("induction:rat=0.1", "did you mean rate"),
    ("induction:rate=2", "rate: 2.0 is not allowed; expected a number from 0 to 1"),
    ("induction:rate", "not name=value"),
    ("induction@0", "start year 0"),
    ("induction@3-2", "end year 2"),
    ("induction#0", "school numbers from 1"),
    ("induction@x", "expected NAME"),
    ("protected_time:level=0.5,level=0.6", "argument 'level' is given twice"),
    ("protected_time@\u0661", "'\u0661' is not allowed; write it with ASCII letters and the digits 0-9"),
    ("protected_time#\u0661-2", "'\u0661' is not allowed"),
    ("protected_time:level=\u0660.5", "'\u0660' is not allowed"),
    ("protected_time:level=0.5@2#\uff11", "'\uff11' is not allowed"),
])
def test_bad_intervention_text_names_the_field(text, words):
    with pytest.raises(ParameterError, match=words):
        parse_intervention(text)


@pytest.mark.parametrize(("text", "words"), [
    ("protected_time@30", r"start year 30 is outside the run \(10 ticks: school years 1 to 1\)"),
    ("protected_time@2", "start year 2 is outside the run"),
    ("protected_time@1-2", r"end year 2 is outside the run \(10 ticks: school years 1 to 1\); expected a year"),
    ("protected_time#4", "school 4 is outside the network; schools are numbered 1 to 3"),
    ("protected_time#1,5-6", "school 6 is outside the network"),
])
def test_years_outside_the_run_and_schools_outside_the_network_are_refused(text, words):
    with pytest.raises(ParameterError, match=words):
        parse_intervention(text, ticks=10, n_schools=3)


def test_the_last_school_year_a_run_begins_is_inside_it():
    """A run of 25 ticks reaches into school year 3, so an intervention may start there."""
    assert parse_intervention("induction@3-3#3", ticks=25, n_schools=3).first_tick == 21
    with pytest.raises(ParameterError, match="school years 1 to 3"):
        parse_intervention("induction@4", ticks=25)


def test_schools_beyond_the_network_are_refused():
    with pytest.raises(ParameterError, match="school 9 does not exist; schools are numbered 1 to 6"):
        PLCModel(rng=1, interventions=[parse_intervention("induction#9")], **SMALL)



def test_two_interventions_starting_in_one_month_are_two_sentences_each_with_its_own_schools():
    plans = [Intervention("induction", {}, START, END, (0,)), Intervention("protected_time", {}, START, END, (1, 2))]
    model, _ = run(1, plans, ticks=12)
    words = [line.text for line in describe_events(model.events, model.p) if line.kind == "intervention_start"]
    assert len(words) == 2, words
    assert "School 1" in words[0] and "School 2" not in words[0], words
    assert "Schools 2 and 3" in words[1] and "School 1 " not in words[1], words

"""Regression tests for the model-v2 mechanisms: each would fail on the behaviour an audit found to be an artifact.

Succession as a transition with successors drawn like sitting principals; exits that depend on the school,
with the colleague-loss effect scaled by the share of staff leaving; movers who stay in the network; trust
with memory (slow gains from what colleagues show, fast losses, a vulnerability threshold); balkanization;
openness that closes only below a collegial norm; persistence judged on yearly means with a hysteresis band and
a separate "never formed" outcome; constants moved into the declaration.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulation import PLCModel, network_frame, persistence_table
from simulation.kernels import (
    DialogueRates,
    DialogueState,
    LearningRates,
    LearningState,
    LeaveRates,
    LeaveState,
    Talk,
    TrustRates,
    TrustState,
    converse,
    learn,
    leave,
    over_schools,
    school_talk,
    update_trust,
)
from simulation.measures import DECAYED, RECOVERED, STAGES, Observer
from simulation.parameters import TICKS_PER_YEAR, make_params
from simulation.rules import leadership, policy_churn
from simulation.turnover import place_movers, succeed_principals

SMALL = {"n_schools": 4, "teachers_per_school": 10, "support_staff": 0}


def run(ticks: int, **kw) -> PLCModel:
    model = PLCModel(**kw)
    for _ in range(ticks):
        model.step()
    return model


# --- 1. successors and succession -----------------------------------------------------------------------------

def test_successors_are_drawn_like_the_sitting_principals_and_champions_only_at_the_start():
    params = {**SMALL, "principal_trait_sd": 0.0, "principal_support": 0.7, "inquiry_focus": 0.55,
              "champion_boost": 0.2, "principal_leaves_tick": 5, "shock_share": 0.5}
    model = PLCModel(rng=1, **params)
    s = model.schools
    np.testing.assert_allclose(s.principal_support, [0.9, 0.9, 0.7, 0.7])  # the hit half are champions
    np.testing.assert_allclose(s.principal_focus, [0.75, 0.75, 0.55, 0.55])
    succeed_principals(model, np.arange(4))
    np.testing.assert_allclose(s.principal_support, 0.7)  # every successor: the system's distribution
    np.testing.assert_allclose(s.principal_focus, 0.55)
    no_departure = PLCModel(rng=1, **{**params, "principal_leaves_tick": -1})
    np.testing.assert_allclose(no_departure.schools.principal_support, 0.7)  # no champions without a departure


def test_each_school_meets_the_same_successors_in_runs_that_differ_in_anything_else():
    """Common random numbers: successors come from each school's own stream, not the shared one."""
    params = {**SMALL, "principal_trait_sd": 0.3, "principal_turnover_rate": 0.5}

    def successors(**kw) -> dict[int, list[tuple[float, float, float]]]:
        model, drawn = PLCModel(rng=5, **params, **kw), {school: [] for school in range(SMALL["n_schools"])}
        for _ in range(12 * TICKS_PER_YEAR):
            left = model.schools.principals_left.copy()
            model.step()
            for school in np.flatnonzero(model.schools.principals_left > left):
                s = model.schools
                drawn[school].append((s.principal_support[school], s.principal_focus[school], s.distribution[school]))
        return drawn

    base, other_arm = successors(), successors(teacher_turnover_rate=0.3, meeting_time=0.3)
    assert sum(map(len, base.values())) >= 8, "enough principal changes to compare"
    for school, sequence in base.items():
        shared = min(len(sequence), len(other_arm[school]))
        assert shared > 0 and sequence[:shared] == other_arm[school][:shared], f"school {school}"
    assert len({trait for sequence in base.values() for trait in sequence}) == sum(map(len, base.values()))


def test_a_dismantling_successor_takes_away_time_routines_and_focus_and_the_staff_disengage():
    """Hargreaves & Fink (2006): a successor who undoes her predecessor's work. With dismantling_share 1 every
    succession is one; time and focus lose dismantling_loss, routines their own dismantling_memory_loss; staff of a
    year or more disengage, newcomers lose nothing they built; the successors themselves are the same people as
    without dismantling (its own stream)."""
    params = {**SMALL, "dismantling_loss": 0.9, "dismantling_memory_loss": 0.5, "dismantling_disengagement": 0.6}
    plain, dismantled = PLCModel(rng=3, **params), PLCModel(rng=3, **params, dismantling_share=1.0)
    before = {name: getattr(plain.schools, name).copy() for name in ("meeting_time", "memory", "shared_focus")}
    engagement = plain.members.engagement.copy()
    hit = np.array([0, 2])
    succeed_principals(plain, hit)
    succeed_principals(dismantled, hit)
    s = dismantled.schools
    for name, values in before.items():
        np.testing.assert_allclose(getattr(s, name)[hit], (0.5 if name == "memory" else 0.1) * values[hit])
        np.testing.assert_array_equal(getattr(s, name)[[1, 3]], values[[1, 3]])
    built = np.isin(dismantled.members.school, hit) & (dismantled.members.tenure >= 1)
    assert (np.isin(dismantled.members.school, hit) & ~built).any(), "first-year members to spare"
    np.testing.assert_allclose(dismantled.members.engagement[built], 0.4 * engagement[built])
    np.testing.assert_array_equal(dismantled.members.engagement[~built], engagement[~built])
    np.testing.assert_array_equal(s.principal_support, plain.schools.principal_support)  # the same successors
    np.testing.assert_array_equal(plain.schools.meeting_time, before["meeting_time"])  # off by default


def test_a_dismantling_successor_withholds_her_support_and_focus():
    """Hargreaves & Fink (2006): a successor with her own agenda keeps her predecessor's work undone. With
    dismantling_withdrawal 0.75 she holds a quarter of the support and focus she was drawn with (the same successor
    as without it), other schools' principals are untouched, and her support stays so while she is in post."""
    params = {**SMALL, "dismantling_share": 1.0, "principal_turnover_rate": 0.0}
    plain, withholding = PLCModel(rng=3, **params), PLCModel(rng=3, **params, dismantling_withdrawal=0.75)
    hit = np.array([0, 2])
    succeed_principals(plain, hit)
    succeed_principals(withholding, hit)
    for name in ("principal_support", "principal_focus"):
        drawn, held = getattr(plain.schools, name), getattr(withholding.schools, name)
        np.testing.assert_allclose(held[hit], 0.25 * drawn[hit])
        np.testing.assert_array_equal(held[[1, 3]], drawn[[1, 3]])
    for _ in range(12):
        withholding.step()
    np.testing.assert_allclose(withholding.schools.principal_support[hit], 0.25 * plain.schools.principal_support[hit])


def test_a_new_principal_builds_her_standing_and_takes_up_a_stronger_shared_focus():
    model = PLCModel(rng=2, **SMALL, principal_turnover_rate=0.0, succession_ramp_years=2.0,
                     successor_initial_standing=0.4, successor_adoption_rate=0.1, principal_trait_sd=0.0,
                     inquiry_focus=0.2)
    model.schools.shared_focus[:] = 0.8
    succeed_principals(model, np.array([0]))
    standing, focus = [], []
    for _ in range(3 * TICKS_PER_YEAR):
        model.step()
        standing.append(model.schools.principal_standing[0])
        focus.append(model.schools.principal_focus[0])
    assert standing[0] == pytest.approx(0.4 + 0.6 / 20)  # one month into a two-year ramp
    assert np.all(np.diff(standing[:20]) > 0) and standing[-1] == 1.0
    assert focus[-1] > 0.3, "a successor in her first years takes up her teacher leaders' stronger focus"
    assert model.schools.principal_standing[1:].min() == 1.0, "sitting principals keep their full standing"


# --- 2. exits that depend on the school, scaled by the share of staff leaving ------------------------------------

def _loss_after_leaving(size: int, leavers: int) -> float:
    trust = np.full((1, size, size), 0.5)
    engagement = np.full(size, 0.6)
    leave(np.arange(leavers), size, size, LeaveState(trust, engagement, np.zeros(size, bool), np.zeros(1), np.zeros(1)),
          LeaveRates(loss_effect=0.3, newcomer_trust=0.1))
    return 0.6 - engagement[-1]


def test_colleague_loss_scales_with_the_share_of_staff_leaving_not_their_number():
    """The old rule summed over leavers: 4 of 40 leaving cost four times what 1 of 10 cost."""
    small, large = _loss_after_leaving(10, 1), _loss_after_leaving(37, 4)
    assert small == pytest.approx(0.3 * 0.5 * 1 / 9)
    assert large == pytest.approx(0.3 * 0.5 * 4 / 36)
    assert large == pytest.approx(small)


def _turnover(seed: int, **kw) -> float:
    frame = network_frame(run(6 * TICKS_PER_YEAR, rng=seed, n_schools=4, **kw))
    year_ends = frame[(frame.tick % TICKS_PER_YEAR == 0) & (frame.tick > TICKS_PER_YEAR)]
    return float(1 - year_ends["retention"].mean())


def test_teacher_turnover_does_not_depend_on_school_size():
    """The old summed loss gave 12% a year at 10 teachers, 16% at 40 and 33% at 160.

    Four networks of 10-teacher schools differ by about 0.03 in their turnover, so the small arm has 12 of them.
    """
    small = np.mean([_turnover(seed, teachers_per_school=10, support_staff=0) for seed in range(12)])
    large = np.mean([_turnover(seed, teachers_per_school=60, support_staff=0) for seed in range(4)])
    assert abs(small - large) < 0.04, (small, large)


def test_leadership_support_keeps_teachers():
    kw = {"teachers_per_school": 10, "support_staff": 0}
    weak = np.mean([_turnover(seed, **kw, principal_support=0.1) for seed in range(3)])
    strong = np.mean([_turnover(seed, **kw, principal_support=0.95) for seed in range(3)])
    assert strong < weak - 0.02, (weak, strong)


def test_principals_leave_struggling_schools_more_often():
    model = PLCModel(rng=3, n_schools=200, teachers_per_school=4, support_staff=0)
    health = np.where(np.arange(200) < 100, 0.2, 0.7)
    model.observer.health_sum[:], model.observer.health_count = health, 1
    model.steps = TICKS_PER_YEAR - 1
    model.step()
    left = model.schools.principals_left
    assert left[:100].mean() > 1.8 * left[100:].mean()


# --- 3. movers stay in the network ----------------------------------------------------------------------------

def test_movers_take_posts_in_other_schools_with_their_knowledge():
    model = PLCModel(rng=4, **SMALL)
    m = model.members
    m.knowledge[:] = np.linspace(0, 1, m.knowledge.size)
    leavers = np.array([0, 1, 12, 25, 33])
    knowledge_before, person_before = m.knowledge.copy(), m.person.copy()
    from simulation.turnover import replace_members
    replace_members(model, leavers, "year_end", movers=np.array([0, 12]))
    for mover in (0, 12):
        (post,) = np.flatnonzero(m.person == person_before[mover])
        assert post in leavers and m.school[post] != m.school[mover]
        assert m.knowledge[post] == knowledge_before[mover] and m.tenure[post] == 0


def test_place_movers_never_places_a_mover_in_her_own_school():
    school_of = np.repeat(np.arange(3), 5)
    rng = np.random.default_rng(0)
    for _ in range(50):
        vacancies = rng.choice(15, size=6, replace=False)
        movers = vacancies[:3]
        placed, posts = place_movers(movers, vacancies, school_of, rng)
        assert np.all(school_of[placed] != school_of[posts]) and len(set(posts.tolist())) == posts.size


def test_place_movers_gives_each_mover_in_turn_the_first_free_post_of_another_school():
    def greedy(movers, posts, school):  # the rule in words, in plain Python
        free, placed, taken = list(posts), [], []
        for mover in movers:
            post = next((p for p in free if school[p] != school[mover]), None)
            if post is not None:
                free.remove(post)
                placed.append(mover)
                taken.append(post)
        return placed, taken

    rng = np.random.default_rng(1)
    for schools, size, most in [(4, 6, 12)] * 100 + [(30, 8, 200)] * 20:  # the second: long runs of taken posts
        school_of = np.repeat(np.arange(schools), size)
        vacancies = rng.choice(schools * size, size=int(rng.integers(0, most)), replace=False)
        movers = vacancies[: int(rng.integers(0, vacancies.size + 1))]
        seed = int(rng.integers(1 << 30))
        placed, posts = place_movers(movers, vacancies, school_of, np.random.default_rng(seed))
        shuffle = np.random.default_rng(seed)
        expected = greedy(shuffle.permutation(movers), shuffle.permutation(vacancies), school_of)
        assert (placed.tolist(), posts.tolist()) == (list(expected[0]), list(expected[1]))


# --- 4. trust with memory -------------------------------------------------------------------------------------

def _trust_after(draw: float, tie: float = 0.5) -> float:
    trust = np.full((1, 2, 2), tie)
    knowledge, engagement = np.full(2, 0.5), np.full(2, 0.5)
    rates = TrustRates(decay=0.0, meeting=0.0, growth=0.06, breach_chance=0.5, breach_loss=0.4)
    talk = Talk(np.array([0]), np.array([1]), np.array([0]), np.array([0.5]), np.array([False]))
    update_trust(talk, np.array([0]), np.array([1]), np.array([draw, 0.99]),
                 TrustState(trust, np.zeros((1, 2), bool), np.zeros((1, 2, 2), bool), knowledge, engagement), rates)
    return float(trust[0, 0, 1])


def test_trust_is_gained_slowly_from_what_colleagues_show_and_lost_fast_in_a_breach():
    gained, breached = _trust_after(0.99) - 0.5, 0.5 - _trust_after(0.0)
    assert gained == pytest.approx(0.06 * 0.5 * 0.5)  # growth * shown * room left
    assert breached == pytest.approx(0.2) and breached > 10 * gained


@pytest.mark.parametrize("parallel", [False, True])
def test_conversations_change_trust_in_their_order_even_when_schools_interleave(parallel):
    """The trust kernel takes each school's conversations together; a replaced dialogue rule may list schools in
    any order, and a tie met twice must still see its two conversations in the order given."""
    rng = np.random.default_rng(5)
    n_schools, size, n = 3, 4, 60
    school = rng.integers(0, n_schools, n)
    local_a = rng.integers(0, size, n)
    local_b = (local_a + rng.integers(1, size, n)) % size  # a colleague, never oneself
    a, b = school * size + local_a, school * size + local_b
    depth, draws = rng.random(n), rng.random(2 * n)
    knowledge, engagement = rng.random(n_schools * size), rng.random(n_schools * size)
    rates = TrustRates(decay=0.0, meeting=0.0, growth=0.3, breach_chance=0.5, breach_loss=0.4)
    nobody = np.zeros((n_schools, size), bool), np.zeros((n_schools, size, size), bool)
    together = rng.random((n_schools, size, size))
    one_by_one = together.copy()
    within = np.zeros(n, bool)
    over_schools(update_trust, parallel)(Talk(a, b, school, depth, within), local_a, local_b, draws,
                                         TrustState(together, *nobody, knowledge, engagement), rates)
    for c in range(n):
        one = slice(c, c + 1)
        update_trust(Talk(a[one], b[one], school[one], depth[one], within[one]), local_a[one], local_b[one],
                     draws[2 * c:2 * c + 2], TrustState(one_by_one, *nobody, knowledge, engagement), rates)
    np.testing.assert_array_equal(together, one_by_one)


def test_team_meetings_no_longer_close_a_third_of_every_trust_gap():
    """The old rule closed 30% of the gap at each shared meeting, whatever happened in it: trust had no memory."""
    default = run(0, rng=1).p
    assert default.meeting_trust_rate * 0.5 < 0.3 and default.trust_decay_rate < 0.01


def _depth(tie: float, protocol: float = 0.0) -> float:
    trust = np.full((1, 2, 2), tie)
    draws = np.array([0.75, 0.0, 0.9, 0.9, 0.9, 0.9])  # seeker 0 finds partner 1 and talks; attendance draws
    state = DialogueState(np.array([0.0]), np.zeros(2, np.int64), np.full(2, 2), trust, np.ones(1), np.ones(2),
                          np.ones(2), np.ones(1), np.array([protocol]))
    *_, depth, _, _ = converse(draws, state, DialogueRates(0.0, 0.5, 0.35, 0.05), 1, 2, 2)
    return float(depth[0])


def test_deep_talk_needs_trust_above_a_vulnerability_threshold_or_protocols():
    assert _depth(0.2) < 0.1 < 0.9 < _depth(0.5)
    assert _depth(0.2, protocol=0.5) > 0.9, "codified protocols stand in for trust (protocols rule)"


# --- 5. balkanization and openness ------------------------------------------------------------------------------

def test_whole_school_measures_discount_talk_confined_to_a_subgroup():
    a, b, school = np.array([0, 1]), np.array([1, 2]), np.array([0, 0])
    depth = np.array([0.6, 0.6])
    args = (a, b, school, depth)
    _, mean_depth, whole, reach = school_talk(Talk(*args, np.array([True, False])), np.zeros(3, np.int64), 1, 3, 0.5)
    assert mean_depth[0] == pytest.approx(0.6) and whole[0] == pytest.approx(0.45) and reach[0] == 0.75
    _, _, whole_cross, reach_cross = school_talk(Talk(*args, np.array([False, False])), np.zeros(3, np.int64), 1, 3,
                                                 0.5)
    assert whole_cross[0] == pytest.approx(0.6) and reach_cross[0] == 1.0


def test_primary_teachers_belong_to_grade_teams_and_meet_as_a_whole_staff():
    model = PLCModel(rng=1, n_schools=2, teachers_per_school=12, support_staff=0, school_type="primary",
                     grade_teams=4)
    m = model.members
    assert set(m.department[:12].tolist()) == {0, 1, 2, 3} and m.group_size[0] == 3
    assert m.same_team[0].sum() == 12 * 11, "the whole staff meets as one team"


def _openness_after(depth: float) -> float:
    knowledge, openness = np.full(2, 0.5), np.full(2, 0.5)
    talk = Talk(np.array([0]), np.array([1]), np.array([0]), np.array([depth]), np.array([False]))
    learn(talk, np.array([0.0]), LearningState(knowledge, openness, np.full((1, 2, 2), 0.5)), 2,
          LearningRates(0.0, 0.0, 0.0, 0.03, 0.03, 0.3, 0.0, 0.0, 0.0, 0.3, 0.1))
    return float(openness[0])


def test_openness_closes_only_below_the_collegial_norm():
    """The old rule closed practice in any conversation short of full depth, so incumbents closed up over time."""
    assert _openness_after(0.1) < 0.5
    assert _openness_after(0.3) == 0.5
    assert _openness_after(0.45) > 0.5


def _knowledge_after_a_month_alone(trust_in_colleagues: float, trust_in_self: float = 0.0,
                                   trust_in_inactive: float = 0.0, weight: float = 1.0) -> float:
    """Member 0's knowledge (from 0.5, fully open) after a month with no talk, in a school of four slots of which
    three take part, learning alone at 0.1 with the vulnerability threshold at 0.4 (width 0.1) and ``weight`` of it
    waiting on her felt safety."""
    knowledge, openness = np.full(4, 0.5), np.ones(4)
    trust = np.full((1, 4, 4), trust_in_colleagues)
    trust[0, 0, 0], trust[0, 0, 3] = trust_in_self, trust_in_inactive
    no_talk = Talk(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0, bool))
    learn(no_talk, np.zeros(0), LearningState(knowledge, openness, trust), 3,
          LearningRates(0.0, 0.0, 0.0, 0.0, 0.0, 0.3, 0.1, 0.0, weight, 0.4, 0.1))
    return float(knowledge[0])


def test_a_teacher_learns_alone_as_fast_as_trust_in_her_colleagues_makes_it_safe():
    """Experimentation at felt safety (Edmondson 1999; Bryk & Schneider 2002), with all of her learning alone
    waiting on it: at the vulnerability threshold a teacher learns alone at half the rate, well above it at nearly
    the full rate, well below it hardly at all. Only her colleagues who take part count, not her own row's diagonal
    or a post outside the community."""
    at_threshold = _knowledge_after_a_month_alone(0.4)
    assert at_threshold == pytest.approx(0.5 + 0.1 * 0.5 * 0.5)
    low, high = _knowledge_after_a_month_alone(0.1), _knowledge_after_a_month_alone(0.8)
    assert low - 0.5 < 0.1 * (at_threshold - 0.5) and high - 0.5 > 1.9 * (at_threshold - 0.5)
    assert _knowledge_after_a_month_alone(0.4, trust_in_self=1.0, trust_in_inactive=1.0) == at_threshold


def test_felt_safety_weight_sets_how_much_of_learning_alone_waits_on_trust():
    """At weight 0 (the default) trust does not pace learning alone: the full rate at any trust; at a half, her pace
    is halfway between the full rate and her felt safety."""
    full = 0.5 + 0.1 * 0.5
    assert _knowledge_after_a_month_alone(0.1, weight=0.0) == _knowledge_after_a_month_alone(0.9, weight=0.0) == full
    half = _knowledge_after_a_month_alone(0.4, weight=0.5)
    assert half == pytest.approx(0.5 + 0.1 * 0.75 * 0.5)


def _year_end_and_two_years_after(seed: int) -> tuple[float, float]:
    """Stayers' mean change of engagement across the year end after year 3, and of openness over the next two years."""
    # no dismantling successors: the claim is about colleagues leaving; a successor's undoing has its own test
    model = run(3 * TICKS_PER_YEAR - 1, rng=seed, n_schools=6, dismantling_share=0.0)
    m = model.members
    engagement, openness, person = m.engagement.copy(), m.openness.copy(), m.person.copy()
    model.step()  # the year end
    stayed = m.person == person
    assert (~stayed).any()
    engagement_change = (m.engagement[stayed] - engagement[stayed]).mean()
    for _ in range(2 * TICKS_PER_YEAR):
        model.step()
    stayed &= m.person == person
    return float(engagement_change), float((m.openness[stayed] - openness[stayed]).mean())


def test_at_a_year_end_those_who_stay_lose_little_engagement_and_keep_their_practice_open():
    """The old summed loss cost stayers 0.13 engagement at each year end; shallow talk closed incumbents' practice.

    One network's drift is noisy (about 0.03 between seeds), so the claim is about the mean over 12 networks.
    """
    engagement, openness = np.array([_year_end_and_two_years_after(seed) for seed in range(5, 17)]).T
    assert np.abs(engagement).max() < 0.03
    assert openness.mean() - 1.96 * openness.std(ddof=1) / np.sqrt(openness.size) > -0.01, (
        f"incumbents close their practice: mean drift {openness.mean():.3f} over two years")


def test_at_steady_state_turnover_does_not_raise_the_staffs_openness():
    """The audit found each year end raised mean openness by 0.036: newcomers replaced incumbents who had closed up.

    At steady state (years 10-20), a year end moves the mean openness of a network's teachers by less than 0.01.
    """
    jumps = []
    for seed in range(6):
        model = PLCModel(rng=seed, n_schools=10)
        for year in range(1, 21):
            for _ in range(TICKS_PER_YEAR - 1):
                model.step()
            before = model.members.openness[model.active_mask].mean()
            model.step()
            if year > 10:
                jumps.append(model.members.openness[model.active_mask].mean() - before)
    assert abs(np.mean(jumps)) < 0.01, f"a year end moves the staff's openness by {np.mean(jumps):+.4f}"


# --- 6. persistence ---------------------------------------------------------------------------------------------

STAGES_AT = {"initiating_level": 0.25, "implementing_level": 0.35, "sustaining_level": 0.5}


def _judge(years: list[float], **overrides):
    """Feed one school's yearly means to an Observer; return the changes, and its first formed, decay and
    re-forming ticks and its last stage."""
    p = make_params({**STAGES_AT, "decay_span": 1, **overrides})
    observer = Observer(1)
    changes = [int(observer.judge_year(np.array([mean]), p, year * TICKS_PER_YEAR)[0])
               for year, mean in enumerate(years, start=1)]
    return (changes, observer.first_formed_tick[0], observer.first_decay_tick[0], observer.first_recovery_tick[0],
            STAGES[observer.stage[0]])


def test_each_year_is_classified_by_stage_on_a_fixed_scale():
    stages = [_judge([mean])[4] for mean in (0.1, 0.25, 0.3, 0.35, 0.49, 0.5, 0.9)]
    assert stages == ["not yet", "initiating", "initiating", "implementing", "implementing", "sustaining",
                      "sustaining"]


def test_a_community_forms_at_the_implementing_stage_and_decays_only_below_the_initiating_stage():
    # noise inside the band (0.25 to 0.35) after forming is neither decay nor re-forming: hysteresis
    changes, formed, decayed, _, _ = _judge([0.3, 0.36, 0.3, 0.26, 0.33, 0.27])
    assert formed == 2 * TICKS_PER_YEAR and decayed == -1 and not any(changes)
    changes, formed, decayed, reformed, stage = _judge([0.4, 0.3, 0.2, 0.3, 0.34, 0.36])
    assert formed == TICKS_PER_YEAR and decayed == 3 * TICKS_PER_YEAR and changes.count(DECAYED) == 1
    assert reformed == 6 * TICKS_PER_YEAR and changes[-1] == RECOVERED and stage == "implementing"
    # the fall is judged on the fixed scale, not against the school's own past: a high start that settles at the
    # implementing stage has not decayed (it has eroded: the secondary measure)
    changes, _, decayed, _, _ = _judge([0.6, 0.6, 0.45, 0.4, 0.38, 0.37])
    assert decayed == -1 and not any(changes)


def test_decay_needs_decay_span_years_below_the_initiating_stage():
    _, _, decayed, _, _ = _judge([0.4, 0.2, 0.3, 0.2, 0.2], decay_span=2)
    assert decayed == 5 * TICKS_PER_YEAR


def test_erosion_is_a_fall_below_the_schools_own_established_level_with_hysteresis():
    p = make_params({**STAGES_AT, "decay_span": 2, "erosion_drop": 0.1, "erosion_recovery_drop": 0.04,
                     "establishing_rate": 0.2})
    observer = Observer(1)
    for year, mean in enumerate([0.45, 0.47, 0.43, 0.46, 0.44, 0.45, 0.47, 0.43], start=1):
        observer.judge_year(np.array([mean]), p, year * TICKS_PER_YEAR)
    assert observer.erosion.first_change[0] == -1 and 0.44 < observer.established[0] < 0.47, "noise is no erosion"
    observer = Observer(1)
    for year, mean in enumerate([0.45, 0.45, 0.33, 0.32, 0.38, 0.42, 0.43, 0.44], start=1):
        observer.judge_year(np.array([mean]), p, year * TICKS_PER_YEAR)
    assert observer.erosion.first_change[0] == 4 * TICKS_PER_YEAR  # two years more than 0.1 below its level
    assert observer.erosion.first_return[0] == 7 * TICKS_PER_YEAR  # back within 0.04 for two years
    assert observer.decay.first_change[0] == -1, "an eroded community at the implementing stage has not decayed"


def test_a_community_that_never_forms_is_not_counted_as_decayed():
    changes, formed, decayed, _, _ = _judge([0.2, 0.22, 0.21, 0.1, 0.05])
    assert not any(changes) and formed == -1 and decayed == -1
    model = run(3 * TICKS_PER_YEAR, rng=1, **SMALL, initiating_level=0.98, implementing_level=0.99,
                sustaining_level=0.99)
    table = persistence_table(model)
    assert table["never_formed"].all() and not table["decayed_ever"].any()
    assert {"first_formed_tick", "first_decay_tick", "first_recovery_tick", "decayed_at_end", "decayed_ever",
            "secondary", "never_formed", "first_erosion_tick", "stage_at_end"} <= set(table.columns)


# --- 6b. policy churn ------------------------------------------------------------------------------------------

def test_a_new_outside_initiative_adds_workload_and_displaces_routines_and_shared_focus():
    model = run(TICKS_PER_YEAR, rng=3, **SMALL, policy_churn_rate=1.0, initiative_displacement=0.4,
                policy_workload=0.2, workload_recovery_rate=0.0)
    s = model.schools
    memory, shared, focus = s.memory.copy(), s.shared_focus.copy(), s.principal_focus.copy()
    model.steps += 1  # the first month of the next school year
    policy_churn(model)
    np.testing.assert_allclose(s.memory, 0.6 * memory)
    np.testing.assert_allclose(s.shared_focus, 0.6 * shared)
    np.testing.assert_allclose(s.principal_focus, focus)  # her own focus is the scheduled policy shock's business
    assert (s.workload >= model.p.workload + 0.2 - 1e-12).all()
    assert [e.schools for e in model.events if e.kind == "new_initiative"][-1] == (0, 1, 2, 3)


def test_added_workload_fades_only_with_a_recovery_rate():
    def workload_after(rate):
        model = PLCModel(rng=4, **SMALL, policy_churn_rate=0.0, policy_focus_tick=1, policy_workload=0.4,
                         workload_recovery_rate=rate)
        for _ in range(3 * TICKS_PER_YEAR):
            model.step()
        return model.schools.workload - model.p.workload
    np.testing.assert_allclose(workload_after(0.0), 0.4)
    assert (workload_after(0.05) < 0.4 * 0.95 ** 25).all()


def test_without_churn_no_initiative_arrives_and_no_random_number_is_drawn_for_it():
    quiet = run(2 * TICKS_PER_YEAR, rng=6, **SMALL, policy_churn_rate=0.0)
    assert not [e for e in quiet.events if e.kind == "new_initiative"]
    again = run(2 * TICKS_PER_YEAR, rng=6, **SMALL, policy_churn_rate=0.0, initiative_displacement=0.9)
    np.testing.assert_array_equal(quiet.members.knowledge, again.members.knowledge)


def test_outside_demands_divert_the_principal_but_not_what_teacher_leaders_hold():
    def focus_after(diversion, distribution):
        model = PLCModel(rng=2, **SMALL, initiative_diversion=diversion, leadership_distribution=distribution,
                         principal_trait_sd=0.0, principal_turnover_rate=0.0, inquiry_focus=0.6)
        model.schools.workload[:] = model.p.workload + 0.2
        leadership(model)
        return model.schools.focus.copy(), model.schools.shared_focus.copy()
    free, free_shared = focus_after(0.0, 0.0)
    diverted, diverted_shared = focus_after(2.5, 0.0)
    np.testing.assert_allclose(diverted, 0.5 * free)  # attention 1 - 2.5 * 0.2: half her focus goes elsewhere
    shared, _ = focus_after(2.5, 1.0)
    np.testing.assert_allclose(shared, focus_after(0.0, 1.0)[0], atol=0.002)  # shared focus is not diverted (only
    # this month's internalization of what she pushes differs)
    assert (diverted_shared <= free_shared).all()  # leaders internalize only what she still pushes


def test_policy_churn_makes_established_communities_decay_more_often():
    """Without churn decay was rare at steady state (the audit's 'noise around the attractor' gone, nothing left)."""
    def decays(rate):
        total = 0
        for seed in range(4):
            model = run(20 * TICKS_PER_YEAR, rng=seed, n_schools=8, teachers_per_school=20, support_staff=0,
                        policy_churn_rate=rate, initiative_displacement=0.5)
            total += int(persistence_table(model)["decayed_ever"].sum())
        return total
    assert decays(0.5) > decays(0.0) + 3


# --- 7. constants in the declaration ----------------------------------------------------------------------------

def test_set_up_constants_are_declared_parameters():
    model = PLCModel(rng=1, **SMALL, initial_tenure_max=2, initial_principal_tenure_max=0, newcomer_openness=0.9,
                     trait_spread=0.0)
    assert model.members.tenure.max() <= 2 and model.schools.principal_tenure.max() == 0
    ring = PLCModel(rng=1, n_schools=12, teachers_per_school=4, support_staff=0, network_type="small_world",
                    small_world_rewiring=0.0)
    assert sorted(map(tuple, ring.links.tolist())) == sorted({tuple(sorted((i, (i + d) % 12)))
                                                              for i in range(12) for d in (1, 2)})
    person = model.members.person.copy()
    model.trigger_shock("turnover_wave", schools=[0])
    arrived = model.members.person != person
    assert arrived.any() and np.all(model.members.openness[arrived] == 0.9)


@pytest.mark.parametrize("rule", ["archive", "protocols"])
def test_both_memory_rules_run_and_differ(rule):
    other = {"archive": "protocols", "protocols": "archive"}[rule]
    a = network_frame(run(40, rng=2, **SMALL, memory_rule=rule))
    b = network_frame(run(40, rng=2, **SMALL, memory_rule=other))
    assert not a["health"].equals(b["health"])


def test_a_staff_that_does_not_meet_is_not_socialized_toward_its_code():
    """Socialization works through the routines a staff takes part in (March 1991; Kruse & Louis): teachers who
    never talk are not pulled toward a code nobody uses, so with no conversations the socialization rate cannot
    change what they know. Pulled toward an unused code, which fades toward nothing, lone teachers would lose
    knowledge to it: pattern 5's "alone" arm lost three times its obsolescence that way."""
    alone = {**SMALL, "conversations_per_tick": 0, "rng": 3}
    knowledge = [network_frame(run(36, socialization_rate=rate, **alone))["knowledge"].to_numpy()
                 for rate in (0.0, 0.2)]
    np.testing.assert_array_equal(knowledge[0], knowledge[1])
    meeting = [network_frame(run(36, rng=3, **SMALL, socialization_rate=rate))["knowledge"].to_numpy()
               for rate in (0.0, 0.2)]
    assert not np.array_equal(meeting[0], meeting[1])

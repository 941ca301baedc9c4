"""Batched replications (simulation.batch) give every run the same outputs, bit for bit, as stepping it alone: over
the rule variants, presets, shocks, interventions and replaced rules (which fall back to one run at a time), and
whatever the batch size."""

from __future__ import annotations

import numpy as np
import pytest
from run_digests import CASES, outputs

from simulation import PLCModel, rules
from simulation import batch as batching
from simulation.batch import VARYING, Batch, batch_groups, step_models
from simulation.interventions import Intervention
from simulation.parameters import PARAMETERS, STAGE_CUTPOINTS
from simulation.presets import PRESETS


def _state(model) -> dict[str, bytes]:
    """Everything a run leaves: its outputs, this month's conversations, and where its random streams stand."""
    talk = model.meetings
    return {**outputs(model),
            "meetings": b"".join(np.ascontiguousarray(x).tobytes() for x in
                                 (talk.a, talk.b, talk.school, talk.depth, talk.attending, talk.within)),
            "streams": repr((model.rng.bit_generator.state, model.time_cut_stream.bit_generator.state,
                             [s.bit_generator.state for s in model.successor_streams])).encode(),
            "clock": repr((model.steps, model.time)).encode()}


def _alone(make, seeds, ticks) -> list[dict[str, bytes]]:
    states = []
    for seed in seeds:
        model = make(seed)
        for _ in range(ticks):
            model.step()
        states.append(_state(model))
    return states


def _assert_batched_as_alone(make, seeds, ticks, batch_size=64):
    models = [make(seed) for seed in seeds]
    step_models(models, ticks, batch_size=batch_size)
    for seed, model, alone in zip(seeds, models, _alone(make, seeds, ticks), strict=True):
        batched = _state(model)
        assert [k for k in alone if batched[k] != alone[k]] == [], f"seed {seed}"


def _case(options: dict):
    options = dict(options)
    options.pop("rng")
    return lambda seed: PLCModel(rng=seed, **options)


@pytest.mark.parametrize("name", [name for name in CASES if name != "baseline-parallel"])  # the "parallel" variant
def test_the_digest_cases_batched_are_the_same_as_alone(name):  # below runs those kernels on a smaller network
    case = dict(CASES[name])
    ticks = case.pop("ticks", 60)
    _assert_batched_as_alone(_case(case), [case["rng"] + k for k in range(3)], ticks)


@pytest.mark.parametrize("preset", PRESETS)
def test_every_preset_batched_is_the_same_as_alone(preset):
    _assert_batched_as_alone(lambda seed: PLCModel(preset=preset, rng=seed, n_schools=4), [11, 12, 13], 62)


VARIANTS = {
    "cuts-and-churn": {"time_cut_rate": 0.6, "time_restoration_rate": 0.1, "policy_churn_rate": 0.8},
    "shocks-between-year-ends": {"principal_leaves_tick": 17, "budget_cut_tick": 5, "turnover_wave_tick": 29,
                                 "policy_focus_tick": 31, "shock_share": 0.5},
    "ring": {"network_type": "ring"},
    "random": {"network_type": "random"},
    "no-links": {"network_type": "none"},
    "facilitated-small-world": {"network_type": "small_world", "network_facilitator": True},
    "primary": {"school_type": "primary"},
    "protocols-staff": {"memory_rule": "protocols", "include_support_staff": True},
    "parallel": {"parallel_schools": True},
    "some-runs-without-links": {"n_schools": 3, "network_type": "random", "network_degree": 1,
                                "network_facilitator": True},  # seed 5: no link
}


@pytest.mark.parametrize("name", VARIANTS)
def test_rule_variants_batched_are_the_same_as_alone(name):
    _assert_batched_as_alone(lambda seed: PLCModel(rng=seed, **{"n_schools": 5, **VARIANTS[name]}), [3, 4, 5], 50)


@pytest.mark.parametrize("batch_size", [1, 3, 64])
def test_results_do_not_depend_on_the_batch_size(batch_size):
    _assert_batched_as_alone(lambda seed: PLCModel(rng=seed, n_schools=1, policy_churn_rate=0.9), range(64), 26,
                             batch_size=batch_size)


def _trust_kept(model) -> None:
    """A replaced rule: trust is neither built nor lost."""


def test_runs_that_cannot_batch_step_alone_among_those_that_can():
    def make(seed):
        kind = seed % 4
        if kind == 1:
            return PLCModel(rng=seed, n_schools=3, rules={"trust": _trust_kept})
        if kind == 2:
            return PLCModel(rng=seed, n_schools=3, interventions=[Intervention("induction", start_year=1)])
        if kind == 3:
            return PLCModel(rng=seed, n_schools=3, conversations_per_tick=3)  # another structure
        return PLCModel(rng=seed, n_schools=3)

    seeds = list(range(12))
    groups = list(batch_groups([make(seed) for seed in seeds], batch_size=2))
    assert sorted(len(group) for group in groups) == [1] * 8 + [2, 2]  # 3 + 3 of two points, in twos
    _assert_batched_as_alone(make, seeds, 30)


def test_a_model_stepped_alone_after_its_batch_goes_on_as_it_would_have():
    def stepped(models, batched_ticks, alone_ticks):
        step_models(models, batched_ticks)
        for model in models:
            for _ in range(alone_ticks):
                model.step()
        return [_state(model) for model in models]

    first = stepped([PLCModel(rng=seed, n_schools=2) for seed in (1, 2)], 15, 20)
    assert first == _alone(lambda seed: PLCModel(rng=seed, n_schools=2), (1, 2), 35)


def test_a_batch_refuses_models_that_cannot_step_together():
    with pytest.raises(ValueError, match="baseline rules"):
        Batch([PLCModel(rng=1, n_schools=2), PLCModel(rng=2, n_schools=3)])
    with pytest.raises(ValueError, match="baseline rules"):
        Batch([PLCModel(rng=1, n_schools=2, rules={"trust": _trust_kept}), PLCModel(rng=2, n_schools=2)])


def test_a_rule_drawing_numbers_the_batch_does_not_lay_out_stops_with_its_name(monkeypatch):
    monkeypatch.setattr(batching, "DRAW_LAYOUTS", {k: v for k, v in batching.DRAW_LAYOUTS.items() if k != "trust"})
    batch = Batch([PLCModel(rng=seed, n_schools=2) for seed in (1, 2)])
    with pytest.raises(RuntimeError, match="rule 'trust' drew"):
        batch.step()


def test_every_rule_that_draws_in_a_batched_tick_has_a_layout():
    drawing = {rule.__name__ for rule in rules.SCHEDULE if "rng.random" in _source(rule)} - {"turnover"}
    assert drawing <= set(batching.DRAW_LAYOUTS), drawing - set(batching.DRAW_LAYOUTS)


def _source(rule) -> str:
    import inspect

    text = inspect.getsource(rule)
    if rule is rules.shocks:  # its parts draw: policy churn (model.rng) and time cuts (their own stream)
        text += inspect.getsource(rules.policy_churn) + inspect.getsource(rules.time_cuts)
    return text


POINTS = (
    {"policy_churn_rate": 0.7, "initiative_displacement": 0.2, "policy_workload": 0.4, "workload_recovery_rate": 0.1,
     "time_cut_rate": 0.5, "time_cut_size": 0.3, "time_restoration_rate": 0.05, "codification_rate": 0.2,
     "dismantling_share": 0.8, "dismantling_loss": 0.5, "dismantling_withdrawal": 0.4, "trust_growth_rate": 0.03,
     "subgroup_discount": 0.2, "succession_ramp_years": 2.0, "strong_tie_threshold": 0.4,
     "observation_smoothing": 0.5, "initiating_level": 0.2, "principal_turnover_rate": 0.4},
    {"policy_churn_rate": 0.0, "initiative_displacement": 0.6, "policy_workload": 0.1, "time_cut_rate": 0.0,
     "time_cut_size": 0.8, "time_restoration_rate": 0.0, "codification_rate": 0.05, "memory_decay_rate": 0.05,
     "dismantling_share": 0.3, "dismantling_memory_loss": 0.2, "trust_growth_rate": 0.1, "breach_loss": 0.7,
     "social_capital": 0.9, "subgroup_discount": 0.7, "initiative_diversion": 4.0, "transfer_rate": 0.3,
     "knowledge_obsolescence": 0.01, "engagement_rate": 0.2, "bridging_rate": 0.6, "facilitator_rate": 0.1,
     "erosion_drop": 0.01, "principal_turnover_rate": 0.4},
    {"policy_churn_rate": 0.3, "time_cut_rate": 0.9, "time_cut_size": 0.1, "time_restoration_rate": 0.2,
     "protocol_strength": 0.9, "vulnerability_threshold": 0.2, "meeting_trust_rate": 0.4, "leader_support_share": 0.8,
     "principal_turnover_rate": 0.4},
)
"""Parameter points that differ in rates read by kernels and by the rules' own numpy lines (policy churn, time cuts
and their restoration, initiative sizes, codification, dismantling, the measures' and the year's judgement): the
second draws nothing for churn and cuts, where the others do; principals leave often, so successors dismantle."""


def _at_point(seed: int):
    return PLCModel(rng=seed, n_schools=4, network_facilitator=True, memory_rule="protocols",
                    **POINTS[seed % len(POINTS)])


@pytest.mark.parametrize("batch_size", [2, 6])
def test_runs_at_different_points_batched_are_the_same_as_alone(batch_size):
    seeds = list(range(6))
    assert [len(group) for group in batch_groups([_at_point(seed) for seed in seeds], batch_size)] == \
        [batch_size] * (6 // batch_size)  # the points are joined
    _assert_batched_as_alone(_at_point, seeds, 50, batch_size=batch_size)


def _every_rate_drawn(seed: int):
    """A point where every parameter of VARYING is drawn from its declared range (the stage cutpoints in order)."""
    draw = np.random.default_rng(1000 + seed)
    values = {param.name: float(draw.uniform(param.low, param.high)) for param in PARAMETERS if param.name in VARYING}
    values.update(zip(STAGE_CUTPOINTS, sorted(values[name] for name in STAGE_CUTPOINTS), strict=True))
    return PLCModel(rng=seed, n_schools=3, network_facilitator=True, school_type="primary", **values)


def test_runs_that_differ_in_every_rate_batched_are_the_same_as_alone():
    """Every batched read of a float parameter is per school: a batch whose runs differ in all of them at once is
    each run alone."""
    assert len(next(batch_groups([_every_rate_drawn(seed) for seed in range(3)]))) == 3
    _assert_batched_as_alone(_every_rate_drawn, range(3), 38)


STRUCTURES = {"n_schools": 5, "teachers_per_school": 12, "support_staff": 2, "include_support_staff": True,
              "school_type": "primary", "memory_rule": "archive", "network_type": "ring", "network_degree": 2,
              "network_facilitator": True, "conversations_per_tick": 3, "catchup_years": 2, "decay_span": 2,
              "budget_cut_tick": 30, "principal_leaves_tick": 30, "early_career_years": 1}


@pytest.mark.parametrize("name", STRUCTURES)
def test_runs_that_differ_in_structure_are_never_joined(name):
    assert name not in VARYING
    models = [PLCModel(rng=1, n_schools=4), PLCModel(rng=2, **{"n_schools": 4, name: STRUCTURES[name]})]
    assert [len(group) for group in batch_groups(models)] == [1, 1]
    with pytest.raises(ValueError, match="baseline rules"):
        Batch(models)


@pytest.mark.slow  # compiles the parallel kernels for rates per school in the session (about 15 s)
def test_runs_at_different_points_with_parallel_kernels_batched_are_the_same_as_alone():
    def make(seed):
        return PLCModel(rng=seed, n_schools=3, parallel_schools=True, **POINTS[seed % len(POINTS)])

    _assert_batched_as_alone(make, range(3), 26)

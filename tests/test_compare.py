"""compare_with_baseline: the paired comparison students, docs and notebooks use; kernel variants through hooks."""

from __future__ import annotations

import numpy as np
import pytest

from plc_sim.core.compare import compare_with_baseline
from simulation import kernels, rules
from simulation.kernels import LearningRates, LearningState, Talk

SMALL = {"n_schools": 3, "teachers_per_school": 8, "support_staff": 0}


def test_a_change_that_changes_nothing_gives_a_zero_difference():
    comparison = compare_with_baseline({"trust": lambda model: rules.trust(model)}, seeds=range(3), measure="trust",
                                       ticks=12, **SMALL)
    np.testing.assert_array_equal(comparison.changed, comparison.baseline)
    assert comparison.difference == (0.0, 0.0, 0.0)


def test_a_parameter_override_that_matters_is_detected_and_reported():
    comparison = compare_with_baseline({"initial_trust": 0.9}, seeds=range(4), measure="trust", ticks=10, **SMALL)
    mean, low, _ = comparison.difference
    assert low > 0.1 and comparison.changed.mean() - comparison.baseline.mean() == pytest.approx(mean)
    assert comparison.seeds == (0, 1, 2, 3) and comparison.baseline.shape == (4,)
    lines = str(comparison).splitlines()
    assert lines[0] == "trust, 4 seeds, mean [95% interval]:"
    assert lines[3].split()[:2] == ["paired", "difference"]


def test_settings_apply_to_both_arms_and_a_measure_can_be_a_function():
    def leaders(model):
        return float(model.members.is_leader.sum())

    comparison = compare_with_baseline({"teacher_leader_share": 0.0}, seeds=range(2), measure=leaders, ticks=3,
                                       **SMALL, leadership_distribution=1.0)
    assert comparison.measure == "leaders"
    assert np.all(comparison.changed == 0) and np.all(comparison.baseline > 0)


@pytest.mark.parametrize(("change", "message"), [
    ({"trusting": rules.trust}, "'trusting' is neither a rule"),
    ({"trust": rules.trust}, "at least two seeds"),
])
def test_bad_input_is_one_line_naming_it(change, message):
    with pytest.raises(ValueError, match=message):
        compare_with_baseline(change, seeds=[0] if "trust" in change else range(2), ticks=1, **SMALL)


# --- a kernel variant through a hook -----------------------------------------------------------------------------

def _learn_once(kernel) -> tuple[np.ndarray, np.ndarray]:
    """(openness before, knowledge and openness after) one month of random talk among 20 members."""
    rng = np.random.default_rng(4)
    n = 40
    talk = Talk(rng.integers(0, 10, n), rng.integers(10, 20, n), np.zeros(n, np.int64), rng.random(n),
                np.zeros(n, bool))
    state = LearningState(rng.random(20), rng.random(20), rng.random((1, 20, 20)))
    before = state.openness.copy()
    kernel(talk, rng.random(n), state, 20, LearningRates(0.1, 0.05, 0.1, 0.05, 0.05, 0.4, 0.01, 0.01, 1.0, 0.3, 0.1))
    return before, np.concatenate(state[:2])


def test_the_learning_kernel_has_a_hook_and_a_variant_with_the_same_hook_is_the_kernel():
    assert kernels.hooks(kernels.learn) == ("openness_change", "felt_safety", "mean_trust_in_colleagues")
    same = kernels.variant(kernels.learn, openness_change=kernels.openness_change)
    np.testing.assert_array_equal(_learn_once(same)[1], _learn_once(kernels.learn)[1])


def test_a_variant_runs_the_replaced_hook():
    from numba import njit

    @njit
    def never_changes(opens, closes, openness, gap):
        return 0.0

    before, after = _learn_once(kernels.variant(kernels.learn, openness_change=never_changes))
    np.testing.assert_array_equal(after[20:], before)
    before, after = _learn_once(kernels.learn)
    assert not np.array_equal(after[20:], before), "the baseline kernel does change openness"


def test_a_hook_the_kernel_does_not_call_is_refused_naming_its_hooks():
    hooks = "openness_change, felt_safety, mean_trust_in_colleagues"
    with pytest.raises(ValueError, match=rf"variant: learn calls no 'trust_change'; its hooks are {hooks}$"):
        kernels.variant(kernels.learn, trust_change=kernels.openness_change)


def test_call_hands_the_models_kernels_plain_tuples_and_any_other_kernel_the_named_ones():
    """kernels.call passes the model's own kernels and their variants their tuples unnamed (numba matches a plain
    tuple's type faster; they name it again on entry), with the same result; any other kernel gets them named."""
    from numba import njit, types

    def named(signature):
        return isinstance(signature[0], types.NamedTuple)

    expected = _learn_once(kernels.learn)[1]
    variant = kernels.variant(kernels.learn, openness_change=kernels.openness_change)
    for kernel in (kernels.learn, variant):
        np.testing.assert_array_equal(_learn_once(lambda *args, k=kernel: kernels.call(k, *args))[1], expected)
        assert any(not named(signature) for signature in kernel.signatures), "call passed the named tuples"

    copied = njit(kernels.learn.py_func)  # a kernel of the user's own, from the model's source
    np.testing.assert_array_equal(_learn_once(lambda *args: kernels.call(copied, *args))[1], expected)
    assert copied.signatures and all(named(signature) for signature in copied.signatures)

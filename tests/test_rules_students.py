"""The students' path: swap in a rule, get a clear error when it breaks the model, see that a change matters.

Also checks that every rule's docstring names its ODD section and cites the idea it models; the generated rule
documentation (tables, sections, ``Reads:``) is checked in ``tests/test_rule_docs.py``.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import numpy as np
import pytest

from plc_sim.core.stats import mean_ci
from simulation import PLCModel, RuleError, network_frame, rules
from simulation.invariants import RULE_NAMES

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"n_schools": 4, "teachers_per_school": 12, "support_staff": 2}


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def run(ticks: int, seed: int = 0, rules_: dict | None = None, **overrides) -> PLCModel:
    model = PLCModel(rng=seed, rules=rules_, **overrides)
    for _ in range(ticks):
        model.step()
    return model


def trust_never_decays(model) -> None:
    """The students' example: the baseline trust rule, but no tie ever ends a month lower than it started."""
    before = model.members.trust.copy()
    rules.trust(model)
    np.maximum(model.members.trust, before, out=model.members.trust)


# --- checked on entry ----------------------------------------------------------------------------------------

def test_wrong_signature_stops_on_entry_naming_the_rule():
    def two_arguments(model, school):
        pass

    with pytest.raises(RuleError, match=r"rule 'trust'.*exactly one argument, the model.*\(model, school\)"):
        PLCModel(rules={"trust": two_arguments}, **SMALL)
    with pytest.raises(RuleError, match=r"rule 'memory'.*exactly one argument"):
        PLCModel(rules={"memory": lambda: None}, **SMALL)


def test_non_callable_stops_on_entry_naming_the_rule():
    with pytest.raises(RuleError, match=r"rule 'learning': the replacement must be a function of the model, got 0.5"):
        PLCModel(rules={"learning": 0.5}, **SMALL)


def test_unknown_rule_name_lists_the_replaceable_rules():
    with pytest.raises(RuleError, match=r"'trusting' is not a rule \(did you mean trust\?\); replaceable rules are "
                                        + ", ".join(RULE_NAMES)):
        PLCModel(rules={"trusting": trust_never_decays}, **SMALL)


def test_rules_must_be_a_mapping():
    with pytest.raises(RuleError, match=r"rules: expected a dict of rule name -> function"):
        PLCModel(rules=[trust_never_decays], **SMALL)


def test_rule_error_is_a_user_error_of_the_tool():
    from plc_sim.core.errors import USER_ERRORS

    assert issubclass(RuleError, USER_ERRORS)


# --- checked after every call of a replaced rule ------------------------------------------------------------

def _then(rule_name: str, damage):
    """A replacement that runs the baseline rule and then does ``damage`` to the model."""
    baseline = getattr(rules, rule_name)

    def replacement(model):
        baseline(model)
        damage(model)

    return replacement


def _unclipped_trust(model):
    model.members.trust += 0.5  # forgot to clip: trust above 1


def _nan_knowledge(model):
    model.members.knowledge[3] = np.nan  # 0/0 somewhere in a student's formula


def _negative_memory(model):
    model.schools.memory -= 2.0


def _extra_member(model):
    model.members.knowledge = np.append(model.members.knowledge, 0.5)  # a teacher appended to the arrays


def _agent_removed(model):
    model.members_by_slot[0].remove()  # a teacher dropped without a successor


def _principal_removed(model):
    model.principals[0].remove()


def _cross_school_talk(model):
    model.meetings.b[:] = (model.meetings.a + model.members.knowledge.size // 2) % model.members.knowledge.size


def _nan_tenure(model):
    model.members.tenure[0] = np.nan  # years computed from a missing start date


def _nan_leader(model):
    model.members.is_leader = np.where(model.members.is_leader, 1.0, np.nan)  # "not a leader" written as NaN


def _list_trust(model):
    model.members.trust = model.members.trust.tolist()  # a Python list written into the state


def _reshaped_memory(model):
    model.schools.memory = model.schools.memory[:, None]  # a column where a row was expected


BROKEN = {
    "values out of bounds (too high)": ("trust", _unclipped_trust, "'trust within [0, 1]'", "np.clip"),
    "values out of bounds (too low)": ("memory", _negative_memory, "'memory within [0, 1]'", "np.clip"),
    "NaN": ("learning", _nan_knowledge, "'no NaN': members.knowledge contains NaN", "np.divide"),
    "NaN in tenure": ("turnover", _nan_tenure, "'no NaN': members.tenure contains NaN", "np.divide"),
    "NaN in is_leader": ("leadership", _nan_leader, "'no NaN': members.is_leader contains NaN", "np.divide"),
    "a list written into state": ("trust", _list_trust, "'state stays numpy arrays': members.trust is a list",
                                  "np.asarray"),
    "wrong shape": ("memory", _reshaped_memory, "'shape unchanged': schools.memory has shape (4, 1), expected (4,)",
                    "in place"),
    "population changed (arrays)": ("turnover", _extra_member, "'shape unchanged': members.knowledge has shape",
                                    "never added or removed"),
    "population changed (agents)": ("engagement", _agent_removed, "'population unchanged'", ""),
    "principal removed": ("leadership", _principal_removed, "'population unchanged'", ""),
    "conversation across schools": ("dialogue", _cross_school_talk, "'conversations within a school'", ""),
}


@pytest.mark.parametrize("case", BROKEN)
def test_broken_replacement_stops_at_once_naming_rule_and_invariant(case):
    rule_name, damage, invariant, fix = BROKEN[case]
    model = PLCModel(rng=1, rules={rule_name: _then(rule_name, damage)}, **SMALL)
    steps = 10 if rule_name == "turnover" else 1  # turnover acts at the year end
    with pytest.raises(RuleError, match=f"rule '{rule_name}' broke invariant " + re.escape(invariant)) as caught:
        for _ in range(steps):
            model.step()
    assert fix in str(caught.value), "the message must say how to fix it"
    assert model.steps <= steps, "the broken rule must be caught in the month it broke the model"


def _returns_new_trust(model):
    """A student's trust rule that builds a new array and returns it (the model would silently ignore it)."""
    return np.clip(model.members.trust + 0.01, 0, 1)


def _uses_global_random(model):
    """A student's engagement rule that draws from np.random instead of model.rng."""
    rules.engagement(model)
    model.members.engagement *= 1 - 0.01 * np.random.random(model.members.engagement.size)


@pytest.mark.parametrize(("rule_name", "rule", "message"), [
    ("trust", _returns_new_trust, r"rule 'trust' returned a ndarray, which the model ignores; .* in place"),
    ("engagement", _uses_global_random, r"rule 'engagement' drew from the global random numbers .*model\.rng"),
])
def test_a_rule_that_returns_state_or_uses_global_random_is_stopped_with_the_fix(rule_name, rule, message):
    model = PLCModel(rng=1, rules={rule_name: rule}, **SMALL)
    with pytest.raises(RuleError, match=message):
        model.step()


@pytest.mark.parametrize("rule_name", RULE_NAMES)
def test_every_replaceable_rule_is_checked_after_it_runs(rule_name):
    def overshoot(model):
        model.members.engagement[0] = 1.5

    model = PLCModel(rng=2, rules={rule_name: _then(rule_name, overshoot)}, **SMALL)
    with pytest.raises(RuleError, match=f"rule '{rule_name}' broke invariant 'engagement within \\[0, 1\\]': "
                                        "found values from .* to 1.5"):
        model.step()


def test_baseline_rules_pass_every_invariant_and_a_pass_through_replacement_changes_nothing():
    """Wrapping every baseline rule turns every check on; the run must pass them all and stay bit-for-bit equal."""
    wrapped = {name: (lambda rule: lambda model: rule(model))(getattr(rules, name)) for name in RULE_NAMES}
    for preset in ("champion-leaves", "networked-schools", "high-turnover-secondary"):
        plain = run(80, seed=3, preset=preset, **SMALL)
        checked = run(80, seed=3, rules_=wrapped, preset=preset, **SMALL)
        assert checked.replaced_rules == set(RULE_NAMES)
        assert network_frame(checked).equals(network_frame(plain)), preset


# --- a student-style change matters, and here is how to check it --------------------------------------------

def _year_means_at(tick: int, seeds, rules_=None, measures=("trust",)) -> dict[str, np.ndarray]:
    """Mean of each of ``measures`` over the network in the year up to ``tick``, one value per seed (the same seeds
    for every variant). A year's mean is steadier than one month's value, so a small change shows with fewer
    replications.
    """
    frames = [network_frame(run(tick, seed=seed, rules_=rules_)).iloc[tick - 9:tick + 1] for seed in seeds]
    return {measure: np.array([frame[measure].mean() for frame in frames]) for measure in measures}


HORIZON = 240
"""Twenty school years: trust that never decays gains on the baseline year after year, so a later look needs
fewer replications than tick 120, where 24 seeds could not tell the difference from noise."""


def _check_detectable_change(seeds, measures=("trust",)) -> None:
    baseline = _year_means_at(HORIZON, seeds, None, measures)
    changed = _year_means_at(HORIZON, seeds, {"trust": trust_never_decays}, measures)
    for measure in measures:
        # Common seeds pair the runs: the paired difference's interval must exclude zero.
        diff_mean, diff_low, _ = mean_ci(changed[measure] - baseline[measure])
        assert diff_low > 0.0, (
            f"{measure} in year {HORIZON // 10}: baseline {baseline[measure].mean():.3f}, never-decaying "
            f"{changed[measure].mean():.3f}, paired difference {diff_mean:.3f} (lower 95% {diff_low:.3f})")


def test_trust_that_never_decays_raises_trust_beyond_replication_noise():
    _check_detectable_change(range(24))


def test_a_change_that_changes_nothing_is_not_detected():
    """The check above can fail: a replacement identical to the baseline shows no difference at all."""
    seeds = range(3)
    same = _year_means_at(60, seeds, {"trust": lambda model: rules.trust(model)})["trust"]
    np.testing.assert_array_equal(same, _year_means_at(60, seeds)["trust"])


@pytest.mark.slow
def test_trust_that_never_decays_raises_trust_and_health_at_report_strength():
    """More trust must show in PLC health (supportive conditions are part of it): a small effect (about 0.008 in
    year 24, half the gain in trust), so it takes 160 paired replications to see."""
    _check_detectable_change(range(160), measures=("trust", "health"))


# --- the docs cannot drift from the code (the generated parts: tests/test_rule_docs.py) ---------------------------

@pytest.mark.parametrize("name", [rule.__name__ for rule in rules.SCHEDULE])
def test_every_scheduled_rule_states_its_odd_section_and_a_source(name):
    doc = inspect.getdoc(getattr(rules, name)) or ""
    assert re.search(r"\bODD 7\.\d+\b", doc), f"{name}: docstring must name its ODD section, e.g. 'ODD 7.N'"
    assert re.search(r"\([^()]*[A-Z][a-z]+[^()]*\)", doc), f"{name}: docstring must cite the idea it models"


# --- the worked kernel edit and the magnitudes table in docs/rules.md ----------------------------------------------

def test_the_edit_a_kernel_example_in_the_docs_runs_and_shows_its_effect():
    """docs/rules.md's "Edit a kernel" block runs as written (it asserts its own paired interval)."""
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    block = re.search(r"```python edit-a-kernel\n(.*?)```", text, flags=re.DOTALL)
    assert block, "docs/rules.md has lost its edit-a-kernel example"
    source = block.group(1)
    assert "@njit" in source and "# the changed line" in source
    exec(compile(source, "docs/rules.md (edit-a-kernel)", "exec"), {"__name__": "edit_a_kernel"})


def test_the_magnitudes_table_in_the_docs_matches_the_model():
    """Regenerate with simulation.magnitudes (see the table's markers) when the model changes."""
    from simulation.magnitudes import baseline_magnitudes, magnitudes_markdown

    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- magnitudes: begin[^>]*-->\n(.*?)<!-- magnitudes: end -->", text, flags=re.DOTALL)
    assert found, "docs/rules.md has lost its magnitudes markers"
    assert found.group(1) == magnitudes_markdown(baseline_magnitudes()), (
        "docs/rules.md's magnitudes table is out of date: regenerate it from simulation.magnitudes")

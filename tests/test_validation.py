"""The validation suite: every documented pattern at report strength, the command's exit status and report, and
the statistics the patterns rely on.

All patterns run once per session at report strength (``plc-sim validate --full``: 60 replications on 20 schools) on
two worker processes, about two minutes of wall time alone; in a whole-suite run they are measured on the otherwise
idle core while the other tests run (``tests/background_validation.py``). The fast setting (12 replications on 10
schools) cannot resolve the thinnest effects at the calibrated defaults (memory's buffer, the recovery after a
succession: their intervals at that setting are three times as wide as the effects), so the verdicts are tested
where they are reported. A pattern must pass, unless it is a documented disagreement between the model and the
literature (``KNOWN_DISAGREEMENTS`` below, described in docs/ODD.md): then it must still fail (strict xfail), so the
document is kept true when a mechanism changes.
"""

from __future__ import annotations

import dataclasses
import pickle
import subprocess
import sys

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from background_validation import BACKGROUND, WORKERS
from cli_helpers import plc_sim as in_process

from plc_sim.cli.main import build_parser
from plc_sim.validation import command as validation
from plc_sim.validation.core import FULL, Expected, Runner, Setting, batched, run_indexed, run_task
from plc_sim.validation.registry import run_patterns, run_points
from plc_sim.validation.stats import median_with_ci, pooled_share, share_ratio, years_to_regain
from simulation.parameters import TICKS_PER_YEAR

TINY = Setting("tiny", replications=3, n_schools=4, description="3 replications on networks of 4 schools")
"""A setting for tests of the machinery (not of the model): seconds, not minutes."""


def plc_sim(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "plc_sim.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="session")
def full_results(request):
    """Every pattern at report strength: those the background measurement finished (``tests/conftest.py``), the
    rest measured here."""
    background = request.config.stash.get(BACKGROUND, None)
    done = background.finish() if background is not None else {}
    rest = [pattern for pattern in validation.PATTERNS if pattern.key not in done]
    measured = {result.key: result for result in validation.run_patterns(FULL, rest, workers=WORKERS)}
    results = [done.get(pattern.key) or measured[pattern.key] for pattern in validation.PATTERNS]
    print(f"report-strength validation: {len(done)} patterns measured in the background, {len(rest)} here")
    yield {result.key: result for result in results}
    for result in results:
        plt.close(result.figure)


KNOWN_DISAGREEMENTS: dict[tuple[str, str], str] = {
    ("causes", "without teacher turnover"): "without teacher turnover health settles far above the decay stage "
                                            "(docs/ODD.md, Validation 9)",
    ("causes", "without outside initiative"): "every decay at the defaults follows an outside initiative "
                                              "(docs/ODD.md, Validation 9)",
}
"""Checks the model does not (yet) reproduce, by (pattern, check), with the reason the ODD gives. Every other check
of every pattern must pass, and these must still fail, so the document is kept true when a mechanism changes."""


def describe(checks) -> str:
    return "; ".join(f"{c.name} {c.effect:.4g} [{c.low:.4g}, {c.high:.4g}] expected {c.expected.text}"
                     for c in checks)


@pytest.mark.parametrize("key", [p.key for p in validation.PATTERNS])
def test_pattern_holds_at_report_strength(full_results, key):
    result = full_results[key]
    failing = [c for c in result.checks if not c.passed and (key, c.name) not in KNOWN_DISAGREEMENTS]
    assert not failing, f"pattern {result.number} ({key}) fails: {describe(failing)}"


@pytest.mark.parametrize("key, check", list(KNOWN_DISAGREEMENTS))
def test_documented_disagreements_still_fail(full_results, key, check):
    (found,) = [c for c in full_results[key].checks if c.name == check]
    assert not found.passed, f"{key}: {check} now passes ({describe([found])}): update docs/ODD.md and this list"


def test_every_pattern_reports_effect_interval_expectation_source_and_figure(full_results):
    assert [r.number for r in full_results.values()] == list(range(1, len(validation.PATTERNS) + 1))
    for result in full_results.values():
        assert result.source and result.claim and result.design and result.figure is not None
        for check in result.checks:
            assert check.low <= check.effect <= check.high, f"{result.key}: {check.name} outside its own interval"
            assert check.expected.above is not None or check.expected.below is not None


# --- the command ----------------------------------------------------------------------------------------------

def test_command_exits_nonzero_when_a_pattern_fails(tmp_path):
    """An expectation no model could meet (40-60% annual teacher turnover) must fail the command, through the API."""
    args = build_parser().parse_args(["validate", "--only", "turnover", "--full", "--out", str(tmp_path / "report"),
                                      "--workers", str(WORKERS)])
    impossible = {"turnover": {"teacher turnover": Expected("impossible: 40-60% a year", above=0.4, below=0.6)}}
    with pytest.raises(SystemExit) as exit_info:
        args.func(args, expect=impossible)
    assert exit_info.value.code == 1
    table = pd.read_csv(tmp_path / "report" / "results.csv")
    failed = table[table["check"] == "teacher turnover"]
    assert not failed["passed"].item() and not failed["pattern_passed"].item()
    assert table.loc[table["check"] != "teacher turnover", "passed"].all()
    assert "**FAIL**" in (tmp_path / "report" / "report.md").read_text()


def test_command_writes_report_figures_and_table_and_exits_zero(tmp_path):
    done = plc_sim("validate", "--only", "1", "--full", "--out", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    out = tmp_path / "out"
    report = (out / "report.md").read_text()
    assert "| 1 | Calibrated turnover" in report and "figures/pattern-1-turnover.png" in report
    assert (out / "figures" / "pattern-1-turnover.png").stat().st_size > 10_000
    assert set(pd.read_csv(out / "results.csv")["check"]) == {"teacher turnover", "principal turnover",
                                                               "median principal tenure"}
    assert (out / "provenance.json").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")], "staging folder left behind"
    assert "1 of 1 patterns pass" in done.stdout


@pytest.mark.parametrize("args, field", [
    (["--only", "nonsense"], "--only"),
    (["--workers", "0"], "--workers"),
    (["--fast", "--full"], "--full"),
])
def test_bad_options_are_one_line_naming_the_field(tmp_path, args, field):
    done = in_process("validate", *args, cwd=tmp_path)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and field in done.stderr
    assert not (tmp_path / "results").exists()


def test_an_output_folder_under_a_file_is_refused_before_any_run(tmp_path):
    (tmp_path / "notes.txt").write_text("not a folder")
    done = in_process("validate", "--out", "notes.txt/report", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == "plc-sim: error: --out: notes.txt exists and is not a folder"


def test_same_seed_gives_the_same_result_serially_and_on_a_pool():
    inquiry = validation.select_patterns(["inquiry"])
    (serial,) = validation.run_patterns(TINY, inquiry, workers=1)
    (pooled,) = validation.run_patterns(TINY, inquiry, workers=WORKERS)
    (other,) = validation.run_patterns(dataclasses.replace(TINY, seed=TINY.seed + 1), inquiry, workers=1)
    assert serial.checks == pooled.checks
    assert serial.checks != other.checks


class RecordingRunner(Runner):
    """A serial runner that keeps every task it was given."""

    def __init__(self):
        super().__init__(workers=1)
        self.tasks = []

    def run(self, tasks, desc):
        self.tasks.extend(tasks)
        return super().run(tasks, desc)


def test_replication_k_shares_its_seed_across_arms():
    with RecordingRunner() as runner:
        validation.select_patterns(["inquiry"])[0].measure(runner, TINY)
    seeds = {}
    for task in runner.tasks:
        seeds.setdefault(task.replication, set()).add(task.seed)
    assert len({task.arm for task in runner.tasks}) == 3
    assert all(len(arm_seeds) == 1 for arm_seeds in seeds.values()), "common random numbers across arms"
    assert len({next(iter(s)) for s in seeds.values()}) == TINY.replications, "replications draw different seeds"


def test_an_arms_runs_batched_give_each_run_the_summary_it_has_alone():
    with RecordingRunner() as runner:
        validation.select_patterns(["inquiry"])[0].measure(runner, TINY)
    units = batched(runner.tasks)
    # "alone" seeks no conversations (another structure); the two talking arms differ in a rate and join
    assert sorted(len(unit) for unit in units) == [TINY.replications, 2 * TINY.replications]
    for unit in units:
        for (index, summary), (same_index, task) in zip(run_indexed(unit), unit, strict=True):
            assert index == same_index
            assert pickle.dumps(summary) == pickle.dumps(run_task(task))


def test_the_champion_stays_in_the_succession_counterfactual():
    """The dashed 'champion stays' arm of pattern 2 is the same schools with the same champion, who does not leave
    within the run: identical to the departure arm until the tick of the departure, healthier after. (Disabling the
    departure with -1 would also remove the champion: the counterfactual would be schools that never had one.)"""
    with RecordingRunner() as runner:
        validation.select_patterns(["succession"])[0].measure(runner, TINY)
    tasks = {(task.arm, task.replication): task for task in runner.tasks}
    for label in ("held", "distributed"):
        leaves, stays = tasks[(f"{label} leaves", 0)], tasks[(f"{label} stays", 0)]
        assert stays.params.principal_leaves_tick > stays.ticks
        departure = leaves.params.principal_leaves_tick
        left, stayed = run_task(leaves)["health"], run_task(stays)["health"]
        np.testing.assert_array_equal(left[:departure], stayed[:departure])
        assert stayed[departure:].mean() > left[departure:].mean()


def test_points_measured_together_are_each_as_measured_alone():
    """A calibration's points measured in one queue (their runs in shared batches) give each point's checks as
    measured alone, to the last bit."""
    points = [dataclasses.replace(TINY, defaults={"transfer_rate": 0.1, "policy_churn_rate": 0.5}),
              dataclasses.replace(TINY, defaults={"transfer_rate": 0.3, "policy_churn_rate": 0.0})]
    patterns = validation.select_patterns(["inquiry", "subcultures"])

    def checks(results):
        return [repr((c.name, c.effect, c.low, c.high, c.passed)) for r in results for c in r.checks]

    together = run_points(points, patterns)
    assert [checks(results) for results in together] == \
        [checks(run_patterns(point, patterns, progress=False)) for point in points]


# --- statistics ----------------------------------------------------------------------------------------------

def test_expected_interval_must_hold_the_whole_confidence_interval():
    positive = Expected("> 0", above=0.0)
    assert positive.holds(0.1, 0.3) and not positive.holds(-0.01, 0.3) and not positive.holds(np.nan, np.nan)
    band = Expected("14-18%", above=0.14, below=0.18)
    assert band.holds(0.15, 0.17) and not band.holds(0.15, 0.19)


def test_years_to_regain_counts_from_the_trough_and_caps_at_the_horizon():
    y = TICKS_PER_YEAR
    health = np.full((12 * y, 4), 0.5)
    health[5 * y:, 0] = 0.3                                            # falls, back after two years
    health[7 * y:, 0] = 0.6
    health[5 * y:, 1] = 0.3                                            # falls for good
    health[5 * y:, 3] = 0.5 + 0.01 * np.sin(np.arange(7 * y)) - 0.002 * np.arange(7 * y)  # slides slowly
    years = years_to_regain(health, 5 * y, 6 * y)
    assert 2.0 < years[0] < 3.0
    assert years[1] == 6.0 and years[3] == 6.0, "a slow slide is not a recovery"
    assert years[2] <= 1.0 + 1e-9, "a shock that costs nothing is recovered at once"


def test_half_the_loss_regained_is_read_from_the_trough_toward_the_old_level():
    """A permanent loss (pattern 2): a school that settles between its trough and its old level has recovered half
    its loss once it is past the midpoint, though it never gets back; one that stays at its trough never has."""
    y = TICKS_PER_YEAR
    health = np.full((16 * y, 3), 0.5)
    health[5 * y:, :] = 0.3                                            # trough 0.3, old level 0.5: midpoint 0.4
    health[8 * y:, 0] = 0.45                                           # settles above the midpoint, below 0.5
    health[8 * y:, 1] = 0.38                                           # settles below the midpoint
    half = years_to_regain(health, 5 * y, 10 * y, share=0.5)
    full = years_to_regain(health, 5 * y, 10 * y)
    assert 3.0 < half[0] < 4.0, "past the midpoint within the year the trailing mean needs to climb there"
    assert half[1] == 10.0 and half[2] == 10.0, "settling below the midpoint, or at the trough, is not half"
    assert full[0] == 10.0, "the full reading never counts a school that did not get back"


def test_median_interval_brackets_the_median():
    rng = np.random.default_rng(1)
    durations = rng.geometric(0.18, 400).astype(float)
    median, low, high = median_with_ci(durations, np.ones(400, bool))
    assert low <= median <= high and median == 4.0


def test_median_interval_ignores_spells_censored_at_time_zero():
    """A principal who arrives in the last month has no observed time; she must not pull the band's crossing to 0."""
    rng = np.random.default_rng(1)
    durations = np.concatenate([rng.geometric(0.18, 400).astype(float), np.zeros(5)])
    observed = np.concatenate([np.ones(400, bool), np.zeros(5, bool)])
    median, low, high = median_with_ci(durations, observed)
    assert 0 < low <= median <= high


def test_share_ratio_pools_counts_is_deterministic_and_brackets_the_ratio():
    hits, cases = np.array([5, 6, 0, 6, 7]), np.array([10, 10, 0, 11, 12])  # a replication with no case still counts
    other_hits, other_cases = np.array([2, 1, 1, 2, 1]), np.array([11, 10, 9, 12, 8])
    first, second = share_ratio(hits, cases, other_hits, other_cases), share_ratio(hits, cases, other_hits, other_cases)
    assert first == second and first[1] < first[0] < first[2]
    assert first[0] == pytest.approx((24 / 43) / (7 / 50))
    assert share_ratio(hits, cases, 0 * other_hits, other_cases)[0] == np.inf


def test_pooled_share_pools_counts_and_brackets_the_share():
    hits, cases = np.array([1, 3, 0, 2, 4]), np.array([2, 4, 0, 5, 5])  # a replication with no case still counts
    share, low, high = pooled_share(hits, cases)
    assert pooled_share(hits, cases) == (share, low, high) and low < share < high
    assert share == pytest.approx(10 / 16)
    assert np.isnan(pooled_share([0, 0], [0, 0])[0])


def test_pattern_8_follows_each_community_from_its_forming():
    """The three-year share reads communities from the year they form (their first school year at a working stage,
    or a re-forming after a decay), as reform studies followed schools from their reform: every listed year is at a
    working stage, every school's first such year is listed, and a decay comes before every later one."""
    from plc_sim.validation.common import yearly_means
    from plc_sim.validation.steady import formation_years
    from simulation import PLCModel

    model = PLCModel(seed=3)
    for _ in range(30 * TICKS_PER_YEAR):
        model.step()
    working = yearly_means(model, "health") >= model.p.implementing_level
    formed = {tuple(row) for row in formation_years(model)}
    decays = {(event.tick // TICKS_PER_YEAR - 1, school) for event in model.events if event.kind == "decay"
              for school in event.schools}
    assert all(working[year, school] for year, school in formed)
    firsts = {(int(np.argmax(working[:, school])), school) for school in range(working.shape[1])
              if working[:, school].any()}
    assert firsts <= formed
    for year, school in formed - firsts:
        assert any(school == s and y < year for y, s in decays), (year, school)
    assert len(formed - firsts) >= 1, "no community re-formed after a decay in 30 years: the test reads nothing"


def test_pattern_8_splits_every_working_school_year_by_its_communitys_age():
    """The report's context splits the every-school-year share by the community's age: the forming-year class is
    exactly the communities the check follows (so its share is the check's), and the classes together are every
    school year at a working stage, each aged from its latest forming, not its first."""
    from plc_sim.validation.common import yearly_means
    from plc_sim.validation.steady import (
        AGE_CLASSES,
        STEADY_BURN_IN,
        SUSTAIN_YEARS,
        community_ages,
        formation_years,
        summarize_steady,
    )
    from simulation import PLCModel

    model = PLCModel(seed=3)
    for _ in range(30 * TICKS_PER_YEAR):
        model.step()
    summary = summarize_steady(model)
    (still_new, new), *_ = summary["by age"]
    assert (still_new, new) == (summary["still"], summary["formed"]) and new > 0
    working = yearly_means(model, "health") >= model.p.implementing_level
    steady = working[STEADY_BURN_IN:-SUSTAIN_YEARS]
    assert summary["by age"][:, 1].sum() == steady.sum()
    assert summary["by age"][:, 0].sum() / steady.sum() == pytest.approx(summary["every year"])
    formed = formation_years(model)
    ages = community_ages(working, formed)
    assert ((ages >= 0) == working).all()
    assert (ages[formed[:, 0], formed[:, 1]] == 0).all()
    reformed = [(year, school) for year, school in formed if working[:year, school].any()]
    assert reformed, "no community re-formed after it had been at a working stage: the ages are not tested"
    assert list(AGE_CLASSES) == ["in their forming year", "in their 2nd to 7th year", "older"]


@pytest.mark.parametrize("cut_rate, arms", [
    (0.0, ["principal succession", "teacher turnover", "outside initiative"]),
    (0.2, ["principal succession", "teacher turnover", "outside initiative", "lost time or budget"]),
])
def test_decay_causes_get_an_arm_only_when_they_are_on(cut_rate, arms):
    """Pattern 9 switches each cause off in turn; a cause already off (recurring cuts of time by default) would give an
    arm equal to the defaults, whose check passes by construction, so it has none."""
    from plc_sim.validation.causes import pattern_causes

    setting = dataclasses.replace(TINY, defaults={"time_cut_rate": cut_rate})
    with Runner(workers=1, progress=False) as runner:
        result = pattern_causes(runner, setting)
    plt.close(result.figure)
    assert [check.name for check in result.checks] == [f"without {cause}" for cause in arms]

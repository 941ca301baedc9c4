"""``plc-sim validate`` as a tool: the runner on the sweep's executor, how arms are built from a setting, the
one-table output and the report generated from measurements only (synthetic patterns, so these tests do not
depend on the state of the model's patterns)."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
from cli_helpers import plc_sim
from matplotlib.figure import Figure

from plc_sim.cli.main import build_parser
from plc_sim.validation import command
from plc_sim.validation.core import Check, Expected, PatternResult, Runner, Setting, arm_tasks, measure_together
from plc_sim.validation.registry import Pattern
from plc_sim.validation.report import text_table, verdict
from simulation.parameters import PARAMS_BY_NAME
from simulation.presets import PRESETS

TINY = Setting("tiny", replications=3, n_schools=2, description="3 replications on networks of 2 schools")
SOURCE = "Imaginary & Author (2031), a source long enough to wrap inside its column of the terminal table"


def final_trust(model) -> float:
    return float(model.network_now["trust"])


def test_runner_gives_the_same_summaries_in_task_order_on_one_and_two_workers():
    arms = {"a": TINY.params(), "b": TINY.params(overrides={"meeting_time": 0.1})}
    tasks = arm_tasks(arms, TINY.seeds(1), 5, final_trust)
    serial = Runner(1, progress=False).run(tasks, "serial")
    pooled = Runner(2, progress=False).run(tasks, "pooled")
    assert serial == pooled
    again = Runner(1, progress=False).run(list(reversed(tasks)), "reversed")
    assert again == serial[::-1], "summaries follow the order of the tasks"
    assert len(set(serial)) > 1, "different seeds and arms give different runs"


def two_arms(runner, seed: int = 1) -> list:
    arms = {"a": TINY.params(), "b": TINY.params(overrides={"meeting_time": 0.1})}
    tasks = arm_tasks(arms, TINY.seeds(seed), 5, final_trust)
    return runner.run(tasks, f"arms {seed}")


def run_twice(runner) -> tuple:
    return two_arms(runner, 1), two_arms(runner, 2)


def no_runs(runner) -> str:
    return "measured without a run"


@pytest.mark.parametrize("workers", [1, 2])
def test_measurements_in_one_queue_give_what_a_runner_of_their_own_gives(workers):
    """Every measurement's first run goes to one queue (planned, then replayed); a second run runs when called, and
    a measurement without runs is called once."""
    measures = [two_arms, no_runs, run_twice, partial(two_arms, seed=3)]
    finished = []
    together = measure_together(measures, workers, progress=False, done=lambda i, r: finished.append(i))
    assert together == [measure(Runner(1, progress=False)) for measure in measures]
    assert together[0] != together[3] and together[2][0] != together[2][1]
    assert sorted(finished) == [0, 1, 2, 3]


def test_setting_params_layers_defaults_under_presets_and_arms():
    preset = next(p for p in PRESETS.values() if any(PARAMS_BY_NAME[k].kind is float for k in p.overrides))
    name = next(k for k in preset.overrides if PARAMS_BY_NAME[k].kind is float)
    other = next(k for k, p in PARAMS_BY_NAME.items() if p.kind is float and k not in preset.overrides
                 and p.sweepable)
    moved = {name: PARAMS_BY_NAME[name].low, other: PARAMS_BY_NAME[other].high}
    setting = Setting("moved", 2, 3, "", defaults=moved)
    assert getattr(setting.params(preset.name), name) == preset.overrides[name], "a preset keeps its own value"
    assert getattr(setting.params(preset.name), other) == moved[other], "the moved default applies under it"
    assert getattr(setting.params(), name) == moved[name], "the moved default applies under the baseline"
    arm = setting.params(overrides={other: PARAMS_BY_NAME[other].low})
    assert getattr(arm, other) == PARAMS_BY_NAME[other].low, "an arm keeps its own value"
    assert setting.params().n_schools == 3


def test_text_table_wraps_every_cell_inside_its_column():
    rows = [("1", "A pattern with a long title", SOURCE, "inside (0.1, 0.2)", "x: 0.15 [0.12, 0.18] share",
             "pass")]
    table = text_table(rows, width=100)
    lines = table.splitlines()
    assert all(len(line) <= 100 for line in lines)
    assert lines[0].split() == ["#", "pattern", "source", "expected", "measured", "(95%", "CI)", "verdict"]
    assert len(lines) > 3, "a long cell wraps onto more lines"
    assert all(word in table for word in SOURCE.split())


@pytest.mark.parametrize("low, high, expected, words", [
    (0.1, 0.2, Expected("> 0", above=0.0), "pass"),
    (-0.3, -0.1, Expected("> 0", above=0.0), "FAIL: below 0"),
    (0.3, 0.5, Expected("< 0.2", below=0.2), "FAIL: above 0.2"),
    (-0.1, 0.1, Expected("> 0", above=0.0), "FAIL: straddles 0"),
    (np.nan, np.nan, Expected("> 0", above=0.0), "FAIL: no interval"),
])
def test_verdict_says_why_from_the_interval_alone(low, high, expected, words):
    assert verdict(Check("c", (low + high) / 2, low, high, "", expected)) == words


# --- the command, with synthetic patterns ---------------------------------------------------------------------

def _result(number: int, key: str, low: float, high: float) -> PatternResult:
    check = Check("effect", (low + high) / 2, low, high, "units", Expected("positive (> 0)", above=0.0))
    figure = Figure(figsize=(2, 2))
    figure.subplots().plot([0, 1], [low, high])
    return PatternResult(number, key, f"Pattern {key}", "a claim", SOURCE, "a design", (check,), figure)


def holds(runner, setting, expect=None) -> PatternResult:
    return _result(1, "holds", 0.2, 0.4)


def fails(runner, setting, expect=None) -> PatternResult:
    return _result(2, "fails", -0.4, -0.2)


def test_validate_prints_one_table_and_a_generated_report_and_exits_1(tmp_path, monkeypatch, capsys):
    # The table wraps to the terminal's width, which differs between terminals, CI and pytest-xdist's workers; at
    # 140 columns the phrases looked for below fit on one line (wrapping is test_text_table_wraps_every_cell_...).
    monkeypatch.setenv("COLUMNS", "140")
    monkeypatch.setattr(command, "select_patterns", lambda only: [Pattern(1, "holds", holds),
                                                                  Pattern(2, "fails", fails)])
    args = build_parser().parse_args(["validate", "--out", str(tmp_path / "v"), "--workers", "1"])
    with pytest.raises(SystemExit) as exit_info:
        args.func(args)
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    header = out.splitlines()[0].split()
    assert header[:4] == ["#", "pattern", "source", "expected"] and header[-1] == "verdict"
    assert "Imaginary & Author" in out and "effect: 0.3 [0.2, 0.4] units" in out
    assert "FAIL: below 0" in out and "1 of 2 patterns pass" in out
    report = (tmp_path / "v" / "report.md").read_text()
    assert "| 2 | Pattern fails | Imaginary & Author" in report
    assert ("**Where the model and the literature disagree.** effect: measured -0.3 [-0.4, -0.2], expected "
            "positive (> 0): the whole interval lies at or below 0.") in report


def test_set_moves_a_default_under_every_arm():
    args = build_parser().parse_args(["validate", "--set", "meeting_time=0.25"])
    setting = Setting("s", 2, 2, "", defaults=command.defaults_from(args.assignments))
    assert setting.params().meeting_time == 0.25


@pytest.mark.parametrize("value, field", [("meeting_time=7", "meeting_time"), ("n_schools=3", "--set: n_schools"),
                                          ("meeting_tim=0.2", "meeting_tim")])
def test_a_bad_set_is_one_line_exit_2_before_any_run(tmp_path, value, field):
    done = plc_sim("validate", "--set", value, cwd=tmp_path)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1 and field in done.stderr
    assert list(tmp_path.iterdir()) == []

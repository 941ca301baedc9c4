"""The ``plc-sim`` command line, run as a user runs it: in a subprocess, in an empty working folder.

Runs are kept small (3 schools x 8 teachers, 30 ticks) so the whole file takes seconds.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from simulation.parameters import PARAMETERS, PARAMS_BY_NAME, make_params
from simulation.presets import PRESETS

SMALL_RUN = ["--set", "n_schools=3", "--set", "teachers_per_school=8", "--ticks", "30"]
DATA_FILES = ("network", "schools", "persistence", "events")
"""Tables that ``plc-sim run`` writes, each as .parquet and .csv."""


def plc_sim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run ``plc-sim ARGS`` with this interpreter, from ``cwd``."""
    return subprocess.run([sys.executable, "-m", "plc_sim.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path, Path]:
    """The same small run twice (same parameters and seed) into two folders."""
    work = tmp_path_factory.mktemp("cli-runs")
    args = ["run", "--preset", "champion-leaves", *SMALL_RUN, "--set", "principal_leaves_tick=15",
            "--set", "meeting_time=0.45", "--seed", "17"]
    first = plc_sim(*args, "--out", "first", cwd=work)
    second = plc_sim(*args, "--out", "second", cwd=work)
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    return first, work / "first", work / "second"


# --- a good run ---------------------------------------------------------------------------------------------

def test_run_writes_tidy_tables(two_runs):
    _, out, _ = two_runs
    for stem in DATA_FILES:
        assert (out / f"{stem}.parquet").is_file() and (out / f"{stem}.csv").is_file(), stem
    network = pd.read_parquet(out / "network.parquet")
    assert list(network["tick"]) == list(range(31)), "one row per tick, including tick 0"
    assert {"tick", "year", "health", "knowledge", "trust", "retention"} <= set(network.columns)
    schools = pd.read_parquet(out / "schools.parquet")
    assert len(schools) == 31 * 3 and set(schools["school"]) == {0, 1, 2}
    pd.testing.assert_frame_equal(pd.read_csv(out / "network.csv"), network, check_dtype=False, atol=1e-9)
    events = pd.read_csv(out / "events.csv")
    assert ((events["tick"] == 15) & (events["kind"] == "principal_left")).any(), "the scheduled succession"
    persistence = pd.read_csv(out / "persistence.csv")
    assert len(persistence) == 3


def test_run_records_provenance(two_runs):
    _, out, _ = two_runs
    record = json.loads((out / "provenance.json").read_text())
    assert set(record["parameters"]) == set(PARAMS_BY_NAME), "every parameter, no more"
    assert record["parameters"]["meeting_time"] == 0.45 and record["parameters"]["n_schools"] == 3
    overrides = PRESETS["champion-leaves"].overrides
    set_here = ("meeting_time", "n_schools", "teachers_per_school", "principal_leaves_tick")
    assert overrides and all(record["parameters"][name] == value for name, value in overrides.items()
                             if name not in set_here)
    assert (record["seed"], record["ticks"], record["preset"]) == (17, 30, "champion-leaves")
    assert {"plc-sim", "mesa", "numpy", "pandas"} <= set(record["packages"])
    assert record["packages"]["mesa"].startswith("3.5")
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", record["python"])
    assert {"commit", "dirty"} <= set(record["git"])
    if (Path(__file__).resolve().parent.parent / ".git").exists():
        assert re.fullmatch(r"[0-9a-f]{40}", record["git"]["commit"]), record["git"]
        assert isinstance(record["git"]["dirty"], bool)


def test_run_draws_a_chart(two_runs, tmp_path):
    from matplotlib.image import imread

    from plc_sim.experiments.execution.run_chart import run_chart

    _, out, _ = two_runs
    pixels = imread(out / "chart.png")
    assert pixels.shape[:2] == (960, 1440) and pixels.std() > 0.05, "12 x 8 inches at 120 dpi, not blank"
    network, schools = pd.read_parquet(out / "network.parquet"), pd.read_parquet(out / "schools.parquet")
    fig = run_chart(network, schools, make_params(), tmp_path / "chart.png", title="a run")
    health, means, each_school, turnover = fig.axes
    assert health.get_lines()[0].get_label() == "PLC health index"
    assert list(health.get_lines()[0].get_ydata()) == list(network["health"])
    stages = ["implementing stage from 35%: formed", "below initiating (25%) a year: decayed"]
    school_lines = [line for line in each_school.get_lines() if line.get_label() not in stages]
    assert len(school_lines) == 3, "one line per school"
    assert [t.get_text() for t in each_school.get_legend().get_texts()] == stages
    assert turnover.get_ylabel() == "percent" and fig.get_suptitle() == "a run"


def test_run_prints_a_short_summary(two_runs):
    result, _, _ = two_runs
    lines = result.stdout.strip().splitlines()
    assert 3 <= len(lines) <= 12
    assert lines[0].startswith("ticks 30 (3 school years), 3 schools x 8 teachers")
    assert any("PLC health" in line for line in lines)
    assert "first" in lines[-1], "the summary says where the results are"


def test_same_parameters_and_seed_give_byte_identical_data(two_runs):
    _, first, second = two_runs
    for stem in DATA_FILES:
        for suffix in (".parquet", ".csv"):
            name = stem + suffix
            assert (first / name).read_bytes() == (second / name).read_bytes(), f"{name} differs between runs"


def test_a_different_seed_gives_different_data(two_runs, tmp_path):
    _, first, _ = two_runs
    result = plc_sim("run", "--preset", "champion-leaves", *SMALL_RUN, "--set", "principal_leaves_tick=15",
                     "--set", "meeting_time=0.45", "--seed", "18", "--out", "other", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "other" / "network.csv").read_bytes() != (first / "network.csv").read_bytes()


# --- bad input: one line naming the field and what is allowed, exit 2, nothing written --------------------------

BAD_INPUTS = {
    "unknown parameter": (["--set", "meetng_time=0.4"], "meetng_time", "plc-sim params"),
    "unknown preset": (["--preset", "no-such-preset"], "preset", "baseline"),
    "out of range": (["--set", "meeting_time=1.5"], "meeting_time", "from 0 to 1"),
    "below range": (["--set", "n_schools=0"], "n_schools", "an integer from 1 to"),
    "NaN": (["--set", "meeting_time=nan"], "meeting_time", "from 0 to 1"),
    "NaN for an integer": (["--set", "n_schools=NaN"], "n_schools", "an integer from 1 to"),
    "infinity": (["--set", "meeting_time=inf"], "meeting_time", "from 0 to 1"),
    "word for a number": (["--set", "meeting_time=lots"], "meeting_time", "from 0 to 1"),
    "fraction for an integer": (["--set", "n_schools=2.5"], "n_schools", "an integer from 1 to"),
    "bool for a number": (["--set", "n_schools=true"], "n_schools", "an integer from 1 to"),
    "not a bool": (["--set", "network_facilitator=maybe"], "network_facilitator", "true or false"),
    "not a choice": (["--set", "school_type=tertiary"], "school_type", "primary, secondary, mixed"),
    "--set without =": (["--set", "meeting_time"], "--set", "name=value"),
    "--set without value": (["--set", "meeting_time="], "--set", "name=value"),
    "--set without name": (["--set", "=0.4"], "--set", "name=value"),
    "--ticks zero": (["--ticks", "0"], "--ticks", "an integer from 1 to"),
    "--ticks word": (["--ticks", "many"], "--ticks", "an integer from 1 to"),
    "--ticks fraction": (["--ticks", "2.5"], "--ticks", "an integer from 1 to"),
    "--seed negative": (["--seed", "-1"], "--seed", "an integer from 0 to"),
    "--seed word": (["--seed", "lucky"], "--seed", "an integer from 0 to"),
}


def assert_one_line_naming(stderr: str, field: str, allowed: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("plc-sim") and "error:" in lines[0], lines[0]
    assert field in lines[0] and allowed in lines[0], lines[0]


@pytest.mark.parametrize("args, field, allowed", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_is_one_line_exit_2_and_writes_nothing(args, field, allowed, tmp_path, monkeypatch, capsys):
    """Every case, through ``plc_sim.cli.main`` in this process (fast); the shell test below runs a few for real."""
    from plc_sim.cli import main

    monkeypatch.chdir(tmp_path)
    try:
        status = main(["run", *SMALL_RUN, *args, "--out", "out"])
    except SystemExit as exit_:  # argparse refuses options by exiting
        status = exit_.code
    out, err = capsys.readouterr()
    assert status == 2, err
    assert_one_line_naming(err, field, allowed)
    assert out == ""
    assert not (tmp_path / "out").exists()
    assert list(tmp_path.iterdir()) == [], "nothing may be written"


@pytest.mark.parametrize("case", ["unknown parameter", "unknown preset", "NaN", "--set without =", "--ticks word"])
def test_bad_input_from_the_shell(case, tmp_path):
    args, field, allowed = BAD_INPUTS[case]
    result = plc_sim("run", *SMALL_RUN, *args, "--out", "out", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert_one_line_naming(result.stderr, field, allowed)
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == [], "nothing may be written"


def test_out_that_is_a_file_is_refused_and_left_alone(tmp_path):
    (tmp_path / "taken").write_text("keep me")
    result = plc_sim("run", *SMALL_RUN, "--out", "taken", cwd=tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "--out" in result.stderr
    assert (tmp_path / "taken").read_text() == "keep me"
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]


# --- listings ---------------------------------------------------------------------------------------------------

def test_params_lists_every_parameter(tmp_path):
    result = plc_sim("params", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for p in PARAMETERS:
        assert re.search(rf"^\s+{p.name} = ", result.stdout, re.M), p.name
        assert p.allowed() in result.stdout


def test_params_markdown_has_one_row_per_parameter(tmp_path):
    result = plc_sim("params", "--markdown", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == [p.name for p in PARAMETERS]


def test_presets_lists_every_preset(tmp_path):
    result = plc_sim("presets", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for name, preset in PRESETS.items():
        assert re.search(rf"^{re.escape(name)}$", result.stdout, re.M), name
        assert preset.story[:40] in result.stdout

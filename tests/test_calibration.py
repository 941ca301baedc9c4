"""``plc-sim calibrate``: sampling, POM filtering, the result store (resume, workers), the report, bad specs.

Most tests use synthetic patterns with a known answer (``calibration_helpers``), so they test the machinery and
can fail: a pattern that holds only inside a known interval of one parameter must leave accepted points only
inside that interval. One test runs the real patterns at a tiny setting through the command line.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from calibration_helpers import ALWAYS_PATTERN, WIDE_PATTERN, WIDTH, WINDOW, WINDOW_PATTERN
from cli_helpers import plc_sim as in_process

from plc_sim.calibration.report import share_ci, write_report
from plc_sim.calibration.run import run_calibration
from plc_sim.calibration.spec import CalibrationSpecError, parse_calibration
from plc_sim.core.errors import InputError
from plc_sim.experiments.execution.store import ResultFolder
from plc_sim.validation.registry import PATTERNS

ROOT = Path(__file__).resolve().parent.parent
WINDOW_SPEC = """
name = "window"
question = "Where does the window pattern hold?"
master_seed = 5
patterns = ["window", "always"]
[sampling]
samples = 24
[setting]
replications = 2
n_schools = 1
[parameters]
trust_growth_rate = {}
transfer_rate = { low = 0.05, high = 0.3 }
"""


def window_spec(text: str = WINDOW_SPEC, patterns=(WINDOW_PATTERN, ALWAYS_PATTERN)):
    return parse_calibration(text, source="window.toml", patterns=patterns)


def plc_sim(*args: str, cwd, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "plc_sim.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def window_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("calibration") / "window"
    summary = run_calibration(window_spec(), out, workers=2, progress=False)
    return out, summary


def test_only_points_inside_the_known_window_are_accepted(window_run):
    out, summary = window_run
    assert summary.complete and summary.ran_now == 24
    points = pd.read_csv(out / "points.csv")
    inside = (points["trust_growth_rate"] > WINDOW[0]) & (points["trust_growth_rate"] < WINDOW[1])
    assert inside.any() and (~inside).any(), "the sample must cover both sides of the window"
    assert (points["accepted"] == inside).all()
    assert points["pass_always"].all()
    assert points["trust_growth_rate"].between(0, 1).all() and points["transfer_rate"].between(0.05, 0.3).all()


@pytest.mark.parametrize("acceptance, margin", [("interval", WIDTH), ("estimate", 0.0)])
def test_acceptance_by_interval_or_by_estimate(tmp_path, acceptance, margin):
    """An imprecise pattern: judged by its interval, only points a margin inside the window pass."""
    text = (WINDOW_SPEC.replace('patterns = ["window", "always"]', f'patterns = ["wide"]\nacceptance = "{acceptance}"')
            .replace("samples = 24", "samples = 20").replace("transfer_rate = { low = 0.05, high = 0.3 }\n", ""))
    run_calibration(window_spec(text, (WIDE_PATTERN,)), tmp_path / "out", progress=False, report=False)
    runs = pd.read_parquet(next((tmp_path / "out" / "batches").glob("batch-*")) / "runs.parquet")
    for batch in sorted((tmp_path / "out" / "batches").glob("batch-*"))[1:]:
        runs = pd.concat([runs, pd.read_parquet(batch / "runs.parquet")], ignore_index=True)
    growth = runs["trust_growth_rate"]
    assert len(runs) == 20
    assert (runs["accepted"] == ((growth > WINDOW[0] + margin) & (growth < WINDOW[1] - margin))).all()


def test_latin_hypercube_puts_one_point_in_each_stratum(window_run):
    points = pd.read_csv(window_run[0] / "points.csv")
    for name, low, high in (("trust_growth_rate", 0.0, 1.0), ("transfer_rate", 0.05, 0.3)):
        strata = ((points[name] - low) / (high - low) * len(points)).astype(int)
        assert sorted(strata) == list(range(len(points)))


def test_report_gives_share_interval_suggestion_and_evidence(window_run):
    out, _ = window_run
    points = pd.read_csv(out / "points.csv")
    report = (out / "report.md").read_text()
    accepted = int(points["accepted"].sum())
    share, low, high = share_ci(accepted, len(points))
    assert f"**{accepted} of {len(points)}**" in report and f"{share:.1%} [{low:.1%}, {high:.1%}]" in report
    assert "## Suggested default point" in report and "plc-sim validate --full --set trust_growth_rate=" in report
    suggested = points.loc[points["run_id"] == int(report.split("Point ")[1].split(":")[0])].iloc[0]
    assert suggested["accepted"] and WINDOW[0] < suggested["trust_growth_rate"] < WINDOW[1]
    assert "| window | growth rate seen by the models |" in report
    assert "Spearman" in report
    assert "| parameter | window | always |" in report
    demand = [line for line in report.splitlines() if line.startswith("| `trust_growth_rate` | ")
              and line.count("|") == 4]
    assert len(demand) == 1 and demand[0].endswith("|  |"), "a pattern that holds everywhere has no correlation"
    assert demand[0].split("|")[2].strip()[0] in "+-", "the window pattern's correlation is given"
    for name in ("marginals", "pairs", "patterns"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 5_000


def test_same_points_on_one_and_two_workers(window_run, tmp_path):
    serial = run_calibration(window_spec(), tmp_path / "serial", workers=1, progress=False, report=False)
    assert serial.complete
    two = pd.concat(pd.read_parquet(b / "checks.parquet") for b in sorted((window_run[0] / "batches").glob("b*")))
    one = pd.concat(pd.read_parquet(b / "checks.parquet") for b in sorted((tmp_path / "serial/batches").glob("b*")))
    pd.testing.assert_frame_equal(two.sort_values(["run_id", "pattern"], ignore_index=True),
                                  one.sort_values(["run_id", "pattern"], ignore_index=True))


def test_a_rerun_measures_nothing_and_a_changed_spec_is_refused(window_run, monkeypatch, capsys):
    out, _ = window_run
    again = run_calibration(window_spec(), out, workers=1, progress=False)
    assert again.complete and again.ran_now == 0 and again.done_before == 24
    assert "other model code" not in capsys.readouterr().err
    monkeypatch.setattr("plc_sim.experiments.execution.sweep.model_source_hash", lambda: "edited model")
    run_calibration(window_spec(), out, workers=1, progress=False)
    assert "were made by other model code" in capsys.readouterr().err
    with pytest.raises(InputError, match="different spec"):
        run_calibration(window_spec(WINDOW_SPEC.replace("samples = 24", "samples = 16")), out, progress=False)


def test_a_damaged_batch_is_named_and_its_point_measured_again(tmp_path, capsys):
    text = WINDOW_SPEC.replace("samples = 24", "samples = 6")
    run_calibration(window_spec(text), tmp_path / "out", progress=False)
    before = pd.read_csv(tmp_path / "out" / "points.csv")
    damaged = sorted((tmp_path / "out" / "batches").glob("batch-*"))[2] / "checks.parquet"
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    again = run_calibration(window_spec(text), tmp_path / "out", progress=False)
    assert again.complete and again.ran_now == 1 and again.done_before == 5
    assert damaged.parent.name in capsys.readouterr().err
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "out" / "points.csv"), before)
    shutil.rmtree(sorted((tmp_path / "out" / "batches").glob("batch-*"))[0])
    report = write_report(ResultFolder(tmp_path / "out"), window_spec(text)).read_text()
    assert "**Incomplete: 5 of 6 points measured so far**" in report
    restarted = run_calibration(window_spec(text), tmp_path / "out", progress=False, restart=True)
    assert restarted.done_before == 0 and restarted.ran_now == 6, "--restart measures every point again"


def test_resumes_after_sigkill_with_the_same_results(tmp_path):
    """Kill a calibration part way (kill -9), run it again: the stored points are kept, the rest measured."""
    spec_file = tmp_path / "window.toml"
    spec_file.write_text(WINDOW_SPEC)
    script = ("import sys; from calibration_helpers import SLOW_WINDOW_PATTERN, ALWAYS_PATTERN; "
              "from plc_sim.calibration.run import run_calibration; "
              "from plc_sim.calibration.spec import load_calibration; "
              "spec = load_calibration(sys.argv[1], patterns=(SLOW_WINDOW_PATTERN, ALWAYS_PATTERN)); "
              "run_calibration(spec, sys.argv[2], workers=1, progress=False)")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), str(ROOT)])}
    process = subprocess.Popen([sys.executable, "-c", script, str(spec_file), str(tmp_path / "out")], env=env)
    batches = tmp_path / "out" / "batches"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(batches.glob("batch-*"))) < 3:
        time.sleep(0.1)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    stored = len(list(batches.glob("batch-*")))
    assert 3 <= stored < 24, "the calibration was not killed part way"
    resumed = run_calibration(window_spec(), tmp_path / "out", progress=False)  # same spec, without the delay
    assert resumed.complete and resumed.done_before >= 3 and resumed.ran_now == 24 - resumed.done_before
    clean = run_calibration(window_spec(), tmp_path / "clean", progress=False)
    assert clean.complete
    kept, fresh = pd.read_csv(tmp_path / "out" / "points.csv"), pd.read_csv(tmp_path / "clean" / "points.csv")
    pd.testing.assert_frame_equal(kept, fresh)


# --- the spec ---------------------------------------------------------------------------------------------------

def test_declared_ranges_are_the_default_and_can_be_narrowed():
    spec = window_spec()
    growth, transfer = spec.uncertain
    assert (growth.low, growth.high) == (growth.param.low, growth.param.high)
    assert (transfer.low, transfer.high) == (0.05, 0.3)
    assert spec.defaults(3) == {"trust_growth_rate": spec.points.loc[3, "trust_growth_rate"],
                                "transfer_rate": spec.points.loc[3, "transfer_rate"]}


def test_all_patterns_by_default():
    spec = parse_calibration(WINDOW_SPEC.replace('patterns = ["window", "always"]\n', ""))
    assert [p.key for p in spec.patterns] == [p.key for p in PATTERNS]


@pytest.mark.parametrize("change, field", [
    (("trust_growth_rate = {}", "trust_growht = {}"), "parameters.trust_growht: unknown parameter (did you mean "
                                                      "trust_growth_rate?)"),
    (("transfer_rate = { low = 0.05, high = 0.3 }", "transfer_rate = { low = -1.0 }"), "parameters.transfer_rate.low"),
    (("transfer_rate = { low = 0.05, high = 0.3 }", "transfer_rate = { low = 0.3, high = 0.1 }"),
     "parameters.transfer_rate: low (0.3) must be below high (0.1)"),
    (("transfer_rate = { low = 0.05, high = 0.3 }", "network_type = {}"), "parameters.network_type"),
    (("transfer_rate = { low = 0.05, high = 0.3 }", "n_schools = {}"), "parameters.n_schools"),
    (("samples = 24", "samples = 24\nmethod = \"sobol\""), "sampling.samples: 24 is not allowed"),
    (("samples = 24", "samples = 1"), "sampling.samples"),
    (("replications = 2", "replications = 1"), "setting.replications"),
    (("n_schools = 1", "n_schools = 0"), "setting.n_schools"),
    (('patterns = ["window", "always"]', 'patterns = ["windows"]'), "patterns: 'windows' is not a pattern"),
    (("master_seed = 5", "master_sed = 5"), "master_sed: unknown field (did you mean master_seed?)"),
    (("[setting]", "[setting]\nticks = 3"), "setting.ticks: unknown field"),
    (("master_seed = 5", "master_seed = 5\nacceptance = \"loose\""), "acceptance: 'loose' is not allowed"),
])
def test_bad_spec_names_the_field(change, field):
    with pytest.raises(CalibrationSpecError) as error:
        window_spec(WINDOW_SPEC.replace(*change))
    message = str(error.value)
    assert message.startswith("window.toml: ") and field in message and "\n" not in message


def test_bad_spec_on_the_command_line_is_one_line_exit_2_and_writes_nothing(tmp_path):
    (tmp_path / "bad.toml").write_text(WINDOW_SPEC.replace("trust_growth_rate = {}", "trust_growht = {}")
                                       .replace('patterns = ["window", "always"]\n', ""))
    done = in_process("calibrate", "bad.toml", cwd=tmp_path)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert "parameters.trust_growht" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]


@pytest.mark.parametrize("name", ["calibration", "calibration_region", "decay_causes", "region_all_nine"])
def test_dry_run_shows_the_plan_and_writes_nothing(tmp_path, name):
    done = in_process("calibrate", str(ROOT / "experiments" / f"{name}.toml"), "--dry-run", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "latin hypercube of" in done.stdout and f"results/{name}/" in done.stdout
    assert list(tmp_path.iterdir()) == []


def test_the_real_patterns_at_a_tiny_setting_end_to_end(tmp_path):
    """The CI setting of the command itself: every real pattern, two points, tiny networks, two workers."""
    (tmp_path / "tiny.toml").write_text(
        'name = "tiny"\n[sampling]\nsamples = 2\n[setting]\nreplications = 2\nn_schools = 2\n'
        "[parameters]\ntrust_growth_rate = {}\ntrust_decay_rate = { low = 0.0, high = 0.05 }\n")
    done = plc_sim("calibrate", "tiny.toml", "--workers", "2", cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "results" / "tiny"
    checks = pd.read_csv(out / "checks.csv")
    assert set(checks["pattern"]) == {p.key for p in PATTERNS} and checks["run_id"].nunique() == 2
    assert "## Accepted share" in (out / "report.md").read_text()


@pytest.mark.slow
def test_the_shipped_spec_runs_to_a_report(tmp_path):
    done = plc_sim("calibrate", str(ROOT / "experiments" / "calibration.toml"), "--workers", "2", cwd=tmp_path,
                   timeout=3600)
    assert done.returncode == 0, done.stderr
    assert "## Accepted share" in (tmp_path / "results" / "calibration" / "report.md").read_text()

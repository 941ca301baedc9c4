"""The sweep runner: same data for any number of workers and for Dask; resumes after kill -9 and Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from sweep_helpers import TINY_GRID, TINY_NETWORK, assert_same_tables, write_spec

from plc_sim.cli import main
from plc_sim.experiments.execution.datasets import read_tables
from plc_sim.experiments.execution.execute import RunResult, batches_of_runs, run_batch, run_measures, run_one
from plc_sim.experiments.execution.sweep import run_sweep
from plc_sim.experiments.specs.spec import parse_spec

pytestmark = pytest.mark.timeout(180)

# Runs in several units per worker, so that what is left after a hold (below) spans more than one unit.
INTERRUPTIBLE = (TINY_GRID.replace("ticks = 20", "ticks = 40").replace("replications = 3", "replications = 40")
                 .replace('name = "tiny"', 'name = "interruptible"'))


@pytest.fixture(scope="module")
def tiny_reference(tmp_path_factory):
    """The tiny grid swept in this process, one worker: the data every other way of running must equal."""
    out = tmp_path_factory.mktemp("reference")
    spec = parse_spec(TINY_GRID)
    run_sweep(spec, out, workers=1, progress=False)
    return spec, read_tables(out)


def test_one_worker_stores_every_run_once_with_its_seed_and_series(tiny_reference):
    spec, tables = tiny_reference
    runs, series, schools = tables["runs"], tables["series"], tables["schools"]
    assert list(runs["run_id"]) == list(range(12))
    assert (runs["run_id"] == runs["point"] * spec.replications + runs["replication"]).all()
    assert (runs["seed"] == [spec.seed(k) for k in runs["replication"]]).all()
    assert len(series) == 12 * (spec.ticks + 1) and len(schools) == 12 * 3
    assert series["health"].between(0, 1).all()
    # Different design points give different trajectories even though replication k shares its seed.
    first_two = [series.loc[series.run_id == run, "health"].to_numpy() for run in (0, 3)]
    assert not np.array_equal(*first_two)


def test_two_workers_give_the_same_data_value_for_value(tiny_reference, tmp_path):
    spec, reference = tiny_reference
    summary = run_sweep(spec, tmp_path / "two", workers=2, batch_size=2, progress=False)
    assert summary.complete and summary.ran_now == 12
    assert len(list((tmp_path / "two" / "batches").glob("batch-*"))) == 6
    assert_same_tables(reference, read_tables(tmp_path / "two"))


BATCHED = """
name = "batched"
ticks = 30
replications = 5
master_seed = 3

[outcomes]
measures = ["health", "trust"]
school_series = ["health", "decayed"]
""" + TINY_NETWORK


def test_a_points_replications_run_as_a_batch_give_each_run_the_result_it_has_alone():
    spec = parse_spec(BATCHED + "[vary]\ninitial_trust = [0.1, 0.6]\n")
    units = batches_of_runs(spec.tasks())
    assert [len(unit) for unit in units] == [10]  # two points a rate apart join: 3 schools a run, up to 53 a batch
    other = parse_spec(BATCHED + "[vary]\nconversations_per_tick = [2, 3]\n")
    assert [len(unit) for unit in batches_of_runs(other.tasks())] == [5, 5]  # another structure: apart
    assert [len(unit) for unit in batches_of_runs(spec.tasks()[:5], workers=2)] == [3, 2]  # both workers busy
    for unit in units:
        for batched, task in zip(run_batch(unit), unit, strict=True):
            alone = run_one(task)
            assert batched.run_id == alone.run_id
            np.testing.assert_array_equal(batched.series, alone.series, strict=True)
            np.testing.assert_array_equal(batched.school_series, alone.school_series, strict=True)
            assert batched.decay_causes == alone.decay_causes and batched.custom == alone.custom
            assert batched.schools.keys() == alone.schools.keys()
            for name, values in alone.schools.items():
                np.testing.assert_array_equal(batched.schools[name], values, strict=True)


def test_runs_with_interventions_are_units_of_one():
    spec = parse_spec(BATCHED + "[levers]\ninduction = [false, true]\n")
    units = batches_of_runs(spec.tasks())
    assert sorted(len(unit) for unit in units) == [1] * 5 + [5]
    assert all(unit[0].interventions for unit in units if len(unit) == 1)


def test_a_dask_local_cluster_gives_the_same_data(tiny_reference, tmp_path):
    from distributed import LocalCluster

    spec, reference = tiny_reference
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        summary = run_sweep(spec, tmp_path / "dask", scheduler=cluster.scheduler_address, progress=False)
    assert summary.complete and "Dask" in summary.where
    assert_same_tables(reference, read_tables(tmp_path / "dask"))


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path, capsys):
    path = write_spec(tmp_path, TINY_GRID)
    assert main(["sweep", str(path), "--scheduler", "localhost:8786", "--out", str(tmp_path / "o")]) == 2
    assert "--scheduler: 'localhost:8786' is not an address" in capsys.readouterr().err
    assert main(["sweep", str(path), "--scheduler", "tcp://x", "--workers", "2", "--out", str(tmp_path / "o")]) == 2
    assert "choose one" in capsys.readouterr().err


def test_a_rerun_of_a_complete_sweep_runs_nothing_and_keeps_the_data(tiny_reference, tmp_path):
    spec, reference = tiny_reference
    run_sweep(spec, tmp_path / "out", workers=1, progress=False)
    again = run_sweep(spec, tmp_path / "out", workers=1, progress=False)
    assert again.ran_now == 0 and again.done_before == 12
    assert_same_tables(reference, read_tables(tmp_path / "out"))
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["status"] == "complete" and len(manifest["sessions"]) == 2
    assert manifest["spec"]["text"] == spec.text and manifest["created"]["packages"]["mesa"] == "3.5.1"


def test_a_changed_spec_under_an_existing_result_folder_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    path = write_spec(tmp_path, TINY_GRID)
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--no-figures"]) == 0
    before = sorted((p.name, p.stat().st_mtime_ns) for p in (out / "batches").iterdir())
    changed = write_spec(tmp_path, TINY_GRID.replace("ticks = 20", "ticks = 25"), "changed.toml")
    capsys.readouterr()
    assert main(["sweep", str(changed), "--out", str(out), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert "holds results of a different spec" in err and "--restart" in err and len(err.strip().splitlines()) == 1
    assert sorted((p.name, p.stat().st_mtime_ns) for p in (out / "batches").iterdir()) == before
    # A comment is not a change of content: the sweep resumes (nothing to do).
    commented = write_spec(tmp_path, "# same experiment\n" + TINY_GRID, "commented.toml")
    assert main(["sweep", str(commented), "--out", str(out), "--workers", "1", "--no-figures"]) == 0
    assert "0 runs in" in capsys.readouterr().out
    # --restart discards the old results and runs the new spec.
    assert main(["sweep", str(changed), "--out", str(out), "--workers", "1", "--restart", "--no-figures"]) == 0
    assert read_tables(out)["series"]["tick"].max() == 25


def test_a_folder_that_is_not_a_result_folder_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "thesis.docx").write_text("precious")
    path = write_spec(tmp_path, TINY_GRID)
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == 2
    assert "holds no plc-sim manifest.json" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["thesis.docx"], "not even a .lock"


HELD_SWEEP = """
import signal, sys, time
from pathlib import Path
from plc_sim.cli.main import main
from plc_sim.experiments.execution.batches import BatchWriter

# Ctrl-C at a terminal reaches a program whose SIGINT is at Python's default. A process started in the background
# by a non-interactive shell (as make test may be) ignores SIGINT, and its children inherit that.
signal.signal(signal.SIGINT, signal.default_int_handler)
stored, held = int(sys.argv[1]), Path(sys.argv[2])
add = BatchWriter.add

def add_then_hold(writer, result):
    add(writer, result)
    if writer.written >= stored and not held.exists():
        held.touch()
        time.sleep(120)  # the test's signal ends this; past it, the sweep goes on and the test fails

BatchWriter.add = add_then_hold
sys.exit(main(sys.argv[3:]))
"""
"""The command line's ``main`` with one change: once ``stored`` runs are on disk, the sweep holds still between two
results (where a Ctrl-C most often lands). Tiny runs can all finish between a test seeing the first batch and its
signal (they did, under load), so the hold, not the sweep's size, makes sure runs remain when the signal comes."""


def _start_held_sweep(spec_path: Path, out: Path, held: Path, stored: int) -> subprocess.Popen:
    """Start the sweep of ``spec_path`` into ``out`` with two workers and batches of 4; return once it holds with
    ``stored`` runs written (it touches ``held`` then)."""
    command = [sys.executable, "-c", HELD_SWEEP, str(stored), str(held), "sweep", str(spec_path), "--out", str(out),
               "--workers", "2", "--batch-size", "4", "--no-figures"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not held.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the sweep stored no runs in time"
        time.sleep(0.01)
    return process


@pytest.fixture(scope="module")
def interruptible(tmp_path_factory):
    """The interruptible spec on disk and its uninterrupted data."""
    folder = tmp_path_factory.mktemp("interruptible")
    path = write_spec(folder, INTERRUPTIBLE)
    run_sweep(parse_spec(INTERRUPTIBLE), folder / "uninterrupted", workers=2, progress=False)
    return path, read_tables(folder / "uninterrupted")


def test_a_sweep_killed_outright_resumes_to_the_same_data(interruptible, tmp_path):
    path, reference = interruptible
    out = tmp_path / "killed"
    process = _start_held_sweep(path, out, tmp_path / "held", stored=8)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    done = read_tables(out)["runs"]
    assert 8 <= len(done) < len(reference["runs"]), "killed mid-sweep"
    assert not done["run_id"].duplicated().any()
    assert main(["sweep", str(path), "--out", str(out), "--workers", "2", "--no-figures"]) == 0
    assert_same_tables(reference, read_tables(out))
    assert not list((out / "batches").glob(".staging-*"))


def test_ctrl_c_saves_finished_runs_exits_130_and_resumes(interruptible, tmp_path):
    path, reference = interruptible
    out = tmp_path / "interrupted"
    process = _start_held_sweep(path, out, tmp_path / "held", stored=4)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "run the same command again" in err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and manifest["sessions"][-1]["interrupted"]
    assert not list((out / "batches").glob(".staging-*"))
    saved = len(read_tables(out)["runs"])
    assert 4 <= saved < len(reference["runs"]), "interrupted mid-sweep"
    summary = run_sweep(parse_spec(path.read_text(), str(path), "interruptible"), out, workers=1, progress=False)
    assert summary.done_before == saved and summary.complete
    assert_same_tables(reference, read_tables(out))


def test_run_measures_summarize_a_known_run():
    series = np.column_stack([np.linspace(0, 1, 31), np.zeros(31)])
    schools = {"secondary": np.array([False, True, False, True]),
               "first_formed_tick": np.array([10, 0, 0, -1]),  # the fourth never formed
               "first_decay_tick": np.array([-1, 10, 20, -1]), "first_recovery_tick": np.array([-1, 15, -1, -1]),
               "decayed_at_end": np.array([False, False, True, False]),
               "first_erosion_tick": np.array([-1, 5, -1, -1])}
    causes = {"principal succession": 0.5, "teacher turnover": 0.5, "outside initiative": 1.0}
    measures = run_measures(RunResult(0, series, schools, causes), ("health", "decayed_share"))
    assert measures["final_health"] == pytest.approx(np.linspace(0, 1, 31)[-10:].mean())
    assert measures["persisting_share"] == pytest.approx(1 / 3)  # of the three formed, one never decayed
    assert measures["never_formed_share"] == 0.25
    assert measures["decayed_at_end_share"] == 0.25
    assert measures["recovered_share"] == pytest.approx(1 / 3) and measures["eroded_share"] == pytest.approx(1 / 3)
    assert measures["years_before_decay"] == pytest.approx((20 + 10 + 20) / 3 / 10)  # from forming
    assert measures["decays_after_outside_initiative"] == 1.0 and measures["decays_after_teacher_turnover"] == 0.5


def test_persistence_measures_of_a_run_where_nothing_formed_are_missing_not_zero():
    schools = {"secondary": np.array([False, True]), "first_formed_tick": np.array([-1, -1]),
               "first_decay_tick": np.array([-1, -1]), "first_recovery_tick": np.array([-1, -1]),
               "decayed_at_end": np.array([False, False]), "first_erosion_tick": np.array([-1, -1])}
    measures = run_measures(RunResult(0, np.zeros((31, 1)), schools, {}), ("health",))
    assert measures["never_formed_share"] == 1.0
    assert all(np.isnan(measures[name]) for name in ("persisting_share", "years_before_decay", "recovered_share"))


def test_the_command_line_entry_point_runs_as_a_module():
    # Tests and users without the plc-sim script on their PATH start `python -m plc_sim.cli`.
    out = subprocess.run([sys.executable, "-m", "plc_sim.cli", "--help"], capture_output=True, text=True,
                         env={**os.environ}, timeout=60)
    assert out.returncode == 0 and "sweep" in out.stdout


def test_resuming_with_changed_model_code_warns(tiny_reference, tmp_path, capsys):
    spec, _ = tiny_reference
    run_sweep(spec, tmp_path / "out", workers=1, progress=False)
    manifest_path = tmp_path / "out" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["sessions"][0]["model_source"] = "an older model"
    manifest_path.write_text(json.dumps(manifest))
    capsys.readouterr()
    run_sweep(spec, tmp_path / "out", workers=1, progress=False)
    assert "were made by other model code" in capsys.readouterr().err

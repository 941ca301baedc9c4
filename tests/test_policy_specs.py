"""Specs with [levers] and [uncertainties]: every policy over the same sample of conditions, interventions in the
workers, the same data for 1 and 2 workers and a Dask cluster, and a resume after kill -9."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from sweep_helpers import TINY_NETWORK, assert_same_tables, write_spec

from plc_sim.cli import main
from plc_sim.experiments.execution.datasets import read_tables
from plc_sim.experiments.execution.sweep import run_sweep
from plc_sim.experiments.specs.spec import SpecError, load_spec, parse_spec

pytestmark = pytest.mark.timeout(180)

TINY_LEVERS = """
name = "tiny_levers"
ticks = 30
replications = 2
master_seed = 5
outcomes = ["health", "meeting_time"]
""" + TINY_NETWORK + """time_cut_rate = 0.0        # no recurring cuts and no dismantling successors: only the levers
dismantling_share = 0.0    # move meeting time, so the final meeting time shows whether protected time acted

[levers]
protected_time = ["off", "level=0.9@2"]
induction = [false, true]

[uncertainties]
teacher_turnover_rate = { low = 0.1, high = 0.3 }
initial_trust = { low = 0.2, high = 0.6 }

[design.latin_hypercube]
samples = 3
"""


def test_every_policy_meets_the_same_conditions_with_the_same_seeds():
    spec = parse_spec(TINY_LEVERS)
    assert spec.lever_names == ("protected_time", "induction")
    assert spec.uncertainty_names == ("teacher_turnover_rate", "initial_trust")
    points = spec.points
    assert len(points) == spec.point_count == 4 * 3 and spec.run_count == 24
    assert set(points.groupby("policy").size()) == {3}
    conditions = points.pivot(index="scenario", columns="policy", values="initial_trust")
    assert (conditions.nunique(axis=1) == 1).all(), "every policy sees the same sample of conditions"
    policies = points.drop_duplicates("policy")[["protected_time", "induction"]].values.tolist()
    assert policies == [["off", "off"], ["off", "on"], ["level=0.9@2", "off"], ["level=0.9@2", "on"]]
    tasks = spec.tasks()
    assert {t.interventions for t in tasks} == {(), ("induction",), ("protected_time:level=0.9@2",),
                                               ("protected_time:level=0.9@2", "induction")}
    assert all("protected_time" not in t.overrides and "induction" not in t.overrides for t in tasks)
    assert {t.seed for t in tasks if t.replication == 1} == {spec.seed(1)}
    assert "4 policies (protected_time, induction) x latin hypercube" in spec.describe()


@pytest.mark.parametrize(("change", "words"), [
    (("[uncertainties]", "[vary]\nmeeting_time = [0.2]\n[uncertainties]"), "vary: a spec has either"),
    (('induction = [false, true]', 'induction = ["off", "rate=3"]'), r"levers.induction\[1\]: .*rate: 3.0"),
    (('induction = [false, true]', 'induction = ["off", "off"]'), "levers.induction: a setting is listed twice"),
    (('"level=0.9@2"', '"level=0.9@4"'), r"levers.protected_time\[1\]: .*start year 4 is outside the run \(30 ticks"),
    (('"level=0.9@2"', '"level=0.9@2-9"'), r"levers.protected_time\[1\]: .*end year 9 is outside the run"),
    (('"level=0.9@2"', '"level=0.9#4"'), r"levers.protected_time\[1\]: .*school 4 is outside the network; .* 1 to 3"),
    (('"level=0.9@2"', '"level=0.9,level=0.8"'), r"levers.protected_time\[1\]: .*argument 'level' is given twice"),
    (('"level=0.9@2"', '"level=0.9@\u0662"'), r"levers.protected_time\[1\]: .*'\u0662' is not allowed"),
    (('induction = [false, true]', 'inducton = ["off"]'), "levers.inducton: unknown parameter"),
    (('induction = [false, true]', 'initial_trust = [0.1, 0.2]'), "uncertainties.initial_trust: also a lever"),
    (("initial_trust = { low = 0.2, high = 0.6 }", "initial_trust = { low = 0.2, high = 1.6 }"),
     "uncertainties.initial_trust.high: 1.6 is not allowed"),
])
def test_bad_levers_and_uncertainties_name_the_field(change, words):
    with pytest.raises(SpecError, match=words):
        parse_spec(TINY_LEVERS.replace(*change))


@pytest.mark.parametrize("network", ["n_schools = 2", "[uncertainties]\nn_schools = { low = 2, high = 4 }"])
def test_a_lever_reaching_a_school_must_be_in_every_network_of_the_design(network):
    text = TINY_LEVERS.replace('"level=0.9@2"', '"level=0.9@2#3"')
    assert parse_spec(text).lever_names == ("protected_time", "induction")  # three schools: school 3 exists
    with pytest.raises(SpecError, match=r"levers.protected_time\[1\]: .*school 3 is outside the network; .* 1 to 2"):
        parse_spec(text.replace("n_schools = 3", network) if network.startswith("n_") else
                   text.replace("n_schools = 3\n", "").replace("[uncertainties]", network))


@pytest.fixture(scope="module")
def lever_reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("levers")
    spec = parse_spec(TINY_LEVERS)
    run_sweep(spec, out, workers=1, progress=False)
    return spec, read_tables(out)


def test_interventions_act_in_the_workers_and_tables_carry_levers_and_conditions(lever_reference):
    spec, tables = lever_reference
    runs = tables["runs"]
    for name in (*spec.lever_names, *spec.uncertainty_names):
        assert runs[name].notna().all(), name
    protected = runs.protected_time != "off"
    assert np.allclose(runs.loc[protected, "final_meeting_time"], 0.9)
    assert np.allclose(runs.loc[~protected, "final_meeting_time"], 0.6)


def test_two_workers_and_dask_give_the_same_lever_data(lever_reference, tmp_path):
    from distributed import LocalCluster

    spec, reference = lever_reference
    run_sweep(spec, tmp_path / "two", workers=2, batch_size=3, progress=False)
    assert_same_tables(reference, read_tables(tmp_path / "two"))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        run_sweep(spec, tmp_path / "dask", scheduler=cluster.scheduler_address, progress=False)
    assert_same_tables(reference, read_tables(tmp_path / "dask"))


def test_a_lever_sweep_killed_outright_resumes_to_the_same_data(tmp_path):
    text = TINY_LEVERS.replace("replications = 2", "replications = 12").replace("ticks = 30", "ticks = 40")
    path = write_spec(tmp_path, text)
    run_sweep(parse_spec(text), tmp_path / "whole", workers=2, progress=False)
    out = tmp_path / "killed"
    process = subprocess.Popen([sys.executable, "-m", "plc_sim.cli", "sweep", str(path), "--out", str(out),
                                "--workers", "2", "--batch-size", "4", "--no-figures"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(list((out / "batches").glob("batch-*"))) < 2:
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert 0 < len(read_tables(out)["runs"]) < 12 * 12, "killed mid-sweep"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "2", "--no-figures"]) == 0
    assert_same_tables(read_tables(tmp_path / "whole"), read_tables(out))


@pytest.mark.parametrize("name", ["champion_turnover_policies", "network_or_time"])
def test_the_shipped_policy_experiments_validate(name):
    spec = load_spec(Path(__file__).resolve().parent.parent / "experiments" / f"{name}.toml")
    assert spec.lever_names and spec.uncertainty_names
    assert spec.run_count <= 300, "a shipped policy experiment should run in a few minutes on two cores"


def test_a_finished_sweep_leaves_one_dataset_per_table_with_factors_on_every_row(lever_reference, tmp_path):
    import pandas as pd
    import pyarrow.dataset as ds

    spec, reference = lever_reference
    run_sweep(spec, tmp_path / "out", workers=1, progress=False)
    tables = tmp_path / "out" / "tables"
    series = pd.read_parquet(tables / "series")
    assert len(series) == len(reference["series"])
    for name in ("point", "replication", *spec.lever_names, *spec.uncertainty_names):
        assert series[name].notna().all(), name
    as_r_reads_it = ds.dataset(tables / "series", format="parquet").to_table().to_pandas()
    pd.testing.assert_frame_equal(as_r_reads_it, series)
    long = pd.read_parquet(tables / "long")
    assert len(long) == len(series) * len(spec.outcomes) and set(long.measure) == set(spec.outcomes)
    one = long[(long.run_id == 3) & (long.tick == 10) & (long.measure == "health")].value.item()
    assert one == series[(series.run_id == 3) & (series.tick == 10)].health.item()
    assert len(pd.read_parquet(tables / "schools")) == len(reference["schools"])
    assert pd.read_csv(tables / "runs.csv").run_id.tolist() == reference["runs"].run_id.tolist()

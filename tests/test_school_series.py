"""Per-school series in sweeps ([outcomes] school_series): one row per run, tick and school with the factors and
levers, compacted to tables/school_series in parts of whole runs, the same for any number of workers."""

from __future__ import annotations

import pandas as pd
import pyarrow.dataset as ds
import pytest
from sweep_helpers import TINY_NETWORK

from plc_sim.experiments.execution import datasets
from plc_sim.experiments.execution.sweep import run_sweep
from plc_sim.experiments.specs.spec import parse_spec
from simulation import PLCModel, preset_params, school_frame
from simulation.interventions import parse_intervention

pytestmark = pytest.mark.timeout(300)

SCHOOL_SERIES = """
name = "tiny_school_series"
ticks = 25
replications = 2
master_seed = 8

[outcomes]
measures = ["health"]
school_series = ["health", "trust", "decayed"]
""" + TINY_NETWORK + """
[levers]
induction = [false, true]

[uncertainties]
teacher_turnover_rate = { low = 0.1, high = 0.4 }

[design.latin_hypercube]
samples = 3
"""


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory):
    out = tmp_path_factory.mktemp("school_series") / "one"
    spec = parse_spec(SCHOOL_SERIES)
    run_sweep(spec, out, workers=1, progress=False)
    return spec, out, pd.read_parquet(out / "tables" / "school_series")


def test_one_row_per_run_tick_and_school_with_factors(one_worker):
    spec, out, frame = one_worker
    assert len(frame) == spec.run_count * (spec.ticks + 1) * 3
    assert list(frame.columns[:6]) == ["run_id", "tick", "school", "health", "trust", "decayed"]
    for name in ("point", "replication", "induction", "teacher_turnover_rate"):
        assert frame[name].notna().all(), name
    assert frame[["run_id", "tick", "school"]].equals(
        frame[["run_id", "tick", "school"]].sort_values(["run_id", "tick", "school"]))
    as_r_reads_it = ds.dataset(out / "tables" / "school_series", format="parquet").to_table().to_pandas()
    pd.testing.assert_frame_equal(as_r_reads_it, frame)


@pytest.mark.parametrize("run_id", [0, 9])
def test_the_rows_are_the_schools_of_that_run(one_worker, run_id):
    spec, _, frame = one_worker
    task = spec.tasks()[run_id]
    model = PLCModel(params=preset_params(task.preset, dict(task.overrides)), rng=task.seed,
                     interventions=[parse_intervention(text) for text in task.interventions])
    for _ in range(spec.ticks):
        model.step()
    expected = school_frame(model)[["tick", "school", "health", "trust", "decayed"]]
    stored = frame[frame.run_id == run_id][expected.columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(stored, expected, check_exact=True)


def test_any_workers_and_parts_give_the_same_dataset(one_worker, tmp_path, monkeypatch):
    spec, _, frame = one_worker
    monkeypatch.setattr(datasets, "PART_ROWS", 26 * 3 * 5)  # five runs a part: 12 runs in three parts
    run_sweep(spec, tmp_path / "two", workers=2, batch_size=5, progress=False)
    parts = sorted(p.name for p in (tmp_path / "two" / "tables" / "school_series").iterdir())
    assert parts == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "two" / "tables" / "school_series"), frame,
                                  check_exact=True)


def test_a_sweep_that_does_not_ask_has_no_school_series(tmp_path):
    spec = parse_spec(SCHOOL_SERIES.replace('school_series = ["health", "trust", "decayed"]\n', "")
                      .replace("replications = 2", "replications = 1"))
    run_sweep(spec, tmp_path / "out", workers=1, progress=False)
    assert (tmp_path / "out" / "tables" / "series").is_dir()
    assert not (tmp_path / "out" / "tables" / "school_series").exists()
    assert not list((tmp_path / "out" / "batches").glob("*/school_series.parquet"))

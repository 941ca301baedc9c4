"""[outcomes] in specs: a researcher's own outcomes (module:function over the series or the model) as columns of
the runs table, a stop condition that ends runs early, and clear failures that keep the sweep resumable."""

from __future__ import annotations

import itertools
import json
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sweep_helpers import TINY_GRID, assert_same_tables, write_spec

from plc_sim.cli import main
from plc_sim.experiments.analysis.discover_output import cases
from plc_sim.experiments.analysis.results import load_sweep, replication_means
from plc_sim.experiments.analysis.robustness import Criterion, Objective, sweep_robustness
from plc_sim.experiments.execution.datasets import read_tables
from plc_sim.experiments.execution.sweep import run_sweep
from plc_sim.experiments.specs.spec import SpecError, load_spec

pytestmark = pytest.mark.timeout(300)

MEASURES = 'outcomes = ["health", "decayed_share", "knowledge"]\n'
MODULE = '''
from pathlib import Path

from simulation import persistence_table


def peak_health(series):
    """The highest network health of the run."""
    return series["health"].max()


def decayed_ever_share(model):
    """Share of formed communities that decayed at some time (0 if none formed): one minus the built-in
    persisting_share, which is missing when none formed."""
    table = persistence_table(model)
    formed = ~table["never_formed"]
    return float(table["decayed_ever"][formed].mean()) if formed.any() else 0.0


def ticks_seen(series):
    """Ticks observed: a number well above 1."""
    return len(series)


def fails_when_flagged(model):
    """Raises for the runs with high initial trust while a file fail.flag lies beside this module."""
    if Path(__file__).with_name("fail.flag").exists() and model.p.initial_trust > 0.5:
        raise ValueError("flagged")
    return 1.0


def not_a_number(series):
    return float("nan")


def a_whole_column(series):
    return series["health"]


def above_threshold(model):
    return model.network_now["health"] > THRESHOLD


def maybe(model):
    return "yes"


def two_arguments(series, model):
    return 0.0
'''
_names = itertools.count()


def outcome_spec(folder, lines: str, threshold: float = 0.5, name: str = "spec.toml"):
    """TINY_GRID with an [outcomes] table of ``lines`` over a fresh module (returned as its name)."""
    module = f"own_outcomes_t{next(_names)}"
    (folder / f"{module}.py").write_text(MODULE + f"\nTHRESHOLD = {threshold!r}\n")
    text = TINY_GRID.replace(MEASURES, "") + '\n[outcomes]\nmeasures = ["health", "decayed_share", "knowledge"]\n'
    return write_spec(folder, text + lines.replace("MOD", module), name), module


OWN = 'peak = "MOD:peak_health"\ndecayed = "MOD:decayed_ever_share"\nticks = "MOD:ticks_seen"\n'


@pytest.fixture(scope="module")
def own_sweep(tmp_path_factory):
    folder = tmp_path_factory.mktemp("own")
    path, module = outcome_spec(folder, OWN)
    spec = load_spec(path)
    run_sweep(spec, folder / "one", workers=1, progress=False)
    return spec, folder, module


def test_own_outcomes_are_run_measures_computed_from_each_run(own_sweep):
    spec, folder, _ = own_sweep
    assert spec.outcomes == ("health", "decayed_share", "knowledge")
    assert spec.run_measures[-3:] == ("peak", "decayed", "ticks")
    tables = read_tables(folder / "one")
    runs = tables["runs"]
    peaks = tables["series"].groupby("run_id")["health"].max()
    assert np.array_equal(runs["peak"].to_numpy(), peaks.to_numpy())  # over the series
    formed = runs["persisting_share"].notna()
    assert formed.any()
    assert np.allclose(runs["decayed"][formed], 1 - runs["persisting_share"][formed])  # over the finished model
    assert (runs["decayed"][~formed] == 0).all() and runs["decayed"].between(0, 1).all()
    assert runs["peak"].nunique() > 1
    manifest = json.loads((folder / "one" / "manifest.json").read_text())
    assert manifest["outcome_functions"]["peak"]["over"] == "series"
    assert len(manifest["outcome_functions"]["decayed"]["sha256"]) == 64


def test_own_outcomes_are_the_same_on_two_workers(own_sweep):
    spec, folder, _ = own_sweep
    run_sweep(spec, folder / "two", workers=2, batch_size=2, progress=False)
    assert_same_tables(read_tables(folder / "one"), read_tables(folder / "two"))


def test_own_outcomes_reach_discovery_robustness_and_analysis(own_sweep):
    _, folder, _ = own_sweep
    data = load_sweep(folder / "one")
    level = float(data.runs["peak"].median())
    found = cases(data, "peak", threshold=level)
    assert np.array_equal(found.y, data.runs["peak"].to_numpy() >= level) and found.unit == "runs"
    table, _, written = sweep_robustness(data, ["leadership_distribution"], [Objective("peak")],
                                         [Criterion("peak", True, level)], folder / "robustness")
    assert set(table.columns) >= {"max_regret_peak", "mean_peak", "satisficing_share"}
    assert (written / "robustness.csv").exists()
    means = replication_means(data, ["peak", "ticks"], by=["leadership_distribution"])
    assert len(means) == 2 and means["peak"].notna().all()
    assert (means["ticks"] == 21).all() and (means["ticks_low"] == 21).all(), "own outcomes are not clipped to 0..1"


def test_a_changed_outcome_module_is_a_new_spec(own_sweep):
    spec, folder, module = own_sweep
    path = folder / f"{module}.py"
    original = path.read_text()
    try:
        path.write_text(original + "\n# changed\n")
        assert load_spec(folder / "spec.toml").digest != spec.digest
        assert main(["sweep", str(folder / "spec.toml"), "--out", str(folder / "one"), "--no-figures"]) == 2
    finally:
        path.write_text(original)
    assert load_spec(folder / "spec.toml").digest == spec.digest


def test_a_stop_condition_ends_runs_where_the_full_run_first_meets_it(tmp_path):
    reference_spec = load_spec(write_spec(tmp_path, TINY_GRID, "reference.toml"))
    run_sweep(reference_spec, tmp_path / "full", workers=1, progress=False)
    full = read_tables(tmp_path / "full")["series"]
    threshold = float(full[full.tick > 0].groupby("run_id")["health"].max().median())
    for every in ("tick", "year"):
        path, _ = outcome_spec(tmp_path, f'stop = "MOD:above_threshold"\nstop_every = "{every}"\n', threshold,
                               f"stop_{every}.toml")
        run_sweep(load_spec(path), tmp_path / every, workers=2, batch_size=2, progress=False)
        tables = read_tables(tmp_path / every)
        step = 1 if every == "tick" else 10
        for run_id, one in full.groupby("run_id"):
            checked = one[(one.tick > 0) & (one.tick % step == 0)]
            hits = checked.tick[checked.health > threshold]
            expected = int(hits.iloc[0]) if len(hits) else -1
            run = tables["runs"].set_index("run_id").loc[run_id]
            assert run["stop_tick"] == expected, (every, run_id)
            last = expected if expected >= 0 else reference_spec.ticks
            stopped = tables["series"][tables["series"].run_id == run_id]
            assert stopped.tick.max() == last
            pd.testing.assert_frame_equal(stopped.reset_index(drop=True),
                                          one[one.tick <= last].reset_index(drop=True))
            assert (tables["schools"][tables["schools"].run_id == run_id].ticks_observed == last).all()
        assert (tables["runs"].stop_tick >= 0).any() and (tables["runs"].stop_tick == -1).any(), every


def test_a_failing_outcome_stops_the_sweep_in_one_line_and_it_resumes(tmp_path, capsys):
    path, module = outcome_spec(tmp_path, 'check = "MOD:fails_when_flagged"\n')
    run_sweep(load_spec(path), tmp_path / "reference", workers=1, progress=False)
    (tmp_path / "fail.flag").write_text("")
    out = tmp_path / "out"
    command = ["sweep", str(path), "--out", str(out), "--workers", "1", "--batch-size", "1", "--no-figures"]
    assert main(command) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith(f"plc-sim: error: outcomes.check: {module}:fails_when_flagged raised ValueError "
                            "(flagged) in run ")
    kept = len(read_tables(out)["runs"])
    assert 0 < kept < 12, "the runs before the failing one are kept"
    (tmp_path / "fail.flag").unlink()
    assert main(command) == 0
    assert_same_tables(read_tables(tmp_path / "reference"), read_tables(out))


@pytest.mark.parametrize(("function", "words"), [
    ("not_a_number", "returned float nan; expected one finite number"),
    (r"a_whole_column", r"returned Series of shape \(21,\); expected one finite number"),
])
def test_an_outcome_that_is_not_one_finite_number_is_refused(tmp_path, capsys, function, words):
    path, _ = outcome_spec(tmp_path, f'odd = "MOD:{function}"\n')
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--workers", "1", "--no-figures"]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and error[0].startswith("plc-sim: error: outcomes.odd: ")
    assert re.search(words, error[0]), error[0]


def test_a_stop_condition_that_does_not_say_yes_or_no_is_refused(tmp_path, capsys):
    path, _ = outcome_spec(tmp_path, 'stop = "MOD:maybe"\n')
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--workers", "1", "--no-figures"]) == 2
    error = capsys.readouterr().err
    assert re.search(r"outcomes\.stop: .*:maybe returned str 'yes' at tick 10; expected True or False", error), error


@pytest.mark.parametrize(("lines", "words"), [
    ('x = "MOD:no_such"\n', r"outcomes\.x: 'own_outcomes_t\d+' has no function 'no_such'"),
    ('x = "nowhere_h9:f"\n', r"outcomes\.x: cannot import 'nowhere_h9'"),
    ('x = "peak_health"\n', r'outcomes\.x: .*expected "module:function"'),
    ('x = "MOD:two_arguments"\n', r"outcomes\.x: .* takes \(series, model\); expected one argument named series"),
    ('final_health = "MOD:peak_health"\n', r"outcomes\.final_health: .* cannot name an outcome"),
    ('initial_trust = "MOD:peak_health"\n', r"outcomes\.initial_trust: .* cannot name an outcome"),
    ('stop = "MOD:peak_health"\n', r"outcomes\.stop: .* takes series; a stop condition takes the model"),
    ('stop = "MOD:maybe"\nstop_every = "month"\n', r"outcomes\.stop_every: 'month' is not allowed"),
    ('stop_every = "tick"\n', r"outcomes\.stop_every: there is no stop condition"),
    ('school_series = ["helth"]\n', r"outcomes\.school_series: 'helth' is not a school measure.*did you mean health"),
])
def test_bad_outcomes_name_the_field(tmp_path, lines, words):
    path, _ = outcome_spec(tmp_path, lines)
    with pytest.raises(SpecError, match=words):
        load_spec(path)


def test_the_shipped_example_validates():
    spec = load_spec(Path(__file__).resolve().parent.parent / "experiments" / "own_outcomes.toml")
    assert {"peak_health", "years_healthy", "health_gap", "stop_tick"} <= set(spec.run_measures)
    assert spec.custom.stop is not None and spec.custom.school_series


def test_the_shipped_example_s_stop_condition_ends_some_runs_early(tmp_path):
    """An example stop condition that never fires shows nothing: at the defaults, most communities erode in some
    runs without succession planning (and the example's earlier condition, most decayed, held in none)."""
    spec = load_spec(Path(__file__).resolve().parent.parent / "experiments" / "own_outcomes.toml")
    run_sweep(spec, tmp_path / "out", workers=1, progress=False)
    tables = read_tables(tmp_path / "out")
    runs = tables["runs"]
    stopped = runs[runs["stop_tick"] >= 0]
    assert 0 < len(stopped) < len(runs), runs["stop_tick"].tolist()
    last_tick = tables["series"].groupby("run_id")["tick"].max()
    assert (last_tick[stopped["run_id"]].to_numpy() == stopped["stop_tick"].to_numpy()).all()
    assert (stopped["stop_tick"] % 10 == 0).all()  # asked at year ends (stop_every = "year")


def test_a_finished_sweep_is_analysed_without_importing_its_outcome_module(own_sweep):
    spec, folder, module = own_sweep
    path = folder / f"{module}.py"
    moved = path.rename(folder / "moved_away.txt")
    cached = sys.modules.pop(module, None)  # a spec's reader imports its modules only in a child process
    try:
        data = load_sweep(folder / "one")
        assert module not in sys.modules
    finally:
        moved.rename(path)
        if cached is not None:
            sys.modules[module] = cached
    assert data.spec.digest == spec.digest == data.manifest["spec"]["hash"]
    assert data.spec.run_measures == spec.run_measures

"""Global sensitivity: the SALib plumbing ranks known functions correctly, and the command runs end to end."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sweep_helpers import TINY_GRID, TINY_SENSITIVITY, write_spec

from plc_sim.cli import main
from plc_sim.experiments.analysis.results import SweepData, load_sweep
from plc_sim.experiments.analysis.sensitivity import analyse, morris_indices, sobol_indices
from plc_sim.experiments.specs.designs import salib_problem
from plc_sim.experiments.specs.spec import parse_spec

pytestmark = pytest.mark.timeout(120)


def test_morris_ranks_the_parameters_of_a_known_function():
    from SALib.sample import morris

    problem = {"num_vars": 3, "names": ["strong", "weak", "idle"], "bounds": [[0, 1], [0, 2], [0, 1]]}
    X = morris.sample(problem, 20, num_levels=4, seed=1)
    Y = 5 * X[:, 0] + 1 * X[:, 1]
    table = morris_indices(problem, X, Y, levels=4, seed=1).set_index("parameter")
    assert table.loc["strong", "mu_star"] == pytest.approx(5, rel=1e-9)
    assert table.loc["weak", "mu_star"] == pytest.approx(2, rel=1e-9)  # effect per unit x the width of its range
    assert table.loc["idle", "mu_star"] == 0
    assert (table["mu_star_conf"] >= 0).all()


def test_sobol_apportions_the_variance_of_a_known_function():
    from SALib.sample import sobol

    problem = {"num_vars": 3, "names": ["main", "minor", "idle"], "bounds": [[0, 1]] * 3}
    X = sobol.sample(problem, 256, calc_second_order=False, seed=2)
    Y = X[:, 0] + 0.3 * X[:, 1]  # variances 1/12 and 0.09/12: shares 0.917 and 0.083
    table = sobol_indices(problem, Y, second_order=False, seed=2).set_index("parameter")
    assert table.loc["main", "S1"] == pytest.approx(1 / 1.09, abs=0.05)
    assert table.loc["minor", "ST"] == pytest.approx(0.09 / 1.09, abs=0.03)
    assert abs(table.loc["idle", "ST"]) < 0.01
    assert np.isfinite(table[["S1_conf", "ST_conf"]].to_numpy()).all()


def test_the_design_points_and_the_responses_stay_paired():
    """Feed analyse() a response that is a known function of the stored samples: the ranking must follow it."""
    spec = parse_spec(TINY_SENSITIVITY)
    points = spec.points
    runs = points[["point"]].copy()
    runs["replication"] = 0
    runs["final_health"] = 3 * points["sample_meeting_time"] + 0.5 * points["sample_initial_trust"]
    runs["persisting_share"] = points["sample_leadership_distribution"] ** 2
    data = SweepData(folder=None, spec=spec, manifest={}, points=points, runs=runs, series=pd.DataFrame(),
                     schools=pd.DataFrame())
    indices = analyse(data)
    for kind, column in (("morris", "mu_star"), ("sobol", "ST")):
        table = indices[kind]
        top = table[table["rank"] == 1].set_index("measure")["parameter"]
        assert top["final_health"] == "meeting_time" and top["persisting_share"] == "leadership_distribution"
        assert set(table.columns) >= {"measure", "parameter", "rank", column, f"{column}_conf"}
    morris = indices["morris"].set_index(["measure", "parameter"])
    width = salib_problem(spec.factors)["bounds"][2]
    assert morris.loc[("final_health", "meeting_time"), "mu_star"] == pytest.approx(3 * (width[1] - width[0]))


def test_the_sensitivity_command_runs_and_writes_ranked_charts_and_tables(tmp_path, capsys):
    path = write_spec(tmp_path, TINY_SENSITIVITY)
    out = tmp_path / "out"
    assert main(["sensitivity", str(path), "--out", str(out), "--workers", "2"]) == 0
    printed = capsys.readouterr().out
    assert "most influential by morris mu_star" in printed and "most influential by sobol ST" in printed
    for name in ("morris_ranked.png", "morris_ranked.svg", "sobol_ranked.png", "sobol_ranked.svg"):
        assert (out / "figures" / name).stat().st_size > 5000
    morris = pd.read_csv(out / "tables" / "morris.csv")
    sobol = pd.read_csv(out / "tables" / "sobol.csv")
    spec = load_sweep(out).spec
    for table in (morris, sobol):
        assert set(table["measure"]) == {"final_health", "persisting_share"}
        assert sorted(table["parameter"]) == sorted(list(spec.factor_names) * 2)
    assert np.isfinite(morris["mu_star_conf"]).all()


def test_a_spec_without_a_sensitivity_table_is_refused_before_running(tmp_path, capsys):
    path = write_spec(tmp_path, TINY_GRID)
    assert main(["sensitivity", str(path), "--out", str(tmp_path / "out")]) == 2
    assert "missing [sensitivity]" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_sensitivity_table_needs_a_morris_or_sobol_design(tmp_path):
    from plc_sim.experiments.specs.spec import SpecError

    with pytest.raises(SpecError, match="sensitivity: needs a Sobol or Morris design"):
        parse_spec(TINY_GRID + "[sensitivity]\nmeasures = ['final_health']\n")
    with pytest.raises(SpecError, match="'final_trust' is not a run measure"):
        parse_spec(TINY_SENSITIVITY.replace('"persisting_share"]', '"final_trust"]'))


def test_a_sensitivity_dry_run_shows_the_plan_and_an_estimate_and_writes_nothing(tmp_path, capsys):
    path = write_spec(tmp_path, TINY_SENSITIVITY)
    out = tmp_path / "out"
    assert main(["sensitivity", str(path), "--dry-run", "--workers", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "morris (trajectories 4, levels 4) + sobol (samples 8, second_order False)" in printed
    assert "= 56 runs of 15 ticks" in printed and "estimated time: 56 runs x " in printed
    assert not out.exists()

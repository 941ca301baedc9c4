"""Scenario discovery: PRIM recovers a box planted in synthetic data (a known answer), and the outputs say it."""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from plc_sim.core.errors import InputError
from plc_sim.experiments.analysis.discover import discover, limits_table
from plc_sim.experiments.analysis.discover_output import box_limits_figure, cases, run_discovery


def planted(n: int = 1500, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Five conditions; the outcome is likely (95%) only where a >= 0.6 and b <= 0.3, rare (3%) elsewhere."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame({"a": rng.random(n), "b": rng.random(n), "c": rng.random(n),
                      "network": rng.choice(["ring", "none", "complete"], n), "flag": rng.random(n) < 0.5})
    inside = (x.a >= 0.6) & (x.b <= 0.3)
    return x, np.where(inside, rng.random(n) < 0.95, rng.random(n) < 0.03)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_prim_recovers_a_planted_box(seed):
    x, y = planted(seed=seed)
    found = discover(x, y)
    limits = {r.name: r for r in found.restrictions}
    assert set(limits) == {"a", "b"}, limits  # c, network and flag do not matter and are not restricted
    assert 0.55 <= limits["a"].low <= 0.7 and limits["a"].high is None
    assert 0.25 <= limits["b"].high <= 0.35 and limits["b"].low is None
    assert limits["a"].qp_low < 1e-6 and limits["b"].qp_high < 1e-6
    assert found.box.density > 0.85 and found.box.coverage > 0.6
    sentence = found.summary("the outcome happens")
    assert re.search(r"^The outcome happens in 9\d% of cases when a >= 0\.[56]\d* and b <= 0\.[23]\d*; this box "
                     r"covers [6-9]\d% of all cases", sentence), sentence


def test_prim_recovers_a_planted_category():
    rng = np.random.default_rng(5)
    x = pd.DataFrame({"network": rng.choice(["ring", "none", "complete"], 1200), "d": rng.random(1200)})
    y = np.where(x.network == "ring", rng.random(1200) < 0.9, rng.random(1200) < 0.1)
    found = discover(x, y)
    assert [(r.name, r.values) for r in found.restrictions] == [("network", ("ring",))]
    assert "network is ring" in found.summary("it happens")


def test_a_category_box_is_drawn(tmp_path):
    rng = np.random.default_rng(6)
    x = pd.DataFrame({"network": rng.choice(["ring", "none", "complete"], 600), "d": rng.random(600)})
    found = discover(x, np.where(x.network == "ring", rng.random(600) < 0.9, rng.random(600) < 0.1))
    box_limits_figure(found, x, tmp_path / "box.png")
    assert (tmp_path / "box.png").stat().st_size > 0


def test_every_limit_left_in_the_chosen_box_is_significant_in_that_box():
    """Dropping one insignificant limit changes the others' quasi-p-values (each compares the box with and without
    its limit): they are checked again in the new box. In these cases, dropping every limit that was insignificant
    in the first box left others insignificant in the box that remained."""
    rng = np.random.default_rng(1)
    x = pd.DataFrame({f"f{i}": rng.uniform(size=300) for i in range(4)})
    chance = 0.15 + 0.5 * (x.f0 > 0.5) + 0.15 * (x.f1 > 0.4) + 0.05 * (x.f2 > 0.5)
    found = discover(x, (rng.uniform(size=300) < chance).to_numpy(), min_coverage=0.3)
    assert found.chosen > found.origin  # limits were dropped
    assert found.restrictions and found.restrictions[0].name == "f0"
    assert not [r for r in found.restrictions if r.insignificant(found.alpha)], found.restrictions


def test_the_chosen_box_follows_min_coverage_and_box():
    x, y = planted()
    loose, tight = discover(x, y, min_coverage=0.9), discover(x, y, min_coverage=0.3)
    assert loose.box.coverage >= 0.9 > tight.box.coverage
    assert tight.box.density >= loose.box.density
    assert discover(x, y, box=3).chosen == 3
    with pytest.raises(InputError, match="--box: 999 is not on the peeling trajectory"):
        discover(x, y, box=999)


def test_cart_finds_the_same_region():
    x, y = planted()
    best = discover(x, y).cart_leaves.iloc[0]
    assert best.density > 0.85 and "a >=" in best.rule and "b <=" in best.rule


def test_an_outcome_that_always_or_never_happens_is_refused():
    x, _ = planted()
    with pytest.raises(InputError, match="cases are of interest"):
        discover(x, np.ones(len(x), bool))


def fake_sweep(tmp_path) -> SimpleNamespace:
    """A sweep's runs and schools tables, shaped as load_sweep returns them, with a planted answer."""
    x, y = planted(n=400, seed=3)
    runs = x[["a", "b", "c"]].assign(run_id=np.arange(400), point=np.arange(400), replication=0, seed=1,
                                     design="latin_hypercube", final_health=np.where(y, 0.6, 0.3))
    schools = pd.DataFrame({"run_id": np.repeat(np.arange(400), 3), "school": np.tile(np.arange(3), 400),
                            "first_formed_tick": 10, "decayed_ever": np.repeat(~y, 3)})  # every community formed
    return SimpleNamespace(folder=tmp_path / "sweep", spec=SimpleNamespace(factor_names=("a", "b", "c")), runs=runs,
                           schools=schools)


def test_cases_from_a_sweep(tmp_path):
    data = fake_sweep(tmp_path)
    communities = cases(data, "persists")
    assert len(communities.y) == 1200 and list(communities.x.columns) == ["a", "b", "c"]
    assert communities.y.mean() == pytest.approx((data.runs.final_health > 0.5).mean())
    assert np.array_equal(cases(data, "decays").y, ~communities.y)
    runs = cases(data, "final_health", threshold=0.5)
    assert np.array_equal(runs.y, data.runs.final_health.to_numpy() >= 0.5)
    assert np.array_equal(cases(data, "final_health", 0.5, below=True).y, ~runs.y)
    with pytest.raises(InputError, match="did you mean final_health"):
        cases(data, "final_helth", 0.5)
    with pytest.raises(InputError, match="--threshold: final_health is a number"):
        cases(data, "final_health")


def test_run_discovery_writes_summary_tables_and_figures(tmp_path):
    data = fake_sweep(tmp_path)
    found, case_set, folder = run_discovery(data, "persists", None, False, None, 0.5)
    assert folder == tmp_path / "sweep" / "discover-persists"
    for name in ("summary.md", "peeling.png", "box_limits.png", "limits.csv", "trajectory.csv", "cart.csv",
                 "provenance.json"):
        assert (folder / name).stat().st_size > 0, name
    summary = (folder / "summary.md").read_text()
    assert found.summary(case_set.what, case_set.unit) in summary
    assert summary.count("| restriction |") == 1
    written = pd.read_csv(folder / "limits.csv")
    assert set(written.factor) == {"a", "b"}
    assert len(limits_table(found)) == len(written)


def test_the_same_cases_give_the_same_boxes_and_leaves():
    x, y = planted(seed=4)
    first, second = discover(x, y), discover(x, y)
    pd.testing.assert_frame_equal(first.trajectory, second.trajectory)
    pd.testing.assert_frame_equal(first.cart_leaves, second.cart_leaves)
    assert first.restrictions == second.restrictions


def test_cart_reads_category_leaves_back_as_categories():
    rng = np.random.default_rng(7)
    x = pd.DataFrame({"network": rng.choice(["ring", "none", "complete"], 900), "d": rng.random(900)})
    y = np.where((x.network == "ring") & (x.d > 0.5), rng.random(900) < 0.95, rng.random(900) < 0.05)
    leaves = discover(x, y).cart_leaves
    assert leaves.mass.sum() == pytest.approx(1.0)  # every case is in one leaf
    dense = leaves[leaves.density > 0.85]
    assert dense.mass.sum() > 0.1 and dense.rule.str.contains("network is ring").all()
    assert not leaves[leaves.rule.str.contains("network is complete or none")].density.gt(0.3).any()


def test_an_intervention_lever_in_a_box_reads_on_with_its_settings():
    from plc_sim.experiments.analysis.discover import Restriction

    assert Restriction("protected_time", values=("level=0.6",)).words() == "protected time is on (level=0.6)"
    assert Restriction("protected_time", values=("off",)).words() == "protected time is off"

"""Robustness of policies: satisficing share and maximum regret on synthetic tables whose answer is known."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from plc_sim.core.errors import InputError
from plc_sim.experiments.analysis.robustness import Criterion, Objective, robustness, summary_sentence, sweep_robustness


def tiny() -> pd.DataFrame:
    """Two policies x three scenarios (one replication each), worked by hand below."""
    return pd.DataFrame({
        "time": [0.2, 0.2, 0.2, 0.8, 0.8, 0.8],
        "turnover": [0.1, 0.2, 0.3, 0.1, 0.2, 0.3],
        "replication": 0,
        "health": [0.50, 0.40, 0.10, 0.45, 0.44, 0.30],
        "decayed": [0.1, 0.3, 0.9, 0.2, 0.2, 0.4],
    })


def test_satisficing_and_regret_by_hand():
    table = robustness(tiny(), ["time"], ["turnover"], [Objective("health"), Objective("decayed", maximize=False)],
                       [Criterion.parse("health>=0.3")])
    low, high = table.set_index("time").loc[0.2], table.set_index("time").loc[0.8]
    assert low.satisficing_share == pytest.approx(2 / 3) and high.satisficing_share == pytest.approx(1.0)
    # regret on health: scenario 1: 0 vs 0.05; scenario 2: 0.04 vs 0; scenario 3: 0.20 vs 0
    assert low.max_regret_health == pytest.approx(0.20) and high.max_regret_health == pytest.approx(0.05)
    # regret on decayed (lower is better): 0 vs 0.1; 0.1 vs 0; 0.5 vs 0
    assert low.max_regret_decayed == pytest.approx(0.5) and high.max_regret_decayed == pytest.approx(0.1)
    assert table.time.tolist() == [0.8, 0.2] and table["rank"].tolist() == [1, 2]
    assert table.attrs["scenarios"] == 3
    assert summary_sentence(table, ["time"], [Objective("health")], [Criterion.parse("health>=0.3")]) == (
        "The most robust policy is time=0.8: health >= 0.3 in 100% of 3 scenarios (the least robust, time=0.2: "
        "67%); its largest regret on health is 0.05.")


def test_a_known_ranking_over_many_scenarios():
    """Policy 'steady' is never best but never bad; 'gamble' is best in good worlds and fails in bad ones;
    'poor' is dominated. Satisficing and regret both rank steady first and poor last."""
    rng = np.random.default_rng(1)
    world = rng.random(200)
    outcome = {"steady": 0.55 + 0.1 * world, "gamble": 1.2 * world, "poor": 0.4 + 0.05 * world}
    runs = pd.concat([pd.DataFrame({"policy": name, "world": world, "replication": np.arange(200) % 4,
                                    "health": values}) for name, values in outcome.items()], ignore_index=True)
    table = robustness(runs, ["policy"], ["world"], [Objective("health")], [Criterion.parse("health>=0.5")])
    assert table.policy.tolist() == ["steady", "gamble", "poor"]
    assert table.satisficing_share.tolist() == pytest.approx([1.0, np.mean(1.2 * world >= 0.5), 0.0])
    gamble_regret = np.max(np.maximum(0.55 + 0.1 * world, 1.2 * world) - 1.2 * world)
    assert table.set_index("policy").loc["gamble", "max_regret_health"] == pytest.approx(gamble_regret)


def test_replications_are_scenarios_and_missing_cells_are_refused():
    runs = pd.concat([tiny().assign(replication=k, health=tiny().health + 0.01 * k) for k in range(3)])
    table = robustness(runs, ["time"], ["turnover"], [Objective("health")], [])
    assert table.attrs["scenarios"] == 9
    with pytest.raises(InputError, match="every policy must be run over the same sample"):
        robustness(runs.iloc[1:], ["time"], ["turnover"], [Objective("health")], [])


@pytest.mark.parametrize(("call", "words"), [
    (lambda: Criterion.parse("health>0.3"), "--satisfice: 'health>0.3' is not NAME>=VALUE"),
    (lambda: Objective.parse("best:health"), "--outcomes: 'best:health' is not NAME"),
    (lambda: robustness(tiny(), [], ["turnover"], [Objective("health")], []), "--levers: name the factors"),
    (lambda: robustness(tiny(), ["time"], ["turnover"], [Objective("helth")], []), "--outcomes: 'helth' is not a"),
])
def test_bad_input_names_the_field(call, words):
    with pytest.raises(InputError, match=words):
        call()


def test_sweep_robustness_writes_table_figure_and_summary(tmp_path):
    runs = tiny().assign(run_id=range(6), point=range(6), seed=1, design="grid")
    data = SimpleNamespace(folder=tmp_path / "sweep", runs=runs,
                           spec=SimpleNamespace(factor_names=("time", "turnover"), lever_names=("time",)))
    table, levers, folder = sweep_robustness(data, None, [Objective("health")], [Criterion.parse("health>=0.3")])
    assert levers == ["time"] and folder == tmp_path / "sweep" / "robustness"
    assert pd.read_csv(folder / "robustness.csv").time.tolist() == [0.8, 0.2]
    assert (folder / "robustness.png").stat().st_size > 0
    assert "The most robust policy is time=0.8" in (folder / "summary.md").read_text()


def test_ties_are_broken_by_regret_on_the_next_outcome_and_settings_read_as_words():
    runs = pd.DataFrame({"protected_time": ["off", "level=0.6"] * 2, "world": [0, 0, 1, 1], "replication": 0,
                         "persisting": [1.0, 1.0, 1.0, 1.0], "health": [0.4, 0.5, 0.45, 0.5]})
    objectives = [Objective("persisting"), Objective("health")]
    table = robustness(runs, ["protected_time"], ["world"], objectives, [Criterion.parse("persisting>=0.9")])
    assert table.protected_time.tolist() == ["level=0.6", "off"]
    assert summary_sentence(table, ["protected_time"], objectives, []).startswith(
        "The most robust policy is protected_time level=0.6; its largest regret on persisting is 0")

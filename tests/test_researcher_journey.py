"""The policy analyst's journey as the README tells it: `sweep --dry-run`, `sweep`, `discover`, `robustness` on
the shipped ``experiments/network_or_time.toml`` (shrunk: a smaller network, fewer samples and ticks), and what it
says along the way: levers listed as levers, interventions that would change nothing, ties, no box, few
replications."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from plc_sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
SHRINK = {  # shipped text -> test text; each must be in the shipped spec, so a changed spec fails here loudly
    "ticks = 160": "ticks = 60",  # the budget cut (tick 50) still comes
    "n_schools = 10": "n_schools = 4\nteachers_per_school = 8",
    "samples = 16": "samples = 6",
}


def shrunk_spec(folder: Path) -> Path:
    text = (ROOT / "experiments" / "network_or_time.toml").read_text(encoding="utf-8")
    for old, new in SHRINK.items():
        assert text.count(old) == 1, f"network_or_time.toml no longer has {old!r}; update SHRINK"
        text = text.replace(old, new)
    path = folder / "network_or_time.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_researchers_journey_on_network_or_time(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    spec = shrunk_spec(tmp_path)
    out = tmp_path / "results" / "network_or_time"

    assert main(["sweep", str(spec), "--dry-run", "--workers", "1"]) == 0, capsys.readouterr().err
    plan = capsys.readouterr().out
    assert "4 policies (network_partner, protected_time) x latin hypercube (samples 6) over meeting_time," in plan
    assert "lever network_partner (intervention): off | partners=3" in plan
    assert "lever protected_time (intervention): off | level=0.6" in plan
    assert "estimated time: 48 runs" in plan
    assert not (tmp_path / "results").exists(), "a dry run writes nothing"

    assert main(["sweep", str(spec), "--workers", "1"]) == 0, capsys.readouterr().err
    said = capsys.readouterr().out
    assert "48 of 48 runs complete" in said
    assert "(warning: from 2 replications, fewer than 10: the interval is wide and only a first look)" in said
    runs = pd.read_parquet(out / "tables" / "runs")
    factors = ["network_partner", "protected_time", "meeting_time", "initial_trust", "teacher_turnover_rate",
               "bridging_transfer", "budget_cut_size"]
    assert {"point", "replication", "policy", "scenario", *factors} <= set(runs.columns)
    assert runs.policy.nunique() == 4 and runs.scenario.nunique() == 6
    assert (runs.groupby("policy").scenario.nunique() == 6).all(), "every policy meets every scenario"
    series = pd.read_parquet(out / "tables" / "series")
    assert {"policy", "scenario", *factors} <= set(series.columns)

    assert main(["discover", str(out), "--outcome", "decays"]) == 0, capsys.readouterr().err
    said = capsys.readouterr().out
    assert said.startswith("Formed communities decay in ") and "discover-decays" in said
    provenance = json.loads((out / "discover-decays" / "provenance.json").read_text())
    summary = (out / "discover-decays" / "summary.md").read_text()
    assert ("## The chosen box" in summary) == (provenance["chosen_box"] is not None)

    assert main(["robustness", str(out)]) == 0, capsys.readouterr().err
    said = capsys.readouterr().out
    assert "scenarios" in said and (out / "robustness" / "summary.md").exists()
    table = pd.read_csv(out / "robustness" / "robustness.csv")
    assert len(table) == 4 and table["rank"].min() == 1


IDLE = """
name = "idle_floor"
ticks = 40
replications = 2
master_seed = 3
outcomes = ["health"]

[fixed]
n_schools = 3
teachers_per_school = 8
time_cut_rate = 0.0         # no recurring cuts and no dismantling successors: only then is a floor below the
dismantling_share = 0.0     # declared time idle

[levers]
protected_time = ["off", "level=0.4", "level=0.9"]

[uncertainties]
teacher_turnover_rate = [0.1, 0.3]
"""


def test_an_intervention_that_changes_nothing_says_so_and_ties_with_off(tmp_path, monkeypatch, capsys):
    from simulation import PLCModel, network_frame, preset_params
    from simulation.interventions import parse_intervention

    monkeypatch.chdir(tmp_path)
    spec = tmp_path / "idle_floor.toml"
    spec.write_text(IDLE, encoding="utf-8")
    assert main(["sweep", str(spec), "--dry-run", "--workers", "1"]) == 0
    plan = capsys.readouterr().out
    note = ("note: protected_time level=0.4 would change nothing in every condition (it only sets a floor, and "
            "meeting time never falls below 0.6)")
    assert note in plan and "protected_time level=0.9 would" not in plan

    # The note is true: the same seed gives the same run with the idle floor as without it, and not with 0.9.
    def health(*interventions: str) -> pd.Series:
        model = PLCModel(params=preset_params("baseline", {"n_schools": 3, "teachers_per_school": 8,
                                                                    "time_cut_rate": 0.0, "dismantling_share": 0.0}),
                         rng=5,
                         interventions=[parse_intervention(text) for text in interventions])
        for _ in range(40):
            model.step()
        return network_frame(model).health

    assert health().equals(health("protected_time:level=0.4"))
    assert not health().equals(health("protected_time:level=0.9"))

    assert main(["sweep", str(spec), "--workers", "1", "--no-figures"]) == 0
    assert note in capsys.readouterr().out
    assert main(["robustness", "results/idle_floor", "--outcomes", "final_health",
                 "--satisfice", "final_health>=0"]) == 0
    said = capsys.readouterr().out
    assert note in said
    table = pd.read_csv(tmp_path / "results" / "idle_floor" / "robustness" / "robustness.csv")
    ranks = dict(zip(table.protected_time, table["rank"], strict=True))
    assert ranks["off"] == ranks["level=0.4"], "identical results share a rank"
    assert note in (tmp_path / "results" / "idle_floor" / "robustness" / "summary.md").read_text()


def test_a_budget_cut_below_the_floor_makes_it_count():
    from plc_sim.experiments.specs.spec import parse_spec
    from plc_sim.experiments.specs.spec_fields import SpecError

    cut = IDLE.replace("n_schools = 3", "n_schools = 3\nbudget_cut_tick = 20\nbudget_cut_size = 0.5")
    assert parse_spec(cut).idle_lines() == []  # 0.6 x 0.5 = 0.3 < 0.4: the floor holds meeting time up
    late = IDLE.replace('"level=0.9"]', '"level=0.9@5"]')  # would change nothing: refused outright (issue 19)
    with pytest.raises(SpecError, match="start year 5 is outside the run"):
        parse_spec(late)


def test_ties_share_a_rank_and_the_sentence_names_them_all():
    from plc_sim.experiments.analysis.robustness import Criterion, Objective, robustness, summary_sentence, tied_ranks

    keys = pd.DataFrame({"share": [1.0, 1.0, 0.5, 0.5, 0.2], "regret": [0.0, 0.1 + 0.2 - 0.3, 0.1, 0.1, 0.3]})
    assert tied_ranks(keys).tolist() == [1, 1, 3, 3, 5]
    runs = pd.DataFrame({"lever": ["a", "b", "c"] * 2, "replication": np.repeat([0, 1], 3),
                         "health": [0.5, 0.5, 0.2, 0.6, 0.6, 0.3]})
    table = robustness(runs, ["lever"], [], [Objective("health")], [Criterion.parse("health>=0.4")])
    assert table["rank"].tolist() == [1, 1, 3]
    sentence = summary_sentence(table, ["lever"], [Objective("health")], [Criterion.parse("health>=0.4")])
    assert sentence.startswith("2 of 3 policies tie as the most robust (lever a; lever b): health >= 0.4 in 100%")
    assert "their largest regret on health is 0" in sentence


def test_discover_says_no_box_when_it_found_none(tmp_path):
    from test_discover import fake_sweep

    from plc_sim.experiments.analysis.discover import discover
    from plc_sim.experiments.analysis.discover_output import cases, write_discovery

    case_set = cases(fake_sweep(tmp_path), "persists")
    found = dataclasses.replace(discover(case_set.x, case_set.y), restrictions=())  # as if no limit were significant
    folder = write_discovery(found, case_set, tmp_path / "out", "sweep")
    summary = (folder / "summary.md").read_text()
    assert "PRIM found no box" in summary and "## No box" in summary
    assert "chosen box" not in summary and "| restriction |" not in summary
    assert json.loads((folder / "provenance.json").read_text())["chosen_box"] is None


@pytest.mark.parametrize(("replications", "warned"), [(2, True), (9, True), (10, False), (40, False)])
def test_a_headline_from_few_replications_carries_a_warning(replications, warned):
    from plc_sim.core.stats import few_replications_warning

    assert bool(few_replications_warning(replications)) == warned

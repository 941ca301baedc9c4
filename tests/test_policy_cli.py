"""`plc-sim run --intervention`, `plc-sim discover` and `plc-sim robustness` from the command line."""

from __future__ import annotations

import json

import pandas as pd
import pytest

# --- the command line ------------------------------------------------------------------------------------------

def test_run_with_interventions_records_them_in_provenance_and_events(tmp_path, monkeypatch, capsys):
    from plc_sim.cli import main

    monkeypatch.chdir(tmp_path)
    status = main(["run", "--set", "n_schools=3", "--set", "teachers_per_school=8", "--ticks", "30", "--out", "out",
                   "--intervention", "protected_time:level=0.9@2-2#1", "--intervention", "induction"])
    assert status == 0, capsys.readouterr().err
    provenance = json.loads((tmp_path / "out" / "provenance.json").read_text())
    assert provenance["interventions"] == ["protected_time:level=0.9@2-2#1", "induction:trust=0.35,rate=0.05@1"]
    events = pd.read_parquet(tmp_path / "out" / "events.parquet")
    started = events[events.kind == "intervention_start"]
    assert started[["tick", "cause"]].values.tolist() == [[1, "induction"], [11, "protected_time"]]
    schools = pd.read_parquet(tmp_path / "out" / "schools.parquet")
    assert schools.query("tick == 15").meeting_time.tolist() == [0.9, 0.6, 0.6]


@pytest.mark.parametrize("text", ["protected_tim", "protected_time:level=1.5", "protected_time#4", "induction@1-x",
                                  "protected_time:level=0.5,level=0.6", "protected_time@2", "protected_time@1-2",
                                  "protected_time@\u0661", "protected_time#\u0661", "protected_time:level=\u0660.5"])
def test_run_with_a_bad_intervention_is_one_line_exit_2_and_writes_nothing(text, tmp_path, monkeypatch, capsys):
    from plc_sim.cli import main

    monkeypatch.chdir(tmp_path)
    status = main(["run", "--set", "n_schools=3", "--ticks", "5", "--out", "out", "--intervention", text])
    out, err = capsys.readouterr()
    assert status == 2
    assert err.startswith("plc-sim: error: ") and err.count("\n") == 1 and "intervention" in err
    assert list(tmp_path.iterdir()) == []


# --- discover and robustness on a small lever sweep ---------------------------------------------------------------

@pytest.fixture(scope="module")
def lever_sweep(tmp_path_factory):
    from sweep_helpers import LEVER_DESIGN, TINY_NETWORK

    from plc_sim.experiments.execution.sweep import run_sweep
    from plc_sim.experiments.specs.spec import parse_spec

    text = """
name = "cli_levers"
ticks = 30
replications = 2
master_seed = 8
outcomes = ["health"]
""" + TINY_NETWORK + LEVER_DESIGN
    out = tmp_path_factory.mktemp("cli") / "cli_levers"
    run_sweep(parse_spec(text), out, workers=1, progress=False)
    return out


def test_discover_and_robustness_from_the_command_line(lever_sweep, capsys):
    from plc_sim.cli import main

    runs = pd.read_parquet(next((lever_sweep / "batches").glob("batch-*")) / "runs.parquet")
    threshold = float(runs.final_health.median())
    assert main(["discover", str(lever_sweep), "--outcome", "final_health", "--threshold", str(threshold)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Final_health >= {threshold:g} in ") and "discover-final_health-above" in out
    assert main(["robustness", str(lever_sweep), "--outcomes", "final_health",
                 "--satisfice", f"final_health>={threshold}"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("The most robust policy is protected_time level=0.9")
    assert (lever_sweep / "robustness" / "robustness.png").stat().st_size > 0


@pytest.mark.parametrize(("args", "words"), [
    (["discover", "{sweep}", "--outcome", "final_helth", "--threshold", "0.5"], "did you mean final_health"),
    (["discover", "{sweep}", "--outcome", "final_health"], "--threshold: final_health is a number"),
    (["discover", "{sweep}", "--min-coverage", "2"], "--min-coverage: '2' is not allowed"),
    (["discover", "{empty}"], "holds no sweep results"),
    (["robustness", "{sweep}", "--levers", "meeting_time"], "--levers: 'meeting_time' is not a column"),
    (["robustness", "{sweep}", "--satisfice", "health>0.3"], "--satisfice: 'health>0.3' is not NAME>=VALUE"),
])
def test_discover_and_robustness_refuse_bad_input_in_one_line(lever_sweep, tmp_path, args, words, capsys):
    from plc_sim.cli import main

    argv = [a.format(sweep=lever_sweep, empty=tmp_path) for a in args]
    try:
        status = main(argv)
    except SystemExit as exit_:
        status = exit_.code
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and words in err, err

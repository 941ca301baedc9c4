"""docs/coming_from_mesa.md runs as written, and what it promises holds: ``mesa.batch_run`` returns every network
measure as a named column without overwriting a parameter's, and ``model.teachers[i]`` is a view of the arrays."""

from __future__ import annotations

import multiprocessing
import re
from pathlib import Path

import mesa
import pandas as pd
import pytest

from simulation import PLCModel, network_frame
from simulation.measures import NETWORK_MEASURES
from simulation.model import reporter_name

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "coming_from_mesa.md"


@pytest.fixture(autouse=True)
def _keep_start_method():
    """batch_run sets Python's start method to spawn for the whole process; put it back for the other tests."""
    before = multiprocessing.get_start_method(allow_none=True)
    yield
    multiprocessing.set_start_method(before, force=True)


def test_the_page_runs_as_written(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 3
    for i, block in enumerate(blocks):
        exec(compile(block, f"{PAGE.name}, block {i + 1}", "exec"), {"__name__": "coming_from_mesa"})
    out = capsys.readouterr().out
    assert "['shocks', 'leadership', 'dialogue'" in out and "mean_meeting_time" in out


def test_batch_run_returns_every_measure_by_name_and_keeps_the_parameters():
    results = pd.DataFrame(mesa.batch_run(
        PLCModel, parameters={"n_schools": 3, "teachers_per_school": 8, "meeting_time": [0.3, 0.8],
                              "budget_cut_tick": 5},
        rng=[4], max_steps=12, number_processes=1, display_progress=False))
    names = [reporter_name(name) for name in NETWORK_MEASURES]
    assert set(names) <= set(results.columns) and len(set(names)) == len(NETWORK_MEASURES)
    assert "mean_meeting_time" in names and "meeting_time" not in names
    assert results.meeting_time.tolist() == [0.3, 0.8], "the parameter's column is the parameter"
    assert (results.mean_meeting_time < results.meeting_time).all(), "the budget cut lowered the measure"
    model = PLCModel(n_schools=3, teachers_per_school=8, meeting_time=0.8, budget_cut_tick=5, rng=4)
    for _ in range(12):
        model.step()
    last = network_frame(model).iloc[-1]
    row = results[results.meeting_time == 0.8].iloc[0]
    for name in NETWORK_MEASURES:
        assert row[reporter_name(name)] == pytest.approx(last[name]), name


def test_a_teacher_agent_reads_and_writes_its_slot():
    model = PLCModel(rng=2, n_schools=2, teachers_per_school=6)
    teacher = model.teachers[3]
    assert isinstance(teacher, mesa.Agent)
    assert teacher.knowledge == model.members.knowledge[teacher.slot]
    teacher.knowledge = 0.9
    assert model.members.knowledge[teacher.slot] == 0.9
    assert len(model.teachers) == 12 and all(model.members.is_teacher[t.slot] for t in model.teachers)

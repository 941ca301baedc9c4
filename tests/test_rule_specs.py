"""[rules] in specs: a student's module:function replaces a process in every run, with its source hash recorded."""

from __future__ import annotations

import json

import pytest
from sweep_helpers import TINY_GRID, assert_same_tables, write_spec

from plc_sim.experiments.execution.datasets import read_tables
from plc_sim.experiments.execution.sweep import run_sweep
from plc_sim.experiments.specs.spec import SpecError, load_spec

pytestmark = pytest.mark.timeout(180)

RULE_MODULE = '''
def frozen_trust(model):
    """A variant for tests: trust never changes."""
'''


def rules_spec(folder, rule: str = "trust", target: str = "student_rules_h5:frozen_trust"):
    (folder / "student_rules_h5.py").write_text(RULE_MODULE)
    return write_spec(folder, TINY_GRID + f'\n[rules]\n{rule} = "{target}"\n')


def test_a_students_rule_runs_in_every_worker_and_is_hashed(tmp_path):
    spec = load_spec(rules_spec(tmp_path))
    assert [(r.rule, r.target) for r in spec.rules] == [("trust", "student_rules_h5:frozen_trust")]
    run_sweep(spec, tmp_path / "one", workers=1, progress=False)
    run_sweep(spec, tmp_path / "two", workers=2, batch_size=2, progress=False)
    one = read_tables(tmp_path / "one")
    assert_same_tables(one, read_tables(tmp_path / "two"))
    manifest = json.loads((tmp_path / "one" / "manifest.json").read_text())
    assert manifest["rules"]["trust"]["function"] == "student_rules_h5:frozen_trust"
    assert len(manifest["rules"]["trust"]["sha256"]) == 64
    baseline = load_spec(write_spec(tmp_path, TINY_GRID, "baseline.toml"))
    assert baseline.digest != spec.digest


def test_the_replaced_rule_is_what_runs(tmp_path):
    """Same seeds, same design: only the rule differs, and so do the trajectories."""
    replaced = load_spec(rules_spec(tmp_path))
    baseline = load_spec(write_spec(tmp_path, TINY_GRID, "baseline.toml"))
    run_sweep(replaced, tmp_path / "replaced", workers=1, progress=False)
    run_sweep(baseline, tmp_path / "baseline", workers=1, progress=False)
    ticks = replaced.ticks + 1
    health = [read_tables(tmp_path / name)["series"]["health"].to_numpy() for name in ("replaced", "baseline")]
    assert (health[0][::ticks] == health[1][::ticks]).all()  # the same start
    assert not (health[0] == health[1]).all()


@pytest.mark.parametrize(("rule", "target", "words"), [
    ("trust", "student_rules_h5:no_such", "has no function 'no_such'"),
    ("trust", "no_module_h5:f", "cannot import 'no_module_h5'"),
    ("trsut", "student_rules_h5:frozen_trust", "did you mean trust"),
    ("trust", "frozen_trust", 'expected "module:function"'),
])
def test_bad_rules_name_the_field(tmp_path, rule, target, words):
    with pytest.raises(SpecError, match=f"rules.{rule}: .*{words}"):
        load_spec(rules_spec(tmp_path, rule, target))

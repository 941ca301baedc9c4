"""Experiment specs: every shipped spec validates; bad specs fail with one clear line, exit 2, nothing written."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest
from sweep_helpers import TINY_GRID, TINY_NETWORK, spec_with, write_spec

from plc_sim.cli import main
from plc_sim.experiments.specs.spec import SpecError, load_spec, parse_spec
from simulation.parameters import PARAMS_BY_NAME

EXPERIMENTS = Path(__file__).resolve().parent.parent / "experiments"
SHIPPED = sorted(path for path in EXPERIMENTS.glob("*.toml")
                 if "sampling" not in tomllib.loads(path.read_text()))  # [sampling]: a `plc-sim calibrate` spec


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_spec_validates(path):
    spec = load_spec(path)
    assert spec.run_count == len(spec.points) * spec.replications > 0
    assert spec.question, "each shipped experiment states the question it answers"
    factors = list(spec.factor_names)
    grid = spec.points[spec.points["design"] == "grid"]
    assert not grid.duplicated(factors).any()


def test_the_questions_of_the_model_brief_each_have_a_spec():
    names = {p.stem for p in SHIPPED}
    assert {"leadership_social_capital", "champion_succession", "turnover_memory", "isolated_networked",
            "primary_secondary", "inquiry_congenial", "support_staff", "sensitivity", "default"} <= names


def test_the_full_leadership_experiment_has_the_size_the_brief_asks_for():
    spec = load_spec(EXPERIMENTS / "leadership_social_capital.toml")
    levels = {f.name: len(f.values) for f in spec.factors}
    assert levels["leadership_distribution"] >= 11 and levels["social_capital"] >= 11
    assert spec.replications >= 10 and spec.ticks >= 240 and spec.run_count >= 1210
    network = ("n_schools", "teachers_per_school", "support_staff", "network_type", "network_degree")
    assert spec.preset == "baseline" and not set(network) & set(spec.fixed), "the default network, not a shrunk one"


def test_the_default_experiment_is_small_enough_for_make_run():
    spec = load_spec(EXPERIMENTS / "default.toml")
    assert spec.run_count <= 200 and spec.ticks <= 240
    assert any(kind == "phase_diagram" for kind, _ in spec.figures)


BAD_SPECS = {
    "unknown parameter": (TINY_GRID.replace("initial_trust = [", "initial_trst = ["), "vary.initial_trst: unknown"),
    "value out of range": (TINY_GRID.replace("[0.1, 0.6]", "[0.1, 1.5]"),
                           "vary.initial_trust[1]: 1.5 is not allowed; expected a number from 0 to 1"),
    "wrong type": (TINY_GRID.replace("n_schools = 3", 'n_schools = "three"'),
                   "fixed.n_schools: 'three' is not allowed; expected an integer from 1 to 100000"),
    "bad ticks": (TINY_GRID.replace("ticks = 20", "ticks = 0"), "ticks: 0 is not allowed"),
    "unknown outcome": (TINY_GRID.replace('"knowledge"]', '"happiness"]'), "outcomes: 'happiness' is not a measure"),
    "unknown field": ("replicatoins = 3\n" + TINY_GRID, "replicatoins: unknown field (did you mean replications?)"),
    "misspelt outcome": (TINY_GRID.replace('"knowledge"]', '"knowlege"]'),
                         "outcomes: 'knowlege' is not a measure (did you mean knowledge?)"),
    "misspelt parameter": (TINY_GRID.replace("initial_trust = [", "initial_trsut = ["),
                           "vary.initial_trsut: unknown parameter (did you mean initial_trust?)"),
    "misspelt figure option": (TINY_GRID + "[figures.survival]\nby = 'initial_trust'\nlevles = [0.1]\n",
                               "figures.survival.levles: unknown option of survival (did you mean levels?)"),
    "misspelt measure": (TINY_GRID + "[figures.effects]\nx = 'initial_trust'\nmeasures = ['final_helth']\n",
                         "'final_helth' is not a run measure of this spec (did you mean final_health?)"),
    "fixed and varied": (TINY_GRID.replace("decay_span = 3", "decay_span = 3\ninitial_trust = 0.3"),
                         "vary.initial_trust: also set in [fixed]"),
    "sampled category": (TINY_GRID.replace("initial_trust = [0.1, 0.6]", 'school_type = { low = 0, high = 1 }')
                         + "[design.latin_hypercube]\nsamples = 4\n", "vary.school_type: school_type is not numeric"),
    "range upside down": (TINY_GRID.replace("[0.1, 0.6]", "{ low = 0.8, high = 0.2, steps = 3 }"),
                          "vary.initial_trust: low (0.8) must be below high (0.2)"),
    "sobol not a power of two": (TINY_GRID.replace("[0.0, 1.0]", "{}").replace("[0.1, 0.6]", "{}")
                                 + "[design.sobol]\nsamples = 10\n", "design.sobol.samples: 10 is not allowed"),
    "unknown design": (TINY_GRID + "[design.factorial]\n", "design.factorial: unknown design"),
    "figure of an unknown factor": (TINY_GRID + "[figures.survival]\nby = 'meeting_time'\n",
                                    "figures.survival.by: 'meeting_time' is not a varied parameter"),
    "not TOML": (TINY_GRID.replace("ticks = 20", "ticks = = 20"), "not valid TOML"),
    "unknown preset": ('preset = "utopia"\n' + TINY_GRID, "preset: 'utopia' is not a preset"),
}


@pytest.mark.parametrize("case", BAD_SPECS, ids=list(BAD_SPECS))
def test_a_bad_spec_is_one_clear_error_with_exit_2_and_nothing_written(case, tmp_path, capsys):
    text, expected = BAD_SPECS[case]
    path = write_spec(tmp_path, text)
    out = tmp_path / "results"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("plc-sim: error: ") and len(err.splitlines()) == 1
    assert expected in err and str(path) in err
    assert not out.exists()


def test_a_missing_spec_file_is_a_clear_error(tmp_path, capsys):
    assert main(["sweep", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "out")]) == 2
    assert "no such spec file" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_dry_run_shows_the_plan_and_writes_nothing(tmp_path, capsys):
    path = write_spec(tmp_path, TINY_GRID)
    assert main(["sweep", str(path), "--dry-run", "--out", str(tmp_path / "out")]) == 0
    assert "4 points x 3 replications = 12 runs of 20 ticks" in capsys.readouterr().out
    assert not (tmp_path / "out").exists()


def test_a_grid_is_the_product_of_the_listed_values_and_ranges_land_on_clean_numbers():
    spec = parse_spec(TINY_GRID.replace("[0.1, 0.6]", "{ low = 0.0, high = 1.0, steps = 11 }"))
    trust = sorted(spec.points["initial_trust"].unique())
    assert trust[3] == 0.3 and len(trust) == 11, "0.3, not 0.30000000000000004"
    assert len(spec.points) == 2 * 11
    assert set(map(tuple, spec.points[["leadership_distribution", "initial_trust"]].to_numpy())) == {
        (d, t) for d in (0.0, 1.0) for t in trust}


def sampled(design: str, extra: str = "") -> str:
    return (TINY_GRID.replace("[0.0, 1.0]", "{}").replace("[0.1, 0.6]", "{ low = 0.2, high = 0.4 }")
            + "departments = { low = 2, high = 6 }\n" + design + extra)


@pytest.mark.parametrize(("design", "rows"), [
    ("[design.latin_hypercube]\nsamples = 7\n", 7),
    ("[design.morris]\ntrajectories = 5\nlevels = 4\n", 5 * (3 + 1)),
    ("[design.sobol]\nsamples = 8\n", 8 * (3 + 2)),
])
def test_sampled_designs_have_their_size_stay_in_range_and_are_reproducible(design, rows):
    spec = parse_spec(sampled(design))
    points = spec.points
    assert len(points) == rows
    assert points["leadership_distribution"].between(0, 1).all()
    assert points["initial_trust"].between(0.2, 0.4).all()
    assert points["departments"].between(2, 6).all() and points["departments"].dtype == np.int64
    assert parse_spec(sampled(design)).points.equals(points)
    other = parse_spec(sampled(design).replace("master_seed = 11", "master_seed = 12")).points
    if "morris" not in design:  # Morris trajectories on 4 levels can coincide; the others are continuous
        assert not other.equals(points)


def test_replication_k_uses_the_same_seed_at_every_design_point():
    spec = parse_spec(TINY_GRID)
    tasks = spec.tasks()
    by_replication = {}
    for task in tasks:
        by_replication.setdefault(task.replication, set()).add(task.seed)
    assert all(len(seeds) == 1 for seeds in by_replication.values())
    assert len({next(iter(s)) for s in by_replication.values()}) == spec.replications
    assert [t.run_id for t in tasks] == list(range(spec.run_count))
    wider = parse_spec(TINY_GRID.replace("[0.1, 0.6]", "[0.1, 0.3, 0.6]"))
    assert [wider.seed(k) for k in range(3)] == [spec.seed(k) for k in range(3)], "seeds do not depend on the grid"


def test_the_spec_hash_ignores_comments_and_layout_but_not_content():
    spec = parse_spec(TINY_GRID)
    reformatted = "# a comment\n" + TINY_GRID.replace("ticks = 20", "ticks   =   20  # months")
    assert parse_spec(reformatted).digest == spec.digest
    assert parse_spec(TINY_GRID.replace("ticks = 20", "ticks = 21")).digest != spec.digest


def test_spec_with_changes_a_field_and_validates_again():
    spec = parse_spec(TINY_GRID)
    fewer = spec_with(spec, replications=1)
    assert fewer.replications == 1 and fewer.points.equals(spec.points)
    with pytest.raises(SpecError, match="replications"):
        spec_with(spec, replications=0)


def test_every_varied_parameter_is_checked_with_the_declaration():
    with pytest.raises(SpecError, match=r"vary.departments\[0\]: 1 is not allowed; expected an integer from 2 to 12"):
        parse_spec(TINY_GRID + "departments = [1, 2]\n")
    low = PARAMS_BY_NAME["teacher_turnover_rate"].low
    assert parse_spec(TINY_NETWORK.join(["ticks = 5\n", "[vary]\nteacher_turnover_rate = {}\n"
                                         "initial_trust = {}\n[design.latin_hypercube]\nsamples = 3\n"])
                      ).factors[0].low == low

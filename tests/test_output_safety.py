"""plc-sim never deletes or changes what it did not write.

Every command that takes ``--out`` refuses a non-empty folder that is not its own earlier output (one line,
exit 2) and leaves it byte for byte as it was; replacing its own earlier output needs ``--overwrite`` and still
leaves files it did not write alone. The property test at the end runs every command that writes, again and
with ``--overwrite``/``--restart``/``--refresh``, over result folders seeded with the user's own files.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from cli_helpers import plc_sim
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sweep_helpers import LEVER_DESIGN

SMALL_RUN = ["--set", "n_schools=2", "--set", "teachers_per_school=6", "--ticks", "12"]
TINY_SPEC = """
name = "tiny"
preset = "baseline"
ticks = 12
replications = 1
outcomes = ["health"]
[fixed]
n_schools = 2
teachers_per_school = 6
[vary]
meeting_time = [0.2, 0.6]
[design.grid]
"""


def snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder`` with a hash of its bytes (folders map to "dir")."""
    return {str(p.relative_to(folder)): "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))}


def foreign_folder(root: Path) -> Path:
    folder = root / "keep"
    (folder / "chapter").mkdir(parents=True)
    (folder / "f").write_text("thesis\n")
    (folder / "chapter" / "draft.md").write_text("# results\n")
    (folder / "provenance.json").write_text('{"author": "me"}\n')  # a provenance file that is not plc-sim's
    return folder


def command_args(command: str, root: Path, out: str) -> list[str]:
    if command == "run":
        return ["run", *SMALL_RUN, "--out", out]
    if command == "validate":
        return ["validate", "--only", "1", "--out", out]
    spec = root.parent / "tiny.toml"
    spec.write_text(TINY_SPEC)
    return ["sweep", str(spec), "--workers", "1", "--no-figures", "--out", out]


@pytest.mark.parametrize("command", ["run", "validate", "sweep"])
def test_a_foreign_folder_is_refused_and_left_byte_for_byte(command, tmp_path):
    root = tmp_path / "work"
    root.mkdir()
    folder = foreign_folder(root)
    before = snapshot(root)
    done = plc_sim(*command_args(command, root, "keep"), cwd=root)
    assert done.returncode == 2, done.stdout + done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "--out" in done.stderr, done.stderr
    assert snapshot(root) == before, f"plc-sim {command} changed a folder it did not write ({folder})"


@pytest.mark.parametrize("command", ["run", "validate", "sweep"])
def test_the_current_folder_is_refused_and_left_byte_for_byte(command, tmp_path):
    root = tmp_path / "work"
    root.mkdir()
    foreign_folder(root)
    (root / "notes.txt").write_text("mine\n")
    before = snapshot(root)
    done = plc_sim(*command_args(command, root, "."), cwd=root)
    assert done.returncode == 2, done.stdout + done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "--out" in done.stderr, done.stderr
    assert snapshot(root) == before


def test_an_earlier_run_needs_overwrite_and_keeps_files_it_did_not_write(tmp_path):
    assert plc_sim("run", *SMALL_RUN, "--seed", "1", "--out", "out", cwd=tmp_path).returncode == 0
    (tmp_path / "out" / "my-notes.txt").write_text("keep\n")
    first_network = (tmp_path / "out" / "network.csv").read_bytes()

    refused = plc_sim("run", *SMALL_RUN, "--seed", "2", "--out", "out", cwd=tmp_path)
    assert refused.returncode == 2 and "--overwrite" in refused.stderr
    assert (tmp_path / "out" / "network.csv").read_bytes() == first_network

    replaced = plc_sim("run", *SMALL_RUN, "--seed", "2", "--out", "out", "--overwrite", cwd=tmp_path)
    assert replaced.returncode == 0, replaced.stderr
    assert (tmp_path / "out" / "network.csv").read_bytes() != first_network, "seed 2 replaced seed 1"
    assert (tmp_path / "out" / "my-notes.txt").read_text() == "keep\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no staging folder left behind"


def test_a_run_folder_is_not_a_validation_folder(tmp_path):
    assert plc_sim("run", *SMALL_RUN, "--out", "out", cwd=tmp_path).returncode == 0
    before = snapshot(tmp_path)
    done = plc_sim("validate", "--only", "1", "--out", "out", "--overwrite", cwd=tmp_path)
    assert done.returncode == 2 and "plc-sim validate" in done.stderr
    assert snapshot(tmp_path) == before


def test_an_empty_folder_is_used(tmp_path):
    (tmp_path / "out").mkdir()
    assert plc_sim("run", *SMALL_RUN, "--out", "out", cwd=tmp_path).returncode == 0
    assert (tmp_path / "out" / "network.parquet").is_file()


USER_FILES = {
    "my_notes.txt": b"what I saw\n",
    "analysis/mine.R": b"library(arrow)\n",
    "figures/survival_for_slides.png": b"\x89PNG my slide\n",
    "figures/phase_diagram_v2_for_talk.png": b"\x89PNG my talk\n",
    "tables/by_region.csv": b"region,health\nnorth,0.5\n",
}
"""The user's files of issue 19: beside a sweep's results, some named like plc-sim's own figures and tables."""


def test_rerun_restart_and_report_refresh_keep_the_users_files(tmp_path, capsys):
    from plc_sim.cli import main

    spec = tmp_path / "tiny.toml"
    spec.write_text(TINY_SPEC)
    root = tmp_path / "results"
    out = root / "tiny"
    sweep = ["sweep", str(spec), "--workers", "1", "--out", str(out)]
    assert main(sweep) == 0
    for name, data in USER_FILES.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)

    def users_files_are_intact(when: str) -> None:
        for name, data in USER_FILES.items():
            assert (out / name).is_file() and (out / name).read_bytes() == data, f"{when}: {name}"

    assert main(sweep) == 0
    users_files_are_intact("sweep again")
    assert main([*sweep, "--restart"]) == 0
    users_files_are_intact("sweep --restart")
    assert (out / "figures" / "survival_by_meeting_time.png").is_file(), "its own figures are drawn again"
    assert main(["report", "--refresh", "--results", str(root)]) == 0
    users_files_are_intact("report --refresh")

    (root / "report.md").write_text("# My own report\n")
    capsys.readouterr()
    assert main(["report", "--refresh", "--results", str(root)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "report.md" in err, err
    assert (root / "report.md").read_text() == "# My own report\n"
    users_files_are_intact("report --refresh beside the user's report.md")


# --- one property over every command that writes ---------------------------------------------------------------

LEVER_SPEC = """
name = "levers"
ticks = 12
replications = 1
master_seed = 8
outcomes = ["health"]
[fixed]
n_schools = 2
teachers_per_school = 6
""" + LEVER_DESIGN + """
[figures.survival]
by = "protected_time"
"""
SENSITIVITY_SPEC = """
name = "sensitivity"
ticks = 12
replications = 1
master_seed = 4
outcomes = ["health"]
[fixed]
n_schools = 2
teachers_per_school = 6
[vary]
initial_trust = { low = 0.0, high = 1.0 }
meeting_time = { low = 0.2, high = 1.0 }
[design.morris]
trajectories = 3
levels = 4
[sensitivity]
measures = ["final_health"]
resamples = 20
"""
CALIBRATION_SPEC = """
name = "calibration"
patterns = ["turnover"]
[sampling]
samples = 2
[setting]
replications = 2
n_schools = 2
[parameters]
trust_decay_rate = { low = 0.0, high = 0.05 }
"""
LOOKALIKES = ("survival_x.png", "survival_for_slides.png", "phase_diagram_v2_for_talk.png", "by_x.csv",
              "by_region.csv", "points.csv", "report.md", "report.html", "summary.md", "part-1.parquet",
              "manifest.json", "provenance.json", "my_notes.txt", "mine.R")
"""Names a user might give their own files, most of them like plc-sim's own."""


class Work:
    """A folder with every command's results in ``results/``, and the calls that write there."""

    def __init__(self, root: Path, threshold: float, workshop):
        self.root, self.threshold, self.workshop = root, threshold, workshop

    @property
    def results(self) -> Path:
        return self.root / "results"

    def first_calls(self) -> list[list[str]]:
        r = self.results
        return [["run", *SMALL_RUN, "--out", str(r / "run")],
                ["sweep", str(self.root / "levers.toml"), "--workers", "1", "--out", str(r / "levers")],
                ["sensitivity", str(self.root / "sensitivity.toml"), "--workers", "1", "--out", str(r / "sens")],
                ["calibrate", str(self.root / "calibration.toml"), "--workers", "1", "--out", str(r / "calib")],
                ["validate", "--only", "1", "--fast", "--workers", "1", "--out", str(r / "validation")],
                ["discover", str(r / "levers"), "--outcome", "final_health", "--threshold", str(self.threshold)],
                ["robustness", str(r / "levers"), "--outcomes", "final_health"],
                ["workshop-save"],
                ["report", "--results", str(r)]]

    def reruns(self) -> list[list[str]]:
        """Each command again, then with --overwrite, --restart or --refresh (the sweep's restart after the
        commands that read it, so they run on its results)."""
        run, sweep, sensitivity, calibrate, validate, discover, robustness, workshop, report = self.first_calls()
        return [[*run, "--overwrite"], sweep, discover, robustness, sensitivity, [*sensitivity, "--restart"],
                calibrate, [*calibrate, "--restart"], [*validate, "--overwrite"], workshop, report,
                [*sweep, "--restart"], [*report, "--refresh"]]

    def call(self, args: list[str]) -> tuple[int, str]:
        """Run one command in this process: its exit status and what it wrote on stderr."""
        from plc_sim.workshop import record

        if args != ["workshop-save"]:
            done = plc_sim(*args, cwd=self.root)
            return done.returncode, done.stderr
        # what the workshop server calls after each year and for the debrief
        folder, refusal = record.save_or_refusal(self.workshop, self.results / "workshops")
        return 0 if folder is not None else 2, f"plc-sim: error: {refusal}\n" if refusal else ""


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> Work:
    from plc_sim.workshop.session import Workshop
    from simulation.presets import preset_params

    root = tmp_path_factory.mktemp("baseline")
    for name, text in (("levers", LEVER_SPEC), ("sensitivity", SENSITIVITY_SPEC), ("calibration", CALIBRATION_SPEC)):
        (root / f"{name}.toml").write_text(text)
    workshop = Workshop(preset_params("baseline", {"n_schools": 3, "teachers_per_school": 8}), seed=2, code="KMNP")
    workshop.advance()
    work = Work(root, 0.0, workshop)
    for args in work.first_calls():
        if args[0] == "discover":
            runs = pd.read_parquet(work.results / "levers" / "tables" / "runs" / "part-0.parquet")
            work.threshold = float(runs["final_health"].median())
            args = work.first_calls()[5]
        code, err = work.call(args)
        assert code == 0 or (args[0] == "validate" and code == 1), f"{args}: {err}"
    return work


def _folders(results: Path) -> list[Path]:
    """The results folder and every folder plc-sim made inside it (not its hidden temporary ones)."""
    return [results, *sorted(p for p in results.rglob("*") if p.is_dir()
                             and not any(part.startswith(".") for part in p.relative_to(results).parts))]


@settings(max_examples=2, deadline=None, database=None, phases=(Phase.generate,),  # no shrinking: ~25 s a try
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_no_command_changes_or_deletes_a_file_the_user_wrote(baseline, data):
    """Seed every folder plc-sim uses with new files of the user's (many named like plc-sim's own) and change a
    few of plc-sim's own files (then they are the user's); run every command that writes again, then with
    --overwrite, --restart or --refresh: every user file is byte-identical afterwards. A command refuses (one
    line, exit 2) only when the user changed one of plc-sim's files; otherwise it succeeds.

    The changed files are outside batches: a batch whose own files changed is damaged and set aside whole
    (tests/test_store.py).
    """
    with tempfile.TemporaryDirectory() as tmp:
        work = Work(Path(tmp) / "work", baseline.threshold, baseline.workshop)
        shutil.copytree(baseline.root, work.root)
        own = sorted(p for p in work.results.rglob("*") if p.is_file() and not p.name.startswith(".")
                     and p.parent.parent.name != "batches")
        names = st.one_of(st.sampled_from(sorted({p.name for p in own})), st.sampled_from(LOOKALIKES),
                          st.from_regex(r"[a-z][a-z0-9_]{0,10}\.(txt|csv|png|md|parquet|R)", fullmatch=True))
        # Some of plc-sim's own files, anywhere, the user has since changed: from now on they are the user's.
        users: dict[Path, bytes] = {path: data.draw(st.binary(max_size=40), label=str(path.relative_to(work.root)))
                                    for path in data.draw(st.lists(st.sampled_from(own), max_size=2, unique=True))}
        in_the_way = bool(users)
        for folder in _folders(work.results):
            taken = {p.name for p in folder.iterdir()}  # new files of the user's, named like plc-sim's or not
            for name in data.draw(st.lists(names.filter(lambda n, taken=taken: n not in taken), max_size=2,
                                           unique=True), label=str(folder.relative_to(work.root))):
                users[folder / name] = data.draw(st.binary(max_size=40), label=name)
        for path, content in users.items():
            path.write_bytes(content)

        for args in work.reruns():
            code, err = work.call(args)
            errors = [line for line in err.splitlines() if line.startswith("plc-sim: error:")]
            if in_the_way:
                assert code in (0, 1, 2), f"{args}: {err}"
                assert code != 2 or len(errors) == 1, f"{args}: {err}"
            else:
                assert code == 0 or (args[0] == "validate" and code == 1), f"{args}: {err}"
        changed = [str(path.relative_to(work.root)) for path, content in users.items()
                   if not path.is_file() or path.read_bytes() != content]
        assert not changed, f"the user's files changed or gone: {changed}"


def test_a_changed_file_of_plc_sims_is_refused_on_redraw_and_kept_on_restart(tmp_path, capsys):
    from plc_sim.cli import main

    spec = tmp_path / "tiny.toml"
    spec.write_text(TINY_SPEC)
    out = tmp_path / "tiny"
    sweep = ["sweep", str(spec), "--workers", "1", "--out", str(out)]
    assert main(sweep) == 0
    figure = out / "figures" / "survival_by_meeting_time.png"
    figure.write_bytes(b"my edit\n")
    capsys.readouterr()

    assert main(sweep) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(figure) in err[0] and "has changed since plc-sim wrote it" in err[0], err
    assert main([*sweep, "--restart"]) == 2  # its runs are made again; the figure stays in the way of the new one
    err = capsys.readouterr().err
    assert f"plc-sim: kept {figure}: it has changed since plc-sim wrote it" in err
    assert "was not written by plc-sim" in err.strip().splitlines()[-1]
    assert figure.read_bytes() == b"my edit\n" and len(list((out / "batches").glob("batch-*"))) > 0
    figure.rename(tmp_path / "mine.png")
    assert main(sweep) == 0 and figure.is_file(), "moved away, the figure is drawn again"

"""plc-sim never deletes what it did not write.

Every command that takes ``--out`` refuses a non-empty folder that is not its own earlier output (one line,
exit 2) and leaves it byte for byte as it was; replacing its own earlier output needs ``--overwrite`` and still
leaves files it did not write alone.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

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


def plc_sim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "plc_sim.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


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

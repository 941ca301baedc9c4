"""The result store verifies itself: damaged batches are named and rerun, a damaged manifest, a read-only place, a
foreign folder or a design too large to run get one line and exit 2 with nothing left behind; an interrupted
start resumes; the lock is held to the last figure; a full disk and a lost scheduler get one line each."""

from __future__ import annotations

import errno
import hashlib
import json
import time
from pathlib import Path

import pytest
from sweep_helpers import TINY_GRID, assert_same_tables, write_spec

from plc_sim.cli import main
from plc_sim.core.errors import InputError
from plc_sim.experiments.analysis.results import load_sweep
from plc_sim.experiments.execution import batches, execute, store
from plc_sim.experiments.execution.datasets import read_tables
from plc_sim.experiments.execution.sweep import run_sweep
from plc_sim.experiments.specs.spec import parse_spec
from simulation.parameters import PARAMETERS

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The tiny grid swept whole in batches of four runs: the data every repaired store must give again."""
    out = tmp_path_factory.mktemp("reference") / "out"
    spec = parse_spec(TINY_GRID)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(batches, "FLUSH_SECONDS", 1e9)  # batches by size only, however slow the first run compiles
        run_sweep(spec, out, workers=1, batch_size=4, progress=False)
    assert len(list((out / "batches").iterdir())) == 3
    return spec, out, read_tables(out)


def copy_of(reference_folder: Path, tmp_path: Path) -> Path:
    import shutil

    out = tmp_path / "out"
    shutil.copytree(reference_folder, out)
    return out


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))}


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("plc-sim: error: "), err
    return lines[0]


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def zero(path: Path) -> None:
    path.write_bytes(b"")


def flip(path: Path) -> None:
    """64 bytes inverted inside the file (the data pages, not the footer): Parquet may still read it."""
    data = bytearray(path.read_bytes())
    start = len(data) // 3
    for i in range(start, start + 64):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(("damage", "table"), [(truncate, "series"), (zero, "schools"), (flip, "series"),
                                               (flip, "runs")])
def test_a_damaged_batch_is_named_refused_for_analysis_and_rerun(reference, tmp_path, capsys, damage, table):
    spec, folder, tables = reference
    out = copy_of(folder, tmp_path)
    batch = out / "batches" / "batch-00001"
    damage(batch / f"{table}.parquet")
    # Analysis never reads it: one line naming the batch.
    with pytest.raises(InputError, match=r"damaged batch batch-00001 \(" + table):
        load_sweep(out)
    assert main(["report", "--results", str(tmp_path)]) == 2
    assert "batch-00001" in one_error_line(capsys.readouterr().err)
    # The sweep names it on stderr and runs its runs again: the data equal the undamaged sweep's.
    summary = run_sweep(spec, out, workers=1, batch_size=4, progress=False)
    err = capsys.readouterr().err
    assert f"{batch} is damaged ({table}.parquet" in err and "run again" in err
    assert summary.ran_now == 4 and summary.done_before == 8 and summary.complete
    assert_same_tables(tables, read_tables(out))


def test_a_batch_without_checksums_is_not_trusted(reference, tmp_path):
    spec, folder, _ = reference
    out = copy_of(folder, tmp_path)
    (out / "batches" / "batch-00002" / "checksums.json").unlink()
    assert store.ResultFolder(out).check_batches().message() == "batch-00002 (no checksums.json)"


@pytest.mark.parametrize("text", ["", '{"format": 2, "name": "tin', "[1, 2]", '{"format": 2}'],
                         ids=["empty", "truncated", "not a table", "missing keys"])
def test_a_damaged_manifest_is_one_line_and_nothing_is_written(reference, tmp_path, capsys, text):
    _, folder, _ = reference
    out = copy_of(folder, tmp_path)
    (out / ".lock").unlink()
    (out / "manifest.json").write_text(text)
    before = snapshot(out)
    path = write_spec(tmp_path, TINY_GRID)
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert f"{out / 'manifest.json'}: damaged" in line
    assert snapshot(out) == before, "not even a .lock"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--restart"]) == 2
    assert snapshot(out) == before


def test_a_foreign_folder_is_refused_without_a_lock(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "thesis.docx").write_text("precious")
    before = snapshot(out)
    path = write_spec(tmp_path, TINY_GRID)
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--restart"]) == 2
    assert "holds no plc-sim manifest.json" in one_error_line(capsys.readouterr().err)
    assert snapshot(out) == before


@pytest.mark.parametrize("command", ["sweep", "run"])
def test_a_read_only_location_is_one_line_and_nothing_is_made(tmp_path, capsys, command):
    out = Path("/sys/plc-sim-test/out")  # sysfs: read-only, even for root
    path = write_spec(tmp_path, TINY_GRID)
    args = (["sweep", str(path), "--workers", "1"] if command == "sweep"
            else ["run", "--ticks", "2", "--set", "n_schools=2"])
    assert main([*args, "--out", str(out)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "--out: cannot write in /sys" in line
    assert not out.parent.exists()


def test_a_start_interrupted_before_the_manifest_resumes(reference, tmp_path):
    """A sweep killed after writing spec.toml (and points.parquet) but before manifest.json: the folder resumes."""
    spec, _, tables = reference
    out = tmp_path / "out"
    out.mkdir()
    (out / ".lock").write_text("")
    (out / "spec.toml").write_text(spec.text)
    spec.points.to_parquet(out / "points.parquet")
    (out / ".manifest.json.x1y2.tmp").write_text('{"form')  # the manifest's own write, cut short
    summary = run_sweep(spec, out, workers=1, batch_size=4, progress=False)
    assert summary.complete and summary.ran_now == spec.run_count
    assert_same_tables(tables, read_tables(out))


def test_the_manifest_is_written_before_anything_else(tmp_path, monkeypatch):
    """So a kill at any moment of a start leaves a folder that is plc-sim's own and resumable."""
    from plc_sim.core import files

    order = []
    real = files.atomic_path

    def recording(path):  # every file plc-sim writes goes through atomic_path
        order.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(files, "atomic_path", recording)
    folder = store.open_result_folder(parse_spec(TINY_GRID), tmp_path / "out", restart=False)
    folder.unlock()
    assert order[:2] == ["manifest.json", "spec.toml"] and "points.parquet" in order


def huge(kind: str) -> str:
    """A spec of 10^9 grid points, or a Sobol design of 22M points (20 factors, second order: 2^19 x 42)."""
    text = TINY_GRID.replace("replications = 3", "replications = 1")
    if kind == "grid":
        return (text.replace("leadership_distribution = [0.0, 1.0]", "\n".join(
            f"{name} = {{ low = 0.0, high = 1.0, steps = 1000 }}" for name in ("leadership_distribution", "workload")))
            .replace("initial_trust = [0.1, 0.6]", "initial_trust = { low = 0.0, high = 1.0, steps = 1000 }"))
    names = [p.name for p in PARAMETERS if p.sweepable and p.kind is float and p.name != "initial_trust"][:19]
    return (text.replace("leadership_distribution = [0.0, 1.0]", "\n".join(f"{name} = {{}}" for name in names))
            .replace("initial_trust = [0.1, 0.6]", "initial_trust = {}")
            + "[design.sobol]\nsamples = 524288\nsecond_order = true\n")


@pytest.mark.parametrize("kind", ["grid", "sobol"])
@pytest.mark.parametrize("dry_run", [False, True], ids=["run", "dry-run"])
def test_a_design_too_large_is_refused_in_under_a_second(tmp_path, capsys, kind, dry_run):
    from plc_sim.cli.main import build_parser

    path = write_spec(tmp_path, huge(kind))
    build_parser()  # the commands' imports, paid once at start-up, are not part of the check
    started = time.perf_counter()
    code = main(["sweep", str(path), "--out", str(tmp_path / "out"), *(["--dry-run"] if dry_run else [])])
    elapsed = time.perf_counter() - started
    line = one_error_line(capsys.readouterr().err)
    assert code == 2 and elapsed < 1.0, elapsed
    count = "1,000,000,000" if kind == "grid" else "22,020,096"
    assert f"design: {count} runs" in line and "more than the 10,000,000" in line
    assert not (tmp_path / "out").exists()


def test_a_dry_run_shows_the_plan_with_a_measured_estimate(tmp_path, capsys):
    path = write_spec(tmp_path, TINY_GRID)
    assert main(["sweep", str(path), "--dry-run", "--workers", "2", "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "12 runs of 20 ticks" in out and "estimated time: 12 runs x " in out and "on 2 workers" in out
    assert not (tmp_path / "out").exists()


def test_the_lock_is_held_until_the_last_figure_is_written(tmp_path, capsys, monkeypatch):
    """A second `sweep --restart` while the first draws its figures gets one line and changes nothing."""
    from plc_sim.experiments.analysis import figures

    path = write_spec(tmp_path, TINY_GRID)
    out = tmp_path / "out"
    seen = {}
    draw = figures.experiment_outputs

    def draw_and_try_a_restart(folder, data=None):
        seen["code"] = main(["sweep", str(path), "--out", str(out), "--workers", "1", "--restart"])
        seen["err"] = capsys.readouterr().err
        seen["batches"] = sorted(p.name for p in (out / "batches").iterdir())
        return draw(folder, data)

    monkeypatch.setattr(figures, "experiment_outputs", draw_and_try_a_restart)
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == 0
    assert seen["code"] == 2 and "another plc-sim sweep is using" in one_error_line(seen["err"])
    assert seen["batches"] and sorted(p.name for p in (out / "batches").iterdir()) == seen["batches"]
    assert (out / "figures").is_dir()


def test_a_full_disk_is_one_line_and_the_stored_runs_are_kept(tmp_path, capsys, monkeypatch):
    spec = parse_spec(TINY_GRID)
    path = write_spec(tmp_path, TINY_GRID)
    out = tmp_path / "out"
    real, calls = store.write_file, []

    def fill_up(target, data):
        calls.append(target)
        if len(calls) > 8:  # two batches of three tables and checksums fit; then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        real(target, data)

    monkeypatch.setattr(store, "write_file", fill_up)
    monkeypatch.setattr(batches, "FLUSH_SECONDS", 1e9)
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--batch-size", "4"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "cannot write a batch of results (No space left on device)" in line and "8 runs" in line
    assert not list((out / "batches").glob(".staging-*"))
    monkeypatch.setattr(store, "write_file", real)
    assert run_sweep(spec, out, workers=1, batch_size=4, progress=False).done_before == 8
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete"


def test_a_full_disk_while_drawing_is_one_line(tmp_path, capsys, monkeypatch):
    from matplotlib.figure import Figure

    def no_room(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(args[0]))

    monkeypatch.setattr(Figure, "savefig", no_room)
    path = write_spec(tmp_path, TINY_GRID)
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--workers", "1"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "No space left on device" in line and "figures" in line


def test_a_lost_scheduler_is_one_line_and_the_finished_runs_are_kept(tmp_path, capsys, monkeypatch):
    from distributed import LocalCluster

    spec = parse_spec(TINY_GRID)
    path = write_spec(tmp_path, TINY_GRID)
    out = tmp_path / "out"
    cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None)
    real_add = batches.BatchWriter.add

    def add_then_lose_the_scheduler(self, result):
        real_add(self, result)
        if self.written + len(self.pending) == 4:
            self.flush()
            cluster.close()

    monkeypatch.setattr(batches.BatchWriter, "add", add_then_lose_the_scheduler)
    # One run a unit: the grid's points differ only in rates, so on one worker thread they would all be one batch
    # and every result would be back before the scheduler goes.
    monkeypatch.setattr(execute, "runs_per_batch", lambda params: 1)
    try:
        code = main(["sweep", str(path), "--out", str(out), "--scheduler", cluster.scheduler_address,
                     "--batch-size", "4", "--no-figures"])
    finally:
        cluster.close()
    assert code == 2
    line = one_error_line(capsys.readouterr().err)
    assert "--scheduler: lost the Dask scheduler" in line and "run the same command again" in line
    monkeypatch.undo()
    assert run_sweep(spec, out, workers=1, progress=False).done_before >= 4


def test_results_of_an_older_store_format_are_refused_until_restarted(reference, tmp_path, capsys):
    spec, folder, tables = reference
    out = copy_of(folder, tmp_path)
    for batch in (out / "batches").iterdir():
        (batch / "checksums.json").unlink()
    manifest = json.loads((out / "manifest.json").read_text())
    (out / "manifest.json").write_text(json.dumps({**manifest, "format": 1}))
    path = write_spec(tmp_path, TINY_GRID)
    before = snapshot(out)
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "written by an older plc-sim (store format 1" in line and "--restart" in line
    assert snapshot(out) == before
    with pytest.raises(InputError, match="older plc-sim"):
        load_sweep(out)
    assert store.ResultFolder(out).check_batches().message(most=2).endswith("; and 1 more")
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--restart", "--no-figures"]) == 0
    assert_same_tables(tables, read_tables(out))

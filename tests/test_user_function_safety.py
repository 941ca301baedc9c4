"""A spec's own functions ([rules], [outcomes], a stop condition) that fail: each failure (raise, hang, hang on
import, SystemExit, NaN, wrong shape) is one line naming the field, the function and the run, exit 2; a new --out
is left as it was; runs finished before are kept; no worker process is left behind."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import re
from multiprocessing import forkserver, resource_tracker
from pathlib import Path

import pytest
from sweep_helpers import TINY_GRID, write_spec

from plc_sim.cli import main
from plc_sim.experiments.execution.datasets import read_tables
from plc_sim.experiments.execution.sweep import run_sweep
from plc_sim.experiments.specs.spec import SpecError, load_spec
from plc_sim.experiments.specs.user_functions import UserFunctionError

pytestmark = pytest.mark.timeout(300)

MODULE = '''
import sys
import time
from pathlib import Path

import numpy as np
from numba import njit

FLAG = Path(__file__).with_name("fail.flag")
if FLAG.with_name("hang_on_import.flag").exists():
    time.sleep(1000)


def fine(series):
    return 1.0


def raises(series):
    raise ValueError("boom")


def hangs(series):
    while True:
        pass


def hangs_stubbornly(model):
    """Sleeps forever and swallows every exception, so only ending the process stops it."""
    while True:
        try:
            time.sleep(1000)
        except BaseException:
            pass


def exits(series):
    sys.exit(3)


def not_a_number(series):
    return float("nan")


def a_whole_column(series):
    return series["health"]


def hangs_when_flagged(model):
    """Hangs for the runs with high initial trust while fail.flag lies beside this module."""
    while FLAG.exists() and model.p.initial_trust > 0.5:
        time.sleep(0.01)
    return 1.0


@njit
def _spin(counts):
    while counts[0] >= 0.0:
        counts[1] += 1.0


def trust_spins_in_compiled_code(model):
    """Never returns, holding the interpreter lock: no thread of its process can stop it."""
    _spin(np.zeros(2))


def trust_nan(model):
    model.members.trust[:] = np.nan


def trust_wrong_shape(model):
    model.members.trust = np.zeros(3)


def trust_two_arguments(model, extra):
    pass
'''
HANGS_ON_IMPORT = "import time\ntime.sleep(1000)\n\n\ndef f(series):\n    return 1.0\n"
EXITS_ON_IMPORT = "import sys\nsys.exit(4)\n\n\ndef f(series):\n    return 1.0\n"
_names = itertools.count()


def user_spec(folder: Path, table: str, line: str, timeout: int = 3) -> tuple[Path, str]:
    """TINY_GRID with ``line`` (MOD: a fresh copy of MODULE) in ``table``, and a time limit of ``timeout`` s."""
    module = f"user_fns_s{next(_names)}"
    (folder / f"{module}.py").write_text(MODULE)
    grid = TINY_GRID.replace('outcomes = ["health", "decayed_share", "knowledge"]\n', "")
    text = f"user_function_timeout = {timeout}\n" + grid + f"\n[{table}]\n" + line.replace("MOD", module) + "\n"
    return write_spec(folder, text), module


def children() -> list[int]:
    """Processes whose parent is this one (zombies included), but multiprocessing's own long-lived helpers (the
    fork server and the resource tracker, started by an earlier pool)."""
    helpers = {forkserver._forkserver._forkserver_pid, resource_tracker._resource_tracker._pid}
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and int(stat.parent.name) not in helpers:
            found.append(int(stat.parent.name))
    return found


def assert_one_line_and_nothing_written(capsys, folder: Path, out: Path, before: set[str], pattern: str) -> str:
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1, error
    assert re.search(pattern, error[0]), error[0]
    after = {p.name for p in folder.iterdir()}
    assert after - {"__pycache__"} == before - {"__pycache__"}, "a new --out is left as it was"
    assert not out.exists() or list(out.iterdir()) == []
    assert multiprocessing.active_children() == [] and children() == [], "no worker is left behind"
    return error[0]


RUN = r"in run \d+ \(point \d+, replication \d, seed \d+\)"


@pytest.mark.parametrize(("table", "line", "words"), [
    ("outcomes", 'odd = "MOD:raises"', r"outcomes\.odd: MOD:raises raised ValueError \(boom\) " + RUN),
    ("outcomes", 'odd = "MOD:hangs"', r"outcomes\.odd: MOD:hangs did not finish within user_function_timeout = 3 s "
     + RUN + "; raise user_function_timeout in the spec"),
    ("outcomes", 'stop = "MOD:hangs_stubbornly"', r"outcomes\.stop: MOD:hangs_stubbornly did not finish within "
     r"user_function_timeout = 3 s " + RUN),
    ("outcomes", 'odd = "MOD:exits"', r"outcomes\.odd: MOD:exits raised SystemExit \(3\) " + RUN),
    ("outcomes", 'odd = "MOD:not_a_number"', r"outcomes\.odd: MOD:not_a_number returned float nan; expected one "
     r"finite number " + RUN),
    ("outcomes", 'odd = "MOD:a_whole_column"', r"outcomes\.odd: MOD:a_whole_column returned Series of shape "
     r"\(21,\); expected one finite number " + RUN),
    ("rules", 'trust = "MOD:raises"', r"rules\.trust: MOD:raises raised ValueError \(boom\) " + RUN),
    ("rules", 'trust = "MOD:hangs"', r"rules\.trust: MOD:hangs did not finish within user_function_timeout = 3 s "
     + RUN),
    ("rules", 'trust = "MOD:trust_spins_in_compiled_code"', r"rules\.trust: MOD:trust_spins_in_compiled_code did "
     r"not finish within user_function_timeout = 3 s " + RUN),
    ("rules", 'trust = "MOD:exits"', r"rules\.trust: MOD:exits raised SystemExit \(3\) " + RUN),
    ("rules", 'trust = "MOD:trust_nan"', r"rules\.trust: MOD:trust_nan broke invariant 'no NaN': members\.trust "
     r"contains NaN .* " + RUN),
    ("rules", 'trust = "MOD:trust_wrong_shape"', r"rules\.trust: MOD:trust_wrong_shape broke invariant 'shape "
     r"unchanged': members\.trust has shape \(3,\).* " + RUN),
    ("rules", 'trust = "MOD:trust_two_arguments"', r"rules\.trust: MOD:trust_two_arguments raised RuleError "
     r"\(rule 'trust': the replacement must take exactly one argument.*\) " + RUN),
])
@pytest.mark.parametrize("workers", [1, 2])
def test_a_failing_user_function_is_one_line_exit_2_and_a_new_out_is_left_as_it_was(
        tmp_path, capsys, table, line, words, workers):
    path, module = user_spec(tmp_path, table, line)
    out = tmp_path / "out"
    if workers == 2:
        out.mkdir()  # an empty folder stays empty
    before = {p.name for p in tmp_path.iterdir()}
    assert main(["sweep", str(path), "--out", str(out), "--workers", str(workers), "--no-figures"]) == 2
    assert_one_line_and_nothing_written(capsys, tmp_path, out, before,
                                        "^plc-sim: error: " + words.replace("MOD", module))


@pytest.mark.parametrize(("source", "words"), [
    (HANGS_ON_IMPORT, r"importing '(\w+)' did not finish within user_function_timeout = 3 s"),
    (EXITS_ON_IMPORT, r"importing '(\w+)' raised SystemExit \(4\)"),
    ("raise KeyError('setting')\n", r"importing '(\w+)' raised KeyError \('setting'\)"),
])
def test_a_module_that_hangs_or_fails_on_import_is_one_line_before_anything_runs(tmp_path, capsys, source, words):
    path, _ = user_spec(tmp_path, "outcomes", 'odd = "bad_import_m0:f"')
    (tmp_path / "bad_import_m0.py").write_text(source)
    before = {p.name for p in tmp_path.iterdir()}
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--no-figures"]) == 2
    assert_one_line_and_nothing_written(capsys, tmp_path, out, before, r"^plc-sim: error: .*: outcomes\.odd: " + words)


def test_a_module_that_hangs_on_import_in_the_worker_is_stopped_by_the_time_limit(tmp_path):
    path, module = user_spec(tmp_path, "outcomes", 'odd = "MOD:fine"')
    spec = load_spec(path)  # imported fine here; from now on the module hangs when imported
    (tmp_path / "hang_on_import.flag").write_text("")
    out = tmp_path / "out"
    with pytest.raises(UserFunctionError, match=rf"outcomes\.odd: {module}:fine did not finish within "
                                                rf"user_function_timeout = 3 s {RUN}"):
        run_sweep(spec, out, workers=1, progress=False)
    assert not out.exists() and children() == []


def test_a_run_that_hangs_keeps_the_runs_before_and_resumes_with_another_time_limit(tmp_path, capsys):
    path, module = user_spec(tmp_path, "outcomes", 'odd = "MOD:hangs_when_flagged"')
    reference = load_spec(path)
    (tmp_path / "fail.flag").write_text("")
    out = tmp_path / "out"
    command = ["sweep", str(path), "--out", str(out), "--workers", "1", "--batch-size", "1", "--no-figures"]
    assert main(command) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and re.search(rf"outcomes\.odd: {module}:hangs_when_flagged did not finish within "
                                         rf"user_function_timeout = 3 s {RUN}", error[0]), error
    kept = len(read_tables(out)["runs"])
    assert 0 < kept < reference.run_count, "the runs finished before are kept"
    assert children() == []
    (tmp_path / "fail.flag").unlink()
    path.write_text(path.read_text().replace("user_function_timeout = 3", "user_function_timeout = 30"))
    assert load_spec(path).digest == reference.digest, "the time limit is not part of what the runs compute"
    assert main(command) == 0
    assert len(read_tables(out)["runs"]) == reference.run_count


@pytest.mark.parametrize("value", [0, 86_401, 1.5, "60", True])
def test_the_time_limit_is_checked(tmp_path, value):
    path, _ = user_spec(tmp_path, "outcomes", 'odd = "MOD:fine"')
    path.write_text(path.read_text().replace("user_function_timeout = 3", f"user_function_timeout = {value!r}"
                                             .replace("True", "true").replace("'", '"')))
    with pytest.raises(SpecError, match=r"user_function_timeout: .* is not allowed; expected an integer from 1 to "
                                        r"86400"):
        load_spec(path)

"""Every tutorial notebook runs top to bottom on small settings, and is committed without outputs.

The notebooks run in a Jupyter kernel started with this interpreter (``sys.executable``), so the test works
when pytest is started as ``.venv/bin/python -m pytest`` without the virtualenv activated, whatever kernels
are installed elsewhere. ``PLC_SIM_NOTEBOOK_FAST=1`` tells the notebooks to use small settings; it may only choose
sizes (``A if FAST else B`` between literals), never skip code, so the test runs every line a student runs. The
kernel's working folder is ``notebooks/``, as when a student opens a notebook in Jupyter.
"""

from __future__ import annotations

import ast
import json
import re
import sys
import time
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
KERNEL_NAME = "plc-sim-test"
CELL_TIMEOUT_S = 300
SHOWS = {
    "01_quickstart.ipynb": [r"communit(y|ies) of Schools? [\d, and]+ decayed"],
    "03_analyze_a_sweep.ipynb": [r"leadership distribution 0: median years to decay \d",
                                 r"leadership distribution 1: median years to decay \d"],
}
"""What each notebook's outputs must show on the small settings, so a loop or branch that depends on the data
(the log of decays, the Kaplan-Meier medians) really runs in the test."""
NEVER_SHOWS = {"03_analyze_a_sweep.ipynb": ["longer than the run"]}


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def test_there_are_notebooks():
    assert [path.name for path in NOTEBOOKS][:2] == ["01_quickstart.ipynb", "02_change_a_rule.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_committed_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    dirty = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"
             and (cell.outputs or cell.execution_count is not None)]
    assert not dirty, f"{path.name}: clear the outputs and execution counts of cells {dirty} before committing"
    assert notebook.metadata.get("kernelspec", {}).get("name") == "python3", f"{path.name}: use the python3 kernel"


def fast_uses(source: str) -> list[str]:
    """Each use of ``FAST`` in a notebook's code that is not a size: ``NAME = A if FAST else B`` or ``{A if FAST
    else B}`` in an f-string (a spec's text), A and B literals. A choice passed straight to a call (``workers=1 if
    FAST else 2``) could take another code path, so it is refused too."""
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    tree = ast.parse(code)
    allowed = set()
    for parent in ast.walk(tree):
        if not isinstance(parent, ast.Assign | ast.FormattedValue):
            continue
        node = parent.value
        if (isinstance(node, ast.IfExp) and isinstance(node.test, ast.Name) and node.test.id == "FAST"
                and all(_literal(branch) for branch in (node.body, node.orelse))):
            allowed.add(id(node.test))
    return [f"line {node.lineno}" for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id == "FAST"
            and isinstance(node.ctx, ast.Load) and id(node) not in allowed]


def _literal(node: ast.AST) -> bool:
    try:
        ast.literal_eval(node)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_the_fast_setting_only_chooses_sizes(path):
    notebook = nbformat.read(path, as_version=4)
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    wrong = fast_uses(code)
    assert not wrong, f"{path.name}: FAST may only choose between literal sizes (A if FAST else B), at {wrong}"


def test_the_fast_check_catches_a_skipped_path():
    assert fast_uses("FAST = True\nN = 3 if FAST else 10\nS = {'n': 6} if FAST else {}\nT = f'n = {3 if FAST else 4}'"
                     ) == []
    assert fast_uses("FAST = True\nif not FAST:\n    run()") == ["line 2"]
    assert fast_uses("FAST = True\nrun(workers=1 if FAST else 2)") == ["line 2"]
    assert fast_uses("FAST = True\nN = 1 if FAST else pool()") == ["line 2"]


def _outputs(notebook) -> str:
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            texts.append(output.get("text", "") if output.output_type == "stream"
                         else output.get("data", {}).get("text/plain", ""))
    return "\n".join(texts)


@pytest.fixture(scope="module")
def kernel_spec_manager(tmp_path_factory) -> KernelSpecManager:
    """A kernelspec that starts ipykernel with this very interpreter, in a folder only this test sees."""
    folder = tmp_path_factory.mktemp("kernels")
    spec_dir = folder / KERNEL_NAME
    spec_dir.mkdir()
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "plc-sim (test)", "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    return KernelSpecManager(kernel_dirs=[str(folder)], ensure_native_kernel=False)


def _files_under(folder: Path) -> set[Path]:
    return {path.relative_to(folder) for path in folder.rglob("*")
            if ".ipynb_checkpoints" not in path.parts and "__pycache__" not in path.parts}


@pytest.mark.timeout(900)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_runs_top_to_bottom_on_small_settings(path, kernel_spec_manager, monkeypatch):
    monkeypatch.setenv("PLC_SIM_NOTEBOOK_FAST", "1")
    notebook = nbformat.read(path, as_version=4)
    before = _files_under(NOTEBOOK_DIR)
    kernel = KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=kernel_spec_manager)
    client = NotebookClient(notebook, km=kernel, timeout=CELL_TIMEOUT_S,
                            resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    started = time.perf_counter()
    try:
        client.execute()  # raises CellExecutionError, with the cell and its traceback, if any cell fails
    finally:  # a kernel manager we made is ours to end: a kernel left running outlives the test as a child process
        if kernel.has_kernel:
            kernel.shutdown_kernel(now=True)
    seconds = time.perf_counter() - started
    print(f"{path.name}: {seconds:.1f} s")
    assert all(cell.execution_count for cell in notebook.cells if cell.cell_type == "code"), "a cell did not run"
    assert _files_under(NOTEBOOK_DIR) == before, "notebooks may write only under results/ or a temporary folder"
    shown = _outputs(notebook)
    for pattern in SHOWS.get(path.name, []):
        assert re.search(pattern, shown), f"{path.name}: the outputs should show {pattern!r}; they show:\n{shown}"
    for text in NEVER_SHOWS.get(path.name, []):
        assert text not in shown, f"{path.name}: the outputs show {text!r}"

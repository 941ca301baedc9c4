"""Analysis-ready tables of a finished sweep: one Parquet dataset per table, factors on every row.

Batches stay the unit of resume; when every run is stored the sweep also writes ``tables/runs/``,
``tables/series/``, ``tables/schools/`` and ``tables/long/`` (one dataset folder each, read whole by
``pandas.read_parquet(folder)``, ``pyarrow.dataset.dataset(folder)`` or R's ``arrow::open_dataset(folder)``), and
``tables/runs.csv``. Every row carries its run's ``point``, ``replication`` (with ``policy`` and ``scenario`` for a
spec with levers) and the value of every varied factor (levers and uncertainties too); ``long`` has one row per run,
tick and measure (``measure``, ``value``). A spec with ``[outcomes] school_series`` also gets
``tables/school_series/``: one row per run, tick and school, written in parts of whole runs (``part-00000.parquet``,
...) so that no more than one part is ever in memory.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from plc_sim.core.errors import InputError
from plc_sim.core.files import Ledger
from plc_sim.experiments.execution.store import BATCH_TABLES, ResultFolder
from plc_sim.experiments.specs.spec import POLICY_KEYS, Spec
from simulation import preset_params


def run_keys(runs: pd.DataFrame, spec: Spec) -> pd.DataFrame:
    """Each run's id, point, replication, policy and scenario (a spec with [levers]) and factor values."""
    return runs[["run_id", "point", "replication", *(c for c in POLICY_KEYS if c in runs.columns),
                 *spec.factor_names]]


def read_tables(folder: str | Path) -> dict[str, pd.DataFrame]:
    """Every batch's ``runs``, ``series`` and ``schools`` tables, concatenated and sorted by run id.

    Every batch must match its checksums: a damaged one is an :class:`InputError` naming it.
    """
    batches = ResultFolder(Path(folder)).good_batches()
    tables = {}
    for name in BATCH_TABLES:
        frames = [pd.read_parquet(batch / f"{name}.parquet") for batch in batches]
        frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({"run_id": pd.Series(dtype="int64")})
        order = {"runs": ["run_id"], "series": ["run_id", "tick"], "schools": ["run_id", "school"]}[name]
        tables[name] = frame.sort_values(order, kind="stable").reset_index(drop=True)
    if tables["runs"]["run_id"].duplicated().any():
        raise InputError(f"{folder}: a run is stored twice; this should not happen, please report it")
    return tables


DATASETS = ("runs", "series", "schools", "long")
PART_ROWS = 2_000_000
"""About this many rows per part of ``school_series`` (whole runs; at least one run per part)."""


def write_datasets(folder: str | Path, spec) -> Path:
    """Write the datasets of the complete sweep in ``folder`` (made from ``spec``) into ``folder/tables``."""
    folder = Path(folder)
    tables = read_tables(folder)
    keys = run_keys(tables["runs"], spec)
    series = tables["series"].merge(keys, on="run_id", how="left", validate="many_to_one")
    frames = {
        "runs": tables["runs"],
        "series": series,
        "schools": tables["schools"].merge(keys, on="run_id", how="left", validate="many_to_one"),
        "long": series.melt(id_vars=[c for c in series.columns if c not in spec.outcomes],
                            value_vars=list(spec.outcomes), var_name="measure", value_name="value"),
    }
    ledger = ResultFolder(folder).ledger()
    for name, frame in frames.items():
        ledger.write(f"tables/{name}/part-0.parquet", lambda temp, frame=frame: frame.to_parquet(temp, index=False))
    if spec.custom.school_series:
        _write_school_series(folder, spec, keys, ledger)
    ledger.write("tables/runs.csv", lambda temp: frames["runs"].to_csv(temp, index=False, float_format="%.10g"))
    ledger.save()
    return folder / "tables"


def _write_school_series(folder: Path, spec, keys: pd.DataFrame, ledger: Ledger) -> None:
    """The batches' per-school series in parts of whole runs, sorted by run, tick and school, factors joined.

    The parts depend only on the spec (not on which batch holds which run), so the dataset is the same
    for any number of workers.
    """
    schools = preset_params(spec.preset, dict(spec.fixed)).n_schools
    per_part = max(1, PART_ROWS // ((spec.ticks + 1) * schools))
    spans = []
    for batch in ResultFolder(folder).good_batches():
        ids = pd.read_parquet(batch / "runs.parquet", columns=["run_id"])["run_id"]
        spans.append((batch / "school_series.parquet", int(ids.min()), int(ids.max())))
    for part, start in enumerate(range(0, spec.run_count, per_part)):
        end = start + per_part
        pieces = [pd.read_parquet(path, filters=[("run_id", ">=", start), ("run_id", "<", end)])
                  for path, low, high in spans if low < end and high >= start]
        frame = pd.concat(pieces, ignore_index=True).sort_values(["run_id", "tick", "school"], kind="stable")
        frame = frame.merge(keys, on="run_id", how="left", validate="many_to_one")
        ledger.write(f"tables/school_series/part-{part:05d}.parquet",
                     lambda temp, frame=frame: frame.to_parquet(temp, index=False))

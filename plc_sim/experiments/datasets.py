"""Analysis-ready tables of a finished sweep: one Parquet dataset per table, factors on every row.

Batches stay the unit of resume; when every run is stored the sweep also writes ``tables/runs/``,
``tables/series/``, ``tables/schools/`` and ``tables/long/`` (one dataset folder each, read whole by
``pandas.read_parquet(folder)``, ``pyarrow.dataset.dataset(folder)`` or R's ``arrow::open_dataset(folder)``),
and ``tables/runs.csv``. Every row carries its run's ``point``, ``replication`` and the value of every varied
factor (levers and uncertainties too); ``long`` has one row per run, tick and measure (``measure``, ``value``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from plc_sim.experiments.analysis import read_tables

DATASETS = ("runs", "series", "schools", "long")


def write_datasets(folder: str | Path, spec) -> Path:
    """Write the datasets of the complete sweep in ``folder`` (made from ``spec``) into ``folder/tables``."""
    folder = Path(folder)
    tables = read_tables(folder)
    keys = tables["runs"][["run_id", "point", "replication", *spec.factor_names]]
    series = tables["series"].merge(keys, on="run_id", how="left", validate="many_to_one")
    frames = {
        "runs": tables["runs"],
        "series": series,
        "schools": tables["schools"].merge(keys, on="run_id", how="left", validate="many_to_one"),
        "long": series.melt(id_vars=[c for c in series.columns if c not in spec.outcomes],
                            value_vars=list(spec.outcomes), var_name="measure", value_name="value"),
    }
    out = folder / "tables"
    out.mkdir(exist_ok=True)
    for name, frame in frames.items():
        staging = out / f".{name}.staging"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        frame.to_parquet(staging / "part-0.parquet", index=False)
        shutil.rmtree(out / name, ignore_errors=True)
        staging.rename(out / name)
    frames["runs"].to_csv(out / "runs.csv", index=False, float_format="%.10g")
    return out

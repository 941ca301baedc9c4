"""One model run: simulate, then write tidy tables, provenance and a chart.

Output files are written into a temporary folder that replaces ``out`` only
when complete, so an interrupted or failed run leaves nothing half-written.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from plc_sim.core.files import staged_folder, write_json_atomic
from plc_sim.core.provenance import provenance
from plc_sim.experiments.execution.run_chart import run_chart
from simulation import Params, PLCModel, network_frame, persistence_table, school_frame
from simulation.measures import DIMENSIONS
from simulation.parameters import TICKS_PER_YEAR


def simulate(params: Params, seed: int, ticks: int, progress=None, interventions=()) -> PLCModel:
    """Build the model from ``params``, ``seed`` and ``interventions`` and run it for ``ticks`` ticks."""
    model = PLCModel(params=params, rng=seed, interventions=interventions)
    for _ in range(ticks):
        model.step()
        if progress is not None:
            progress(model.steps)
    return model


def write_table(frame: pd.DataFrame, stem: Path) -> None:
    """Write ``frame`` as Parquet and CSV beside each other (deterministic bytes for the same data)."""
    frame.to_parquet(stem.with_suffix(".parquet"), index=False)
    frame.to_csv(stem.with_suffix(".csv"), index=False, float_format="%.10g")


def write_run(model: PLCModel, out: Path, preset: str, ticks: int, overwrite: bool = False) -> dict[str, Path]:
    """Write the run's tables, events, provenance and chart into ``out`` atomically (see ``staged_folder``)."""
    out = Path(out)
    with staged_folder(out, "run", overwrite) as staging:
        network, schools = network_frame(model), school_frame(model)
        write_table(network, staging / "network")
        write_table(schools, staging / "schools")
        write_table(persistence_table(model), staging / "persistence")
        write_table(pd.DataFrame([e.as_row(model.p) for e in model.events],
                                 columns=["tick", "kind", "schools", "count", "of", "cause", "text"]),
                    staging / "events")
        run_chart(network, schools, model.p, staging / "chart.png",
                  title=f"plc-sim: {preset}, seed {model.seed_value}, {ticks // TICKS_PER_YEAR} years")
        write_json_atomic(staging / "provenance.json", provenance(
            command="run", preset=preset, seed=model.seed_value, ticks=ticks, parameters=model.p.as_dict(),
            replaced_rules=sorted(model.replaced_rules),
            interventions=[running.intervention.text() for running in model.interventions]))
    return {name: out / name for name in ("network.parquet", "schools.parquet", "chart.png", "provenance.json")}


def summary_lines(model: PLCModel) -> list[str]:
    """A short plain-text summary of a finished run."""
    network = network_frame(model)
    first, last = network.iloc[0], network.iloc[-1]
    persistence = persistence_table(model)
    decayed = persistence["decayed_ever"]
    year_ends = network[(network.tick % TICKS_PER_YEAR == 0) & (network.tick > 0)]
    lines = [
        f"ticks {model.steps} ({model.steps / TICKS_PER_YEAR:g} school years), {model.p.n_schools} schools x "
        f"{model.p.teachers_per_school} teachers",
        f"PLC health {first.health:.3f} -> {last.health:.3f}   "
        + "  ".join(f"{d.replace('_', ' ')} {last[d]:.2f}" for d in DIMENSIONS),
        f"knowledge {first.knowledge:.3f} -> {last.knowledge:.3f}   trust {first.trust:.3f} -> {last.trust:.3f}"
        f"   memory {first.memory:.3f} -> {last.memory:.3f}",
        f"communities formed: {int((~persistence.never_formed).sum())} of {len(decayed)}; that decayed: "
        f"{int(decayed.sum())}"
        + (f" (median first decay at tick {int(np.median(persistence.first_decay_tick[decayed]))})"
           if decayed.any() else "")
        + f"; decayed at the end: {int(persistence.decayed_at_end.sum())}",
    ]
    if len(year_ends):
        lines.append(f"mean annual teacher turnover {1 - year_ends.retention.mean():.1%}; "
                     f"principals who left: {int(last.principals_left)}")
    return lines

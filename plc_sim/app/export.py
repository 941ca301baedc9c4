"""The run as a CSV handout, in the page's numbers and words.

One row per month with what the page shows of it (percentages rounded as the page rounds them, the month as
"Year 2, March", the school year counted from 1), and one row per line of *What happened*, per shock and per
live change of a setting, under the month it belongs to. Both runs when comparing, each under its name.
"""

from __future__ import annotations

import pandas as pd

from plc_sim.app.frames import MEASURES, SETTING_MARK, History, chart_columns, log_lines, mark_list
from plc_sim.app.model import WorkshopModel
from simulation.calendar import school_time
from simulation.parameters import TICKS_PER_YEAR

MONTH = "month"
"""The ``row`` of a month's numbers (other rows: ``shock``, ``setting`` or the kind of event in words)."""

HEALTHY = "healthy communities"

COLUMNS: dict[str, str] = {
    **{f"{measure} {part}": f"{MEASURES[measure]}{words} (%)" for measure in MEASURES
       for part, words in (("mean", ""), ("low", ", weakest school"), ("high", ", strongest school"))},
}
"""Column titles of the chart's numbers, by measure and part (mean, low, high)."""


def school_year(tick: int) -> int:
    """The school year a month belongs to, from 1 (the start of the run belongs to year 1)."""
    return max(tick - 1, 0) // TICKS_PER_YEAR + 1


def run_table(model: WorkshopModel, history: History, name: str) -> pd.DataFrame:
    """One run's rows (call under the model's lock): a row per month, then a row per event, shock and change."""
    history.update()
    ticks = range(len(history.healthy))
    months = pd.DataFrame({"tick": list(ticks), "row": MONTH, "what": "", HEALTHY: history.healthy,
                           "communities": model.p.n_schools})
    for measure in MEASURES:
        for part, values in chart_columns(history.array(measure)).items():
            months[COLUMNS[f"{measure} {part}"]] = values
    # the log's lines (events and live changes) in its words, and each shock under its button's name
    said = [(line.tick, line.kind.replace("_", " "), line.text.removeprefix(f"{school_time(line.tick)}: "))
            for line in log_lines(model)]
    shocks = [(tick, "shock", label) for tick, label, kind in mark_list(model) if kind != SETTING_MARK]
    others = pd.DataFrame(sorted([*said, *shocks], key=lambda row: row[0]), columns=["tick", "row", "what"])
    table = pd.concat([months, others], ignore_index=True).sort_values("tick", kind="stable")
    table.insert(0, "scenario", name)
    table.insert(1, "seed", model.seed_value)
    table.insert(3, "when", [school_time(tick) for tick in table["tick"]])
    table.insert(4, "school year", [school_year(tick) for tick in table["tick"]])
    return table.reset_index(drop=True)


def csv_bytes(tables: list[pd.DataFrame]) -> bytes:
    """The runs' tables as one CSV (counts as whole numbers, empty cells for what a row does not have)."""
    table = pd.concat(tables, ignore_index=True)
    for column in (HEALTHY, "communities"):
        table[column] = table[column].astype("Int64")
    return table.to_csv(index=False).encode()

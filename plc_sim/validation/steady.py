"""Pattern 8: persistence at steady state: what happens around routine principal changes, and how long communities last.

Measured on the defaults after a burn-in, from the natural variation between schools and years (no designed
start, no scheduled shock): every principal change after the burn-in, and every community established at the
end of the burn-in.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from plc_sim.validation.common import yearly_means
from plc_sim.validation.core import Check, Expected, PatternResult, Runner, Setting, arm_tasks, by_arm
from plc_sim.validation.figures import check_panel, decorate, new_figure
from plc_sim.validation.stats import mean_ci
from simulation import PLCModel
from simulation.measures import SCHOOL_MEASURES
from simulation.parameters import TICKS_PER_YEAR as YEAR

STEADY_YEARS, STEADY_BURN_IN = 30, 8
SUSTAIN_YEARS = 3
AROUND = (-2, 5)
"""Years around a principal change that are read: two before the change's year end, five after."""
STEADY_EXPECTED = {
    "succession dip": Expected("health falls in the year after a change (difference < 0; Miller 2013)", below=0.0),
    "recovery after succession": Expected("health recovers in years 3-5 after the change (difference > 0; Miller "
                                          "2013, Béteille, Kalogrides & Loeb 2012)", above=0.0),
    "sustained 3 years": Expected("about a third to two thirds of established reforms last 3 years (Datnow 2005: "
                                  "5 of 13; Taylor 2006: two thirds)", above=0.3, below=0.75),
}
_DECAYED = SCHOOL_MEASURES.index("decayed")


def summarize_steady(model: PLCModel) -> dict:
    """Health around each principal change after the burn-in, and whether each established community lasted."""
    health = yearly_means(model, "health")
    before, after = AROUND
    windows = [health[year + before - 1:year + after, school] - health[year - 1, school]
               for event in model.events if event.kind == "principal_left" for school in event.schools
               for year in [event.tick // YEAR] if STEADY_BURN_IN <= year <= health.shape[0] - after]
    decayed = np.stack(model.datacollector.model_vars["schools"])[:, _DECAYED, :] > 0
    lasted, established = [], 0
    for start_year in range(STEADY_BURN_IN, health.shape[0] - SUSTAIN_YEARS + 1, SUSTAIN_YEARS):
        start, end = start_year * YEAR, (start_year + SUSTAIN_YEARS) * YEAR
        formed = (health[:start_year] >= model.p.formation_level).any(axis=0)  # the observer's rule, year by year
        cohort = formed & ~decayed[start]
        lasted.append(~decayed[start:end + 1].any(axis=0)[cohort])
        established += int(cohort.sum())
    lasted = np.concatenate(lasted)
    return {"windows": np.array(windows).reshape(-1, after - before + 1),
            "sustained": float(lasted.mean()) if lasted.size else np.nan, "established": established}


def pattern_steady(runner: Runner, setting: Setting, expect: Mapping[str, Expected] | None = None) -> PatternResult:
    """Pattern 8: at steady state, a dip and recovery around principal changes, and how long communities last."""
    expected = {**STEADY_EXPECTED, **(expect or {})}
    tasks = arm_tasks({"defaults": setting.params("baseline")}, setting.seeds(8), STEADY_YEARS * YEAR,
                      summarize_steady)
    runs = by_arm(tasks, runner.run(tasks, "8 steady state"))["defaults"]
    windows = [r["windows"] for r in runs]
    offset = -AROUND[0]
    dip = [w[:, offset + 1].mean() for w in windows]
    recovery = [(w[:, offset + 3:offset + 6].mean(axis=1) - w[:, offset + 1]).mean() for w in windows]
    checks = (
        Check("succession dip", *mean_ci(dip), "yearly health, year after the change - year of the change",
              expected["succession dip"]),
        Check("recovery after succession", *mean_ci(recovery), "yearly health, years 3-5 - year 1 after the change",
              expected["recovery after succession"]),
        Check("sustained 3 years", *mean_ci([r["sustained"] for r in runs]),
              f"share of communities established at a window's start not decayed {SUSTAIN_YEARS} years later",
              expected["sustained 3 years"]),
    )
    fig, axes = new_figure(2, "Pattern 8: persistence at steady state")
    pooled = np.concatenate(windows)
    years = np.arange(AROUND[0], AROUND[1] + 1)
    axes[0].errorbar(years, pooled.mean(axis=0), yerr=1.96 * pooled.std(axis=0, ddof=1) / np.sqrt(len(pooled)),
                     marker="o", capsize=3, label=f"{len(pooled)} principal changes")
    axes[0].axhline(0, color="grey", ls=":", lw=1)
    decorate(axes[0], "Health around a routine principal change", "years after the change's year end",
             "yearly health - the year of the change")
    check_panel(axes[1], checks, "Measured vs expected", "")
    return PatternResult(
        8, "steady", "Persistence at steady state",
        "At steady state, school health dips after a principal change and recovers within a few years, and a "
        "share of established communities lasts three years that is in the range of what reform studies find.",
        "Miller (2013); Béteille, Kalogrides & Loeb (2012); Datnow (2005); Taylor (2006); Giles & Hargreaves (2006)",
        f"Defaults (baseline preset), {STEADY_YEARS} years, {setting.replications} replications, burn-in "
        f"{STEADY_BURN_IN} years. Every principal change at a year end after the burn-in: the school's yearly mean "
        "health in the years around it, relative to the year of the change; dip = year +1, recovery = mean of "
        f"years +3 to +5 minus year +1 (means over changes within a replication, intervals over replications). "
        f"Sustained: the run after the burn-in is cut into {SUSTAIN_YEARS}-year windows; of the communities formed and "
        f"not decayed at a window's start, the share that do not decay in the window, pooled over windows (decay "
        "as in the ODD: yearly means against the "
        "school's own level, with a hysteresis band).",
        checks, fig,
        context={"principal changes measured": float(len(pooled)),
                 "established communities per replication, all windows":
                     float(np.mean([r["established"] for r in runs]))})

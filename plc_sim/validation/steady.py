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
from simulation.parameters import TICKS_PER_YEAR as YEAR

STEADY_YEARS, STEADY_BURN_IN = 30, 8
SUSTAIN_YEARS = 3
AROUND = (-2, 5)
"""Years around a principal change that are read: two before the change's year end, five after."""
STEADY_EXPECTED = {
    "succession dip": Expected("health falls in the year after a change (difference < 0; Miller 2013; a "
                                "direction: her sizes are in test-score units)", below=0.0),
    "recovery after succession": Expected("health recovers in years 3-5 after the change (difference > 0; Miller "
                                          "2013, Béteille, Kalogrides & Loeb 2012; a direction: test-score units)",
                                          above=0.0),
    "sustained 3 years": Expected("between 5 of 13 (Datnow 2005: sustained at moderate or high intensity after 3 "
                                  "years) and two thirds (Taylor 2006: kept the reform more than 3 years) of "
                                  "communities at a working stage are still at one 3 years later",
                                  above=5 / 13, below=2 / 3),
}


def summarize_steady(model: PLCModel) -> dict:
    """Health around each principal change after the burn-in, and whether each community at a working stage at a
    window's start is still at one three years later."""
    health = yearly_means(model, "health")
    before, after = AROUND
    windows = [health[year + before - 1:year + after, school] - health[year - 1, school]
               for event in model.events if event.kind == "principal_left" for school in event.schools
               for year in [event.tick // YEAR] if STEADY_BURN_IN <= year <= health.shape[0] - after]
    working = health[STEADY_BURN_IN:] >= model.p.implementing_level  # the implementing stage or above
    still = working[SUSTAIN_YEARS:][working[:-SUSTAIN_YEARS]]
    return {"windows": np.array(windows).reshape(-1, after - before + 1),
            "sustained": float(still.mean()) if still.size else np.nan, "established": int(still.size)}


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
              f"share of communities at a working stage still at one {SUSTAIN_YEARS} school years later",
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
        f"Sustained: of every school year after the burn-in in which a school is at a working stage (yearly mean "
        f"health at the implementing stage or above, ODD 6), the share in which it is still at one "
        f"{SUSTAIN_YEARS} school years later, pooled over schools and years; as Datnow (2005) read her 13 schools "
        "three years on (5 sustained at moderate or high intensity, 2 at very low levels, 6 ceased).",
        checks, fig,
        context={"principal changes measured": float(len(pooled)),
                 "school years at a working stage per replication, with three years after them":
                     float(np.mean([r["established"] for r in runs]))})

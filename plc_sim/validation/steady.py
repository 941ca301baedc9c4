"""Pattern 8: persistence at steady state: what happens around routine principal changes, and how long communities last.

Measured on the defaults after a burn-in, from the natural variation between schools and years (no designed
start, no scheduled shock): every principal change after the burn-in, and every community that forms after it,
followed for three years as the reform studies followed their schools.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from plc_sim.validation.common import yearly_means
from plc_sim.validation.core import Check, Expected, PatternResult, Runner, Setting, arm_tasks, by_arm
from plc_sim.validation.figures import check_panel, decorate, new_figure
from plc_sim.validation.stats import mean_ci, pooled_share
from simulation import PLCModel
from simulation.parameters import TICKS_PER_YEAR as YEAR

STEADY_YEARS, STEADY_BURN_IN = 30, 8
SUSTAIN_YEARS = 3
AROUND = (-2, 5)
"""Years around a principal change that are read: two before the change's year end, five after."""
AGE_CLASSES = {"in their forming year": (0, 0), "in their 2nd to 7th year": (1, 6), "older": (7, np.inf)}
"""The community's age, in school years since its latest forming, that the every-school-year share is split by."""
STEADY_EXPECTED = {
    "succession dip": Expected("health falls in the year after a change (difference < 0; Miller 2013; a "
                                "direction: her sizes are in test-score units)", below=0.0),
    "recovery after succession": Expected("health recovers in years 3-5 after the change (difference > 0; Miller "
                                          "2013, Béteille, Kalogrides & Loeb 2012; a direction: test-score units)",
                                          above=0.0),
    "sustained 3 years": Expected("between 5 of 13 (Datnow 2005: schools followed for 3 years of a reform, 5 "
                                  "sustained it at moderate or high intensity) and two thirds (Taylor 2006: kept "
                                  "the reform more than 3 years) of communities that form are still at a working "
                                  "stage 3 years later", above=5 / 13, below=2 / 3),
}


def summarize_steady(model: PLCModel) -> dict:
    """Health around each principal change after the burn-in; of each community that forms after the burn-in, whether
    it is still at a working stage three years later; and the same of every school year at a working stage, in all
    and by the community's age (``AGE_CLASSES``)."""
    health = yearly_means(model, "health")
    before, after = AROUND
    windows = [health[year + before - 1:year + after, school] - health[year - 1, school]
               for event in model.events if event.kind == "principal_left" for school in event.schools
               for year in [event.tick // YEAR] if STEADY_BURN_IN <= year <= health.shape[0] - after]
    working = health >= model.p.implementing_level  # the implementing stage or above
    formed = formation_years(model)
    followed = formed[(formed[:, 0] >= STEADY_BURN_IN) & (formed[:, 0] + SUSTAIN_YEARS < health.shape[0])]
    steady = working[STEADY_BURN_IN:]
    every_year = steady[SUSTAIN_YEARS:][steady[:-SUSTAIN_YEARS]]
    ages = community_ages(working, formed)[STEADY_BURN_IN:-SUSTAIN_YEARS]
    still_later = steady[SUSTAIN_YEARS:]
    by_age = [(int(still_later[in_class].sum()), int(in_class.sum()))
              for low, high in AGE_CLASSES.values()
              for in_class in [steady[:-SUSTAIN_YEARS] & (ages >= low) & (ages <= high)]]
    return {"windows": np.array(windows).reshape(-1, after - before + 1),
            "formed": len(followed), "still": int(working[followed[:, 0] + SUSTAIN_YEARS, followed[:, 1]].sum()),
            "every year": float(every_year.mean()) if every_year.size else np.nan, "by age": np.array(by_age)}


def formation_years(model: PLCModel) -> np.ndarray:
    """(year, school) of every community's forming: its first school year at a working stage, and each re-forming
    after a decay (ODD 6), from the model's own judgement (year 0 is ticks 1-10, judged at tick 10)."""
    first = [(tick // YEAR - 1, school) for school, tick in enumerate(model.observer.first_formed_tick) if tick >= 0]
    again = [(event.tick // YEAR - 1, school) for event in model.events if event.kind == "recovery"
             for school in event.schools]
    return np.array(first + again, dtype=np.int64).reshape(-1, 2)


def community_ages(working: np.ndarray, formed: np.ndarray) -> np.ndarray:
    """School years since each school's latest forming (0 in its forming year), for every (year, school) at a working
    stage; -1 where it is not at one. ``formed`` as ``formation_years`` gives it."""
    ages = np.full(working.shape, -1, dtype=np.int64)
    for year, school in sorted(map(tuple, formed)):
        ages[year:, school] = np.arange(working.shape[0] - year)
    ages[~working] = -1
    return ages


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
        Check("sustained 3 years", *pooled_share([r["still"] for r in runs], [r["formed"] for r in runs]),
              f"share of communities that formed still at a working stage {SUSTAIN_YEARS} school years later",
              expected["sustained 3 years"]),
    )
    by_age = np.sum([r["by age"] for r in runs], axis=0)
    every_year = [r["every year"] for r in runs if not np.isnan(r["every year"])]  # none in a short, small setting
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
        "At steady state, school health dips after a principal change and recovers within a few years, and of the "
        "communities that form, a share in the range reform studies found is still at a working stage three years on.",
        "Miller (2013); Béteille, Kalogrides & Loeb (2012); Datnow (2005); Taylor (2006); Giles & Hargreaves (2006)",
        f"Defaults (baseline preset), {STEADY_YEARS} years, {setting.replications} replications, burn-in "
        f"{STEADY_BURN_IN} years. Every principal change at a year end after the burn-in: the school's yearly mean "
        "health in the years around it, relative to the year of the change; dip = year +1, recovery = mean of "
        f"years +3 to +5 minus year +1 (means over changes within a replication, intervals over replications). "
        f"Sustained: of every community that forms after the burn-in (its first school year at a working stage, "
        f"the implementing stage or above, or its re-forming after a decay; ODD 6), the share still at a working "
        f"stage {SUSTAIN_YEARS} school years later, pooled over schools and replications (a bootstrap interval "
        "over replications); as Datnow (2005) read her 13 schools three years into their reform (5 sustained at "
        "moderate or high intensity, 2 at very low levels, 6 ceased). Followed from their forming, as the studies "
        "followed reforms through their early years: every school year at a working stage, whatever the community's "
        "age, is reported beside it (a sample that over-represents the long-lived).",
        checks, fig,
        context={"principal changes measured": float(len(pooled)),
                 "communities formed after the burn-in per replication, with three years after them":
                     float(np.mean([r["formed"] for r in runs])),
                 "every school year at a working stage, whatever its age: share still at one 3 years later":
                     float(np.mean(every_year)) if every_year else np.nan,
                 **{f"the same, of communities {age}": float(still / cases) if cases else np.nan
                    for age, (still, cases) in zip(AGE_CLASSES, by_age, strict=True)},
                 "share of those school years whose community is older":
                     float(by_age[-1, 1] / by_age[:, 1].sum()) if by_age[:, 1].sum() else np.nan})

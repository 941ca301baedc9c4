"""Patterns 1, 2 and 4 the model is validated against (pattern-oriented modelling, Grimm et al. 2005); 3 is in
:mod:`plc_sim.validation.trust`, 5-7 in :mod:`plc_sim.validation.resilience` and 8 in
:mod:`plc_sim.validation.steady` (re-exported here).

Each ``pattern_*`` function runs its arms with common random numbers on a :class:`Runner`, measures the
pattern, and returns a :class:`PatternResult`: the checks (effect, 95% CI, expected interval, source) and a
figure. ``expect`` replaces the literature's expectations by name, which is how a test shows that a failing
pattern fails the command; the expectations below are the ones the report holds the model to.

Summaries (``summarize_*``) run inside the workers and return a few numbers or small arrays per run.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from plc_sim.core.stats import kaplan_meier
from plc_sim.validation.common import (
    RECOVERY_DEFINITION,
    YEAR,
    check,
    expectations,
    regain_panel,
    spell_context,
    summarize_schools,
)
from plc_sim.validation.core import (
    Check,
    Expected,
    PatternResult,
    Runner,
    Setting,
    arm_tasks,
    by_arm,
)
from plc_sim.validation.figures import check_panel, decorate, mean_band, new_figure
from plc_sim.validation.resilience import pattern_inquiry, pattern_memory, pattern_networks
from plc_sim.validation.stats import (
    mean_ci,
    median_with_ci,
    paired_difference,
    restricted_mean,
    years_to_regain,
)
from plc_sim.validation.steady import pattern_steady
from plc_sim.validation.trust import pattern_trust
from simulation import PLCModel, network_frame

__all__ = ["pattern_inquiry", "pattern_memory", "pattern_networks", "pattern_steady", "pattern_subcultures",
           "pattern_succession", "pattern_trust", "pattern_turnover"]


# --- 1. turnover ---------------------------------------------------------------------------------------------

TURNOVER_YEARS = 25
TURNOVER_BURN_IN = 2
TURNOVER_EXPECTED = {
    "teacher turnover": Expected("14-18% a year (NCES TFS 2012-13: 84.3% stay)", above=0.14, below=0.18),
    "principal turnover": Expected("15-22% a year (NCES PFS 2016-17: 82% stay)", above=0.15, below=0.22),
    "median principal tenure": Expected("3-6 years", above=3.0, below=6.0),
}


def summarize_turnover(model: PLCModel) -> dict:
    """Annual teacher turnover after the burn-in, principal departures per school-year, principal spells."""
    frame = network_frame(model)
    year_ends = frame[(frame.tick % YEAR == 0) & (frame.tick > TURNOVER_BURN_IN * YEAR)]
    arrivals: dict[int, int] = {}
    durations, observed, departures = [], [], 0
    for event in (e for e in model.events if e.kind == "principal_left"):
        for school in event.schools:
            departures += 1
            if school in arrivals:  # a spell that began during the run: its whole length is known
                durations.append((event.tick - arrivals[school]) / YEAR)
                observed.append(True)
            arrivals[school] = event.tick
    for start in arrivals.values():  # still in post at the end: censored
        durations.append((model.steps - start) / YEAR)
        observed.append(False)
    return {"teacher": float(1 - year_ends["retention"].mean()),
            "teacher_by_year": (1 - frame.loc[(frame.tick % YEAR == 0) & (frame.tick > 0), "retention"]).to_numpy(),
            "principal": departures / (model.p.n_schools * model.steps / YEAR),
            "durations": np.array(durations), "observed": np.array(observed, dtype=bool)}


def pattern_turnover(runner: Runner, setting: Setting, expect: Mapping[str, Expected] | None = None) -> PatternResult:
    """Pattern 1: annual teacher turnover 14-18%, principal turnover 15-22%, median principal tenure 3-6 years."""
    expected = expectations(TURNOVER_EXPECTED, expect)
    seeds = setting.seeds(1)
    tasks = arm_tasks({"default": setting.params()}, seeds, TURNOVER_YEARS * YEAR,
                      summarize_turnover)
    runs = by_arm(tasks, runner.run(tasks, "1 turnover"))["default"]
    durations = np.concatenate([r["durations"] for r in runs])
    observed = np.concatenate([r["observed"] for r in runs])
    checks = (
        check("teacher turnover", mean_ci([r["teacher"] for r in runs]), "share a year", expected["teacher turnover"]),
        check("principal turnover", mean_ci([r["principal"] for r in runs]), "share a year",
              expected["principal turnover"]),
        check("median principal tenure", median_with_ci(durations, observed), "years",
              expected["median principal tenure"]),
    )
    fig, axes = new_figure(3, "Pattern 1: turnover of teachers and principals under the defaults")
    by_year = np.array([r["teacher_by_year"] for r in runs]) * 100
    years = np.arange(1, by_year.shape[1] + 1)
    mean_band(axes[0], years, by_year, "teachers who left (%)")
    axes[0].axhspan(14, 18, color="tab:green", alpha=0.15, label="NCES TFS range 14-18%")
    axes[0].axvline(TURNOVER_BURN_IN + 0.5, color="grey", ls=":", lw=1, label="end of burn-in")
    decorate(axes[0], "Annual teacher turnover", "school year", "teachers who left (% a year)")
    axes[0].set_ylim(0, 30)
    km = kaplan_meier(durations, observed)
    axes[1].step(km["time"], km["survival"], where="post", color="tab:blue", label="still in post (Kaplan-Meier)")
    axes[1].fill_between(km["time"], km["low"], km["high"], step="post", color="tab:blue", alpha=0.2, lw=0,
                         label="95% CI")
    axes[1].axhline(0.5, color="grey", ls=":", lw=1)
    axes[1].axvspan(3, 6, color="tab:green", alpha=0.15, label="expected median 3-6 years")
    decorate(axes[1], f"Tenure of principals who arrived during the run (n={durations.size})",
             "years in post", "share still in post")
    pct = [c for c in checks if c.unit == "share a year"]
    check_panel(axes[2], [Check(c.name, 100 * c.effect, 100 * c.low, 100 * c.high, "% a year",
                                Expected(c.expected.text, 100 * c.expected.above, 100 * c.expected.below))
                          for c in pct], "Measured vs expected", "% a year")
    return PatternResult(
        1, "turnover", "Calibrated turnover of teachers and principals",
        "Default annual teacher turnover is 14-18%, principal turnover 15-22%, and the median principal tenure "
        "3-6 years.",
        "NCES Teacher Follow-up Survey 2012-13 (84.3% stay); NCES Principal Follow-up Survey 2016-17 (82% stay)",
        f"Default parameters (baseline preset), {TURNOVER_YEARS} years, {setting.replications} replications. "
        f"Teacher turnover: mean share of teachers leaving at a year end, years {TURNOVER_BURN_IN + 1}-"
        f"{TURNOVER_YEARS} (the first {TURNOVER_BURN_IN} years are burn-in, as tenures start drawn). Principal "
        "turnover: departures per school-year. Principal tenure: the model draws the first principals' tenure "
        "at random (0-7 years), so only spells of principals who *arrived during the run* are measured, as "
        "completed tenures (Kaplan-Meier, those still in post at the end are censored); the interval is where "
        "the 95% band of the survival curve crosses one half.",
        checks, fig, context={"principal spells": float(durations.size)})


# --- 2. succession -------------------------------------------------------------------------------------------

SUCCESSION_HELD, SUCCESSION_SHARED = 0.1, 0.9
SUCCESSION_HORIZON = 12
SUCCESSION_REGAINED = 0.5
"""Share of its loss a network regains to count as recovering after its champion left. The departure is for good,
so the level she held is not one a school must return to: resilience studies read recovery to a new stable level
(Francis & Bekera 2014) and measure it as recovery over loss (Henry & Ramirez-Marquez 2012); one half, a half-life,
is a convention, not a source's value. Full return is reported beside it."""
SUCCESSION_EXPECTED = {
    "health kept": Expected("distributed keeps more (difference > 0; a direction: Hargreaves and Halverson & Spillane "
                                   "report case studies, no size)", above=0.0),
    "recovery time": Expected("distributed recovers sooner (difference > 0; a direction: case studies, no size)",
                              above=0.0),
}

def pattern_succession(runner: Runner, setting: Setting,
                       expect: Mapping[str, Expected] | None = None) -> PatternResult:
    """Pattern 2: after a champion principal leaves, distributed leadership keeps more health and recovers sooner."""
    expected = expectations(SUCCESSION_EXPECTED, expect)
    leaves = setting.params("champion-leaves").principal_leaves_tick
    ticks, labels = leaves + SUCCESSION_HORIZON * YEAR, ("held", "distributed")
    arms = {}
    for label, share in zip(labels, (SUCCESSION_HELD, SUCCESSION_SHARED), strict=True):
        base = {"leadership_distribution": share}
        arms[f"{label} leaves"] = setting.params("champion-leaves", base)
        # The champion stays past the horizon: with no departure at all (-1) no school would have a champion.
        arms[f"{label} stays"] = setting.params("champion-leaves", {**base, "principal_leaves_tick": ticks + 1})
    tasks = arm_tasks(arms, setting.seeds(2), ticks, summarize_schools)
    runs = by_arm(tasks, runner.run(tasks, "2 succession"))
    health = {arm: np.array([r["health"].mean(axis=1) for r in rows]) for arm, rows in runs.items()}
    before, second_year = slice(leaves - YEAR, leaves), slice(leaves + YEAR, leaves + 2 * YEAR)
    kept = {label: health[f"{label} leaves"][:, second_year].mean(axis=1)
            / health[f"{label} leaves"][:, before].mean(axis=1) for label in labels}
    counterfactual_kept = {label: health[f"{label} leaves"][:, second_year].mean(axis=1)
                           / health[f"{label} stays"][:, second_year].mean(axis=1) for label in labels}
    regain = {label: years_to_regain(health[f"{label} leaves"].T, leaves, SUCCESSION_HORIZON * YEAR,
                                     SUCCESSION_REGAINED) for label in labels}
    back = {label: years_to_regain(health[f"{label} leaves"].T, leaves, SUCCESSION_HORIZON * YEAR)
            for label in labels}
    checks = (
        check("health kept", paired_difference(kept["distributed"], kept["held"]),
              "share of pre-departure health kept in year 2, distributed - held", expected["health kept"]),
        check("recovery time", paired_difference(regain["held"], regain["distributed"]),
              f"years to regain half the loss from the trough to the pre-departure level (capped at "
              f"{SUCCESSION_HORIZON}), held - distributed",
              expected["recovery time"]),
    )
    fig, axes = new_figure(3, f"Pattern 2: a champion principal leaves (year {leaves // YEAR})")
    years = np.arange(ticks + 1) / YEAR
    colors = {"held": "tab:red", "distributed": "tab:blue"}
    for label in labels:
        mean_band(axes[0], years, health[f"{label} leaves"], f"{label} leadership, champion leaves", colors[label])
        mean_band(axes[0], years, health[f"{label} stays"], f"{label} leadership, champion stays", colors[label],
                  ls="--")
        decayed = np.array([r["decayed"].mean(axis=1) for r in runs[f"{label} leaves"]])
        mean_band(axes[1], years, decayed, f"{label} leadership", colors[label])
    for ax in axes[:2]:
        ax.axvline(leaves / YEAR, color="grey", ls=":", lw=1, label="champion leaves")
    decorate(axes[0], "PLC health, network mean", "school year", "health (0-1)")
    decorate(axes[1], "Share of communities in a decayed state", "school year", "share of schools")
    regain_panel(axes[2], regain, colors, SUCCESSION_HORIZON, "years since the champion left",
                 "Half the loss regained (after the trough)", dashed=back,
                 dashed_label="back at the pre-departure level")
    return PatternResult(
        2, "succession", "Distributed leadership survives the champion's departure",
        "After a champion principal leaves, communities with distributed leadership keep more of their health and "
        "recover sooner than those where leadership was held by the principal.",
        "Hargreaves (2007, sustainability: depth, length, breadth); Halverson & Spillane (2007); recovery read as "
        "Henry & Ramirez-Marquez (2012) and Francis & Bekera (2014) measure it",
        f"Preset champion-leaves (strong principal, 0.9 support and focus, leaves at tick {leaves}, ordinary "
        f"successor, no routine principal turnover), leadership_distribution {SUCCESSION_HELD} (held) vs "
        f"{SUCCESSION_SHARED} (distributed). {setting.replications} replications, {SUCCESSION_HORIZON} years after "
        "the departure. Health kept: mean network health in the second year after the departure as a share of its "
        f"mean in the year before. {RECOVERY_DEFINITION} The champion is gone for good, so the level she held is "
        "not one the school must return to: the check reads recovery as regaining half the loss, from the trough "
        "back to the pre-departure level (recovery over loss, Henry & Ramirez-Marquez 2012; recovery to a new "
        "stable level, Francis & Bekera 2014; one half is a convention). Full return is in the context and the "
        "last panel's dashed lines. Each arm is also run with the champion staying past the horizon (same seeds): "
        "the dashed counterfactual in the first panel.",
        checks, fig, context=spell_context(runs, labels, " leaves", leaves)
        | {f"{label}: share of the counterfactual's health in year 2": float(counterfactual_kept[label].mean())
           for label in labels}
        | {f"{label}: share of replications back at the pre-departure level":
           float((back[label] < SUCCESSION_HORIZON).mean()) for label in labels}
        | {f"{label}: years to regain the pre-departure level (capped at {SUCCESSION_HORIZON})":
           float(back[label].mean()) for label in labels})


# --- 4. primary vs secondary -----------------------------------------------------------------------------------

SUBCULTURE_YEARS = 20
SUBCULTURE_BURN_IN = 1
SUBCULTURE_EXPECTED = {
    "health gap": Expected("primary healthier (difference > 0; a direction: Louis, Marks & Kruse's scale is not the "
                           "model's index)", above=0.0),
    "persistence gap": Expected("primary persists longer (difference > 0; a direction: no source measures PLC "
                                "lifetimes by school type)", above=0.0),
}


def summarize_subculture(model: PLCModel) -> dict:
    """Network health series and each school's years until its community first decayed (horizon if never)."""
    frame = network_frame(model)
    decay = model.observer.first_decay_tick
    years_to_decay = np.where(decay >= 0, decay / YEAR, model.steps / YEAR)
    return {"health": frame["health"].to_numpy(np.float32), "years_to_decay": years_to_decay,
            "trust": float(frame["trust"][SUBCULTURE_BURN_IN * YEAR:].mean())}


def pattern_subcultures(runner: Runner, setting: Setting,
                        expect: Mapping[str, Expected] | None = None) -> PatternResult:
    """Pattern 4: secondary schools with department subcultures have weaker, less persistent communities."""
    expected = expectations(SUBCULTURE_EXPECTED, expect)
    arms = {kind: setting.params("baseline", {"school_type": kind})
            for kind in ("primary", "secondary")}
    tasks = arm_tasks(arms, setting.seeds(4), SUBCULTURE_YEARS * YEAR, summarize_subculture)
    runs = by_arm(tasks, runner.run(tasks, "4 subcultures"))
    health = {kind: np.array([r["health"] for r in rows]) for kind, rows in runs.items()}
    level = {kind: h[:, SUBCULTURE_BURN_IN * YEAR + 1:].mean(axis=1) for kind, h in health.items()}
    survival = {kind: np.array([restricted_mean(r["years_to_decay"], SUBCULTURE_YEARS) for r in rows])
                for kind, rows in runs.items()}
    checks = (
        check("health gap", paired_difference(level["primary"], level["secondary"]),
              "mean health, primary - secondary", expected["health gap"]),
        check("persistence gap", paired_difference(survival["primary"], survival["secondary"]),
              "restricted mean years to decay, primary - secondary", expected["persistence gap"]),
    )
    fig, axes = new_figure(2, "Pattern 4: primary schools vs secondary schools with department subcultures")
    years = np.arange(SUBCULTURE_YEARS * YEAR + 1) / YEAR
    colors = {"primary": "tab:green", "secondary": "tab:purple"}
    for kind in ("primary", "secondary"):
        mean_band(axes[0], years, health[kind], kind, colors[kind])
        pooled = np.concatenate([r["years_to_decay"] for r in runs[kind]])
        grid = np.linspace(0, SUBCULTURE_YEARS, 201)
        axes[1].plot(grid, [((pooled > t) | (pooled >= SUBCULTURE_YEARS)).mean() for t in grid], color=colors[kind],
                     label=kind)
    axes[0].axhline(setting.params().implementing_level, color="red", ls="--", lw=1,
                    label="implementing stage (formed)")
    decorate(axes[0], "PLC health, network mean", "school year", "health (0-1)")
    decorate(axes[1], "Communities not yet decayed (all schools pooled)", "school year", "share of communities")
    axes[1].set_ylim(0, 1.02)
    return PatternResult(
        4, "subcultures", "Department subcultures weaken whole-school communities",
        "Secondary schools with strong department subcultures have weaker, less persistent whole-school "
        "communities than primary schools.",
        "Talbert & McLaughlin (2007); Louis, Marks & Kruse (1996): professional community is weaker in high "
        "schools than in elementary schools",
        f"Default parameters with school_type primary vs secondary (departments {arms['secondary'].departments}, "
        f"cross_department_contact {arms['secondary'].cross_department_contact}), {SUBCULTURE_YEARS} years, "
        f"{setting.replications} replications. Health: mean network health after a {SUBCULTURE_BURN_IN}-year "
        "warm-up. Persistence: each school's years until its community first decays, restricted to the "
        "horizon (never = the horizon), averaged over schools.",
        checks, fig,
        context={f"{kind}: mean health": float(v.mean()) for kind, v in level.items()}
        | {f"{kind}: mean trust": float(np.mean([r['trust'] for r in rows])) for kind, rows in runs.items()})

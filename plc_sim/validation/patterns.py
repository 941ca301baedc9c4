"""The seven documented patterns the model is validated against (pattern-oriented modelling, Grimm et al. 2005).

Each ``pattern_*`` function runs its arms with common random numbers on a :class:`Runner`, measures the
pattern, and returns a :class:`PatternResult`: the checks (effect, 95% CI, expected interval, source) and a
figure. ``expect`` replaces the literature's expectations by name, which is how a test shows that a failing
pattern fails the command; the expectations below are the ones the report holds the model to.

Summaries (``summarize_*``) run inside the workers and return a few numbers or small arrays per run.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from plc_sim.experiments.analysis import kaplan_meier
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
from plc_sim.validation.stats import (
    bootstrap_ratio,
    half_recovery_years,
    mean_ci,
    median_with_ci,
    paired_difference,
    recovery_spells,
    restricted_mean,
    years_to_regain,
)
from simulation import PLCModel, network_frame, school_frame
from simulation.measures import SCHOOL_MEASURES
from simulation.parameters import TICKS_PER_YEAR

YEAR = TICKS_PER_YEAR
"""Ticks in a school year, for readable tick arithmetic."""
_HEALTH, _DECAYED = SCHOOL_MEASURES.index("health"), SCHOOL_MEASURES.index("decayed")


def _expectations(defaults: dict[str, Expected], expect: Mapping[str, Expected] | None) -> dict[str, Expected]:
    unknown = set(expect or {}) - set(defaults)
    if unknown:
        raise ValueError(f"expect: {', '.join(sorted(unknown))} not a check of this pattern; "
                         f"checks are {', '.join(defaults)}")
    return {**defaults, **(expect or {})}


def _check(name: str, estimate: tuple[float, float, float], unit: str, expected: Expected) -> Check:
    return Check(name, *(float(v) for v in estimate), unit=unit, expected=expected)


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
    expected = _expectations(TURNOVER_EXPECTED, expect)
    seeds = setting.seeds(1)
    tasks = arm_tasks({"default": setting.params()}, seeds, TURNOVER_YEARS * YEAR,
                      summarize_turnover)
    runs = by_arm(tasks, runner.run(tasks, "1 turnover"))["default"]
    durations = np.concatenate([r["durations"] for r in runs])
    observed = np.concatenate([r["observed"] for r in runs])
    checks = (
        _check("teacher turnover", mean_ci([r["teacher"] for r in runs]), "share a year", expected["teacher turnover"]),
        _check("principal turnover", mean_ci([r["principal"] for r in runs]), "share a year",
               expected["principal turnover"]),
        _check("median principal tenure", median_with_ci(durations, observed), "years",
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
SUCCESSION_EXPECTED = {
    "health kept": Expected("distributed keeps more (difference > 0)", above=0.0),
    "recovery time": Expected("distributed recovers sooner (difference > 0)", above=0.0),
}
RECOVERY_DEFINITION = (
    "Recovery is read from the mean health of the affected schools of each replication, as a one-year trailing "
    "mean: they *recover* when, after the shock's worst point (the lowest value in the first three years), their "
    "health is back at its mean of the year before the shock. Years are counted from the shock and capped at the "
    "horizon (never = the horizon, a restricted mean). Group means are used because one school's yearly health "
    "is noisy enough to cross its old level by chance while it is still sliding.")


def summarize_schools(model: PLCModel) -> dict:
    """Every school's health and decayed flag at every tick (small arrays: ticks x schools)."""
    tables = np.stack(model.datacollector.model_vars["schools"])
    return {"health": tables[:, _HEALTH, :].astype(np.float32), "decayed": tables[:, _DECAYED, :] > 0}


def pattern_succession(runner: Runner, setting: Setting,
                       expect: Mapping[str, Expected] | None = None) -> PatternResult:
    """Pattern 2: after a champion principal leaves, distributed leadership keeps more health and recovers sooner."""
    expected = _expectations(SUCCESSION_EXPECTED, expect)
    leaves = setting.params("champion-leaves").principal_leaves_tick
    ticks, labels = leaves + SUCCESSION_HORIZON * YEAR, ("held", "distributed")
    arms = {}
    for label, share in zip(labels, (SUCCESSION_HELD, SUCCESSION_SHARED), strict=True):
        base = {"leadership_distribution": share}
        arms[f"{label} leaves"] = setting.params("champion-leaves", base)
        arms[f"{label} stays"] = setting.params("champion-leaves", {**base, "principal_leaves_tick": -1})
    tasks = arm_tasks(arms, setting.seeds(2), ticks, summarize_schools)
    runs = by_arm(tasks, runner.run(tasks, "2 succession"))
    health = {arm: np.array([r["health"].mean(axis=1) for r in rows]) for arm, rows in runs.items()}
    before, second_year = slice(leaves - YEAR, leaves), slice(leaves + YEAR, leaves + 2 * YEAR)
    kept = {label: health[f"{label} leaves"][:, second_year].mean(axis=1)
            / health[f"{label} leaves"][:, before].mean(axis=1) for label in labels}
    counterfactual_kept = {label: health[f"{label} leaves"][:, second_year].mean(axis=1)
                           / health[f"{label} stays"][:, second_year].mean(axis=1) for label in labels}
    regain = {label: years_to_regain(health[f"{label} leaves"].T, leaves, SUCCESSION_HORIZON * YEAR)
              for label in labels}
    checks = (
        _check("health kept", paired_difference(kept["distributed"], kept["held"]),
               "share of pre-departure health kept in year 2, distributed - held", expected["health kept"]),
        _check("recovery time", paired_difference(regain["held"], regain["distributed"]),
               f"years to regain the pre-departure level (capped at {SUCCESSION_HORIZON}), held - distributed",
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
    regain_panel(axes[2], regain, colors, SUCCESSION_HORIZON, "years since the champion left")
    return PatternResult(
        2, "succession", "Distributed leadership survives the champion's departure",
        "After a champion principal leaves, communities with distributed leadership keep more of their health and "
        "recover sooner than those where leadership was held by the principal.",
        "Hargreaves (2007, sustainability: depth, length, breadth); Halverson & Spillane (2007)",
        f"Preset champion-leaves (strong principal, 0.9 support and focus, leaves at tick {leaves}, ordinary "
        f"successor, no routine principal turnover), leadership_distribution {SUCCESSION_HELD} (held) vs "
        f"{SUCCESSION_SHARED} (distributed). {setting.replications} replications, {SUCCESSION_HORIZON} years after "
        "the departure. Health kept: mean network health in the second year after the departure as a share of its "
        f"mean in the year before. {RECOVERY_DEFINITION} Each arm is also run with the champion staying (same "
        "seeds): the dashed counterfactual in the figure.",
        checks, fig, context=_spell_context(runs, labels, " leaves", leaves)
        | {f"{label}: share of the counterfactual's health in year 2": float(counterfactual_kept[label].mean())
           for label in labels}
        | {f"{label}: share of replications back at the pre-departure level":
           float((regain[label] < SUCCESSION_HORIZON).mean()) for label in labels})


def _spell_context(runs: Mapping[str, list], labels, suffix: str, shock_tick: int) -> dict[str, float]:
    """How many communities were decayed after the shock, and the share of those the model declared recovered."""
    context = {}
    for label in labels:
        spells = [recovery_spells(r["decayed"], shock_tick) for r in runs[f"{label}{suffix}"]]
        recovered = np.concatenate([spell[1] for spell in spells])
        context[f"{label}: communities decayed after the shock"] = float(recovered.size)
        context[f"{label}: share of those the model declared recovered"] = (
            float(recovered.mean()) if recovered.size else np.nan)
    return context


def regain_panel(ax, regain: Mapping[str, np.ndarray], colors: Mapping[str, str], horizon: int, xlabel: str) -> None:
    """Share of replications whose schools are back at their pre-shock level, by years since the shock, per arm."""
    grid = np.linspace(0, horizon, 8 * horizon + 1)
    for label, years in regain.items():
        back = [float(((years < horizon) & (years <= t)).mean()) for t in grid]
        ax.step(grid, back, where="post", color=colors[label], label=f"{label} ({years.size} replications)")
    ax.set_ylim(0, 1.02)
    decorate(ax, "Back at the pre-shock health level (after the trough)", xlabel, "share of replications")


# --- 3. relational trust -------------------------------------------------------------------------------------

TRUST_LOW, TRUST_HIGH = 0.2, 0.6
TRUST_YEARS = 5
TRUST_EXPECTED = {
    "improvement ratio": Expected("several times as likely: ratio > 2 (Bryk & Schneider: 1 in 2 vs 1 in 7)",
                                  above=2.0),
}


def summarize_trust(model: PLCModel) -> dict:
    """Share of schools that sustained their community (never decayed) and improved practice (knowledge)."""
    frame = school_frame(model)
    first, last = frame[frame.tick == 0].set_index("school"), frame[frame.tick == model.steps].set_index("school")
    sustained = ~frame.groupby("school")["decayed"].max().astype(bool)
    improved = last["knowledge"] > first["knowledge"]
    return {"sustain_improve": float((sustained & improved).mean()), "sustained": float(sustained.mean()),
            "improved": float(improved.mean()), "trust_end": float(last["trust"].mean())}


def pattern_trust(runner: Runner, setting: Setting, expect: Mapping[str, Expected] | None = None) -> PatternResult:
    """Pattern 3: high-trust schools are several times more likely to sustain and improve than low-trust ones."""
    expected = _expectations(TRUST_EXPECTED, expect)
    arms = {label: setting.params("baseline", {"initial_trust": trust})
            for label, trust in (("low trust", TRUST_LOW), ("high trust", TRUST_HIGH))}
    tasks = arm_tasks(arms, setting.seeds(3), TRUST_YEARS * YEAR, summarize_trust)
    runs = by_arm(tasks, runner.run(tasks, "3 trust"))
    share = {arm: np.array([r["sustain_improve"] for r in rows]) for arm, rows in runs.items()}
    ratio = bootstrap_ratio(share["high trust"], share["low trust"])
    checks = (_check("improvement ratio", ratio, "P(high) / P(low)", expected["improvement ratio"]),)
    fig, axes = new_figure(2, f"Pattern 3: relational trust and improvement over {TRUST_YEARS} years")
    labels = ["sustained\n(never decayed)", "improved\npractice", "sustained and\nimproved"]
    keys = ["sustained", "improved", "sustain_improve"]
    for offset, (arm, color) in zip((-0.2, 0.2), (("low trust", "tab:red"), ("high trust", "tab:blue")), strict=True):
        estimates = [mean_ci([r[key] for r in runs[arm]]) for key in keys]
        means = np.array([e[0] for e in estimates])
        err = np.array([[e[0] - e[1] for e in estimates], [e[2] - e[0] for e in estimates]])
        trust = TRUST_LOW if arm == "low trust" else TRUST_HIGH
        axes[0].bar(np.arange(3) + offset, means, width=0.4, yerr=err, capsize=4, color=color, alpha=0.8,
                    label=f"{arm} (initial trust {trust})")
    axes[0].set_xticks(range(3), labels, fontsize=8)
    axes[0].set_ylim(0, 1)
    decorate(axes[0], "Share of schools (mean over replications, 95% CI)", "outcome", "share of schools")
    check_panel(axes[1], checks, "Ratio of chances, high vs low trust", "ratio (1 = no difference)")
    axes[1].axvline(1, color="grey", ls=":", lw=1)
    axes[1].axvline(0.5 / (1 / 7), color="black", ls="--", lw=1, label="Bryk & Schneider 3.5")
    axes[1].legend(fontsize=7)
    return PatternResult(
        3, "trust", "Relational trust is a core resource for improvement",
        "Schools starting with high relational trust are several times more likely to sustain and improve their "
        "community than low-trust schools.",
        "Bryk & Schneider (2002), Trust in Schools: 1 in 2 high-trust vs 1 in 7 low-trust schools improved",
        f"Default parameters with initial_trust {TRUST_LOW} (low) vs {TRUST_HIGH} (high), {TRUST_YEARS} years "
        f"(about the span of Bryk & Schneider's study), {setting.replications} replications. A school *sustains "
        "and improves* when its community never decays in the five years and its teachers' mean knowledge and practice "
        "quality (the model's proxy for what reaches students) ends above where it started. Ratio of the two "
        "arms' mean shares, with a paired bootstrap interval over replications.",
        checks, fig,
        context={f"{arm}: share sustained and improved": float(v.mean()) for arm, v in share.items()}
        | {f"{arm}: trust after {TRUST_YEARS} years": float(np.mean([r["trust_end"] for r in rows]))
           for arm, rows in runs.items()})


# --- 4. primary vs secondary -----------------------------------------------------------------------------------

SUBCULTURE_YEARS = 20
SUBCULTURE_BURN_IN = 1
SUBCULTURE_EXPECTED = {
    "health gap": Expected("primary healthier (difference > 0)", above=0.0),
    "persistence gap": Expected("primary persists longer (difference > 0)", above=0.0),
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
    expected = _expectations(SUBCULTURE_EXPECTED, expect)
    arms = {kind: setting.params("baseline", {"school_type": kind})
            for kind in ("primary", "secondary")}
    tasks = arm_tasks(arms, setting.seeds(4), SUBCULTURE_YEARS * YEAR, summarize_subculture)
    runs = by_arm(tasks, runner.run(tasks, "4 subcultures"))
    health = {kind: np.array([r["health"] for r in rows]) for kind, rows in runs.items()}
    level = {kind: h[:, SUBCULTURE_BURN_IN * YEAR + 1:].mean(axis=1) for kind, h in health.items()}
    survival = {kind: np.array([restricted_mean(r["years_to_decay"], SUBCULTURE_YEARS) for r in rows])
                for kind, rows in runs.items()}
    checks = (
        _check("health gap", paired_difference(level["primary"], level["secondary"]),
               "mean health, primary - secondary", expected["health gap"]),
        _check("persistence gap", paired_difference(survival["primary"], survival["secondary"]),
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
    axes[0].axhline(setting.params().formation_level, color="red", ls="--", lw=1, label="formation level")
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


# --- 5. congenial collaboration vs inquiry ------------------------------------------------------------------------

INQUIRY_YEARS = 20
INQUIRY_FOCUS = 0.9
NO_GAIN_MARGIN = 0.01
INQUIRY_EXPECTED = {
    "congenial vs alone": Expected(f"no gain: difference < {NO_GAIN_MARGIN} (may be negative)", below=NO_GAIN_MARGIN),
    "inquiry vs alone": Expected("focused inquiry gains (difference > 0)", above=0.0),
}


def summarize_knowledge(model: PLCModel) -> np.ndarray:
    """Network mean knowledge at every tick."""
    return network_frame(model)["knowledge"].to_numpy(np.float32)


def pattern_inquiry(runner: Runner, setting: Setting, expect: Mapping[str, Expected] | None = None) -> PatternResult:
    """Pattern 5: congenial talk gains nothing over working alone (or loses ground); focused inquiry gains."""
    expected = _expectations(INQUIRY_EXPECTED, expect)
    arms = {
        "alone": setting.params("congenial-collaboration", {"conversations_per_tick": 0}),
        "congenial": setting.params("congenial-collaboration"),
        "focused inquiry": setting.params("congenial-collaboration",
                                          {"inquiry_focus": INQUIRY_FOCUS}),
    }
    tasks = arm_tasks(arms, setting.seeds(5), INQUIRY_YEARS * YEAR, summarize_knowledge)
    series = {arm: np.array(rows) for arm, rows in by_arm(tasks, runner.run(tasks, "5 inquiry")).items()}
    gain = {arm: s[:, -1] - s[:, 0] for arm, s in series.items()}
    checks = (
        _check("congenial vs alone", paired_difference(gain["congenial"], gain["alone"]),
               "knowledge gain, congenial - alone", expected["congenial vs alone"]),
        _check("inquiry vs alone", paired_difference(gain["focused inquiry"], gain["alone"]),
               "knowledge gain, inquiry - alone", expected["inquiry vs alone"]),
    )
    fig, axes = new_figure(2, "Pattern 5: congenial collaboration vs focused inquiry vs working alone")
    years = np.arange(INQUIRY_YEARS * YEAR + 1) / YEAR
    for arm, color in (("alone", "grey"), ("congenial", "tab:orange"), ("focused inquiry", "tab:blue")):
        mean_band(axes[0], years, series[arm], arm, color)
    decorate(axes[0], "Mean knowledge and practice quality", "school year", "knowledge (0-1)")
    check_panel(axes[1], checks, "Paired differences in knowledge gain", "knowledge gain difference (0-1 scale)")
    axes[1].axvline(0, color="grey", ls=":", lw=1)
    return PatternResult(
        5, "inquiry", "Together can be better, or no better, or worse",
        "Congenial collaboration without an inquiry focus yields no knowledge gain over teachers working alone, "
        "and can lose ground; focused collaborative inquiry gains.",
        "Katz, Earl & Ben Jaafar (2009): \"together can be better, but it can also make no difference at all or "
        "even make things worse\"; Little & Horn (2007)",
        f"Preset congenial-collaboration (meeting time 0.8, no inquiry focus) in three arms: alone "
        f"(conversations_per_tick 0: teachers learn only on their own), congenial (the preset), focused inquiry "
        f"(inquiry_focus {INQUIRY_FOCUS}). {INQUIRY_YEARS} years, {setting.replications} "
        f"replications. Gain: change in network mean knowledge from tick 0 to the end. \"No gain\" is an "
        f"equivalence bound: the whole interval must lie below +{NO_GAIN_MARGIN} (one hundredth of the scale).",
        checks, fig, context={f"{arm}: knowledge gain": float(g.mean()) for arm, g in gain.items()})


# --- 6. networks and resilience ------------------------------------------------------------------------------

NETWORK_SHOCK_TICK = 50
NETWORK_WAVE_SHARE = 0.5
NETWORK_HORIZON = 15
NETWORK_EXPECTED = {
    "recovery time": Expected("networked recover sooner (difference > 0)", above=0.0),
}


def summarize_hit_schools(model: PLCModel) -> dict:
    """Health and decayed flags of the schools a scheduled shock hits (the first ``shock_share`` of them)."""
    hit = round(model.p.shock_share * model.p.n_schools)
    return {key: value[:, :hit] for key, value in summarize_schools(model).items()}


def pattern_networks(runner: Runner, setting: Setting, expect: Mapping[str, Expected] | None = None) -> PatternResult:
    """Pattern 6: networked schools recover faster after a shock than isolated schools."""
    expected = _expectations(NETWORK_EXPECTED, expect)
    wave = {"budget_cut_tick": -1, "turnover_wave_tick": NETWORK_SHOCK_TICK, "turnover_wave_share": NETWORK_WAVE_SHARE}
    labels = ("networked", "isolated")
    arms = {}
    for label, preset in zip(labels, ("networked-schools", "isolated-schools"), strict=True):
        arms[f"{label} shocked"] = setting.params(preset, wave)
        arms[f"{label} unshocked"] = setting.params(preset, {**wave, "turnover_wave_tick": -1})
    ticks = NETWORK_SHOCK_TICK + NETWORK_HORIZON * YEAR
    tasks = arm_tasks(arms, setting.seeds(6), ticks, summarize_hit_schools)
    runs = by_arm(tasks, runner.run(tasks, "6 networks"))
    health = {arm: np.array([r["health"].mean(axis=1) for r in rows]) for arm, rows in runs.items()}
    regain = {label: years_to_regain(health[f"{label} shocked"].T, NETWORK_SHOCK_TICK, NETWORK_HORIZON * YEAR)
              for label in labels}
    loss = {label: health[f"{label} unshocked"] - health[f"{label} shocked"] for label in labels}
    half_recovery = {label: np.array([half_recovery_years(row, NETWORK_SHOCK_TICK, NETWORK_HORIZON * YEAR)
                                      for row in loss[label]]) for label in labels}
    checks = (_check("recovery time", paired_difference(regain["isolated"], regain["networked"]),
                     f"years to regain the pre-shock level (capped at {NETWORK_HORIZON}), isolated - networked",
                     expected["recovery time"]),)
    fig, axes = new_figure(3, f"Pattern 6: half the schools lose {NETWORK_WAVE_SHARE:.0%} of their teachers "
                              f"(year {NETWORK_SHOCK_TICK // YEAR})")
    years = np.arange(ticks + 1) / YEAR
    colors = {"networked": "tab:blue", "isolated": "tab:orange"}
    for label in labels:
        mean_band(axes[0], years, health[f"{label} shocked"], f"{label}, shocked", colors[label])
        mean_band(axes[0], years, health[f"{label} unshocked"], f"{label}, no shock", colors[label], ls="--")
        mean_band(axes[1], years, loss[label], label, colors[label])
    for ax in axes[:2]:
        ax.axvline(NETWORK_SHOCK_TICK / YEAR, color="grey", ls=":", lw=1, label="turnover wave")
    decorate(axes[0], "Health of the hit schools", "school year", "health (0-1)")
    decorate(axes[1], "Health lost to the shock (no shock - shocked)", "school year", "health lost (0-1)")
    regain_panel(axes[2], regain, colors, NETWORK_HORIZON, "years since the turnover wave")
    return PatternResult(
        6, "networks", "Networks re-seed schools after a shock",
        "Networked schools recover faster after a shock than isolated schools.",
        "Jackson (2007); Katz, Earl & Ben Jaafar (2009): networks re-seed and sustain school communities",
        f"Presets networked-schools (small world, facilitator) and isolated-schools (no links). Instead of their "
        f"budget cut, which removes meeting time for good and so leaves nothing to recover to, a turnover wave at "
        f"tick {NETWORK_SHOCK_TICK} replaces each teacher of half the schools (shock_share 0.5) with chance "
        f"{NETWORK_WAVE_SHARE}, so unhit partners can re-seed hit ones. {setting.replications} replications, "
        f"{NETWORK_HORIZON} years after the shock; the hit schools are measured. {RECOVERY_DEFINITION} Each arm is "
        "also run without the wave (same seeds), the counterfactual of the middle panel.",
        checks, fig, context=_spell_context(runs, labels, " shocked", NETWORK_SHOCK_TICK)
        | {f"{label}: mean years to regain half the loss relative to the counterfactual":
           float(half_recovery[label].mean()) for label in labels},
        notes=("*Reading the counterfactual.* Relative to the same schools without the wave (middle panel), "
               "networked and isolated schools regain the health the wave took at a similar pace (see the "
               "context line): the network's advantage in the model is that it keeps its schools' level up "
               "(isolated schools drift down even without a shock), so hit networked schools get back to where "
               "they were, and above the decay threshold, while isolated ones mostly do not.",))


# --- 7. turnover and organizational memory ------------------------------------------------------------------------

MEMORY_TURNOVER = {"low": 0.08, "high": 0.2}
MEMORY_OFF = {"codification_rate": 0.0, "initial_memory": 0.0}
MEMORY_YEARS, MEMORY_FROM_YEAR = 20, 5
MEMORY_EXPECTED = {
    "turnover effect": Expected("high turnover erodes health (difference < 0)", below=0.0),
    "memory buffer": Expected("memory shrinks the loss (interaction > 0)", above=0.0),
}


def summarize_memory(model: PLCModel) -> dict:
    """Mean health and knowledge from ``MEMORY_FROM_YEAR`` on, realized teacher turnover, and final memory."""
    frame = network_frame(model)
    late = frame[frame.tick > MEMORY_FROM_YEAR * YEAR]
    year_ends = late[late.tick % YEAR == 0]
    return {"health": float(late["health"].mean()), "knowledge": float(late["knowledge"].mean()),
            "turnover": float(1 - year_ends["retention"].mean()), "memory": float(late["memory"].mean())}


def pattern_memory(runner: Runner, setting: Setting, expect: Mapping[str, Expected] | None = None) -> PatternResult:
    """Pattern 7: teacher turnover erodes community health and organizational memory buffers the loss (2x2)."""
    expected = _expectations(MEMORY_EXPECTED, expect)
    arms = {f"{level} turnover, memory {mem}": setting.params(
        "baseline", {"teacher_turnover_rate": rate, **(MEMORY_OFF if mem == "off" else {})})
        for level, rate in MEMORY_TURNOVER.items() for mem in ("off", "on")}
    tasks = arm_tasks(arms, setting.seeds(7), MEMORY_YEARS * YEAR, summarize_memory)
    runs = by_arm(tasks, runner.run(tasks, "7 memory"))

    def values(level: str, mem: str, key: str) -> np.ndarray:
        return np.array([r[key] for r in runs[f"{level} turnover, memory {mem}"]])

    effect = {mem: values("high", mem, "health") - values("low", mem, "health") for mem in ("off", "on")}
    checks = (
        _check("turnover effect", mean_ci(effect["on"]), "health, high - low turnover (memory on)",
               expected["turnover effect"]),
        _check("memory buffer", paired_difference(effect["on"], effect["off"]),
               "turnover effect with memory - without", expected["memory buffer"]),
    )
    fig, axes = new_figure(3, "Pattern 7: teacher turnover x organizational memory")
    for ax, key, label in ((axes[0], "health", "PLC health (0-1)"), (axes[1], "knowledge", "knowledge (0-1)")):
        for mem, color in (("off", "tab:red"), ("on", "tab:blue")):
            estimates = [mean_ci(values(level, mem, key)) for level in MEMORY_TURNOVER]
            mean = [e[0] for e in estimates]
            err = [[e[0] - e[1] for e in estimates], [e[2] - e[0] for e in estimates]]
            realized = [values(level, mem, "turnover").mean() for level in MEMORY_TURNOVER]
            ax.errorbar([0, 1], mean, yerr=err, marker="o", capsize=4, color=color,
                        label=f"memory {mem} (realized turnover {realized[0]:.0%} / {realized[1]:.0%})")
        ax.set_xticks([0, 1], [f"{level} (rate {rate})" for level, rate in MEMORY_TURNOVER.items()])
        decorate(ax, f"Mean {key}, years {MEMORY_FROM_YEAR}-{MEMORY_YEARS} (95% CI)", "teacher turnover", label)
    check_panel(axes[2], checks, "Effects on health", "health difference (0-1 scale)")
    axes[2].axvline(0, color="grey", ls=":", lw=1)
    knowledge_effect = {mem: values("high", mem, "knowledge") - values("low", mem, "knowledge")
                        for mem in ("off", "on")}
    return PatternResult(
        7, "memory", "Organizational memory buffers turnover",
        "Teacher turnover erodes community health; organizational memory buffers the loss.",
        "Kruse & Louis (2007), organizational memory in professional learning communities",
        f"2x2 on the defaults: teacher_turnover_rate {MEMORY_TURNOVER['low']} (low) vs {MEMORY_TURNOVER['high']} "
        f"(high) x memory off (codification_rate 0, initial_memory 0) vs on (defaults). {MEMORY_YEARS} years, "
        f"{setting.replications} replications. Outcome: mean network health in years {MEMORY_FROM_YEAR}-"
        f"{MEMORY_YEARS}. Buffer: the interaction, (high - low | memory on) - (high - low | memory off); positive "
        "means turnover costs less where memory is kept.",
        checks, fig,
        context={"knowledge interaction (memory on - off)":
                 float((knowledge_effect["on"] - knowledge_effect["off"]).mean())}
        | {f"{arm}: realized turnover": float(np.mean([r["turnover"] for r in rows])) for arm, rows in runs.items()}
        | {f"{arm}: mean memory": float(np.mean([r["memory"] for r in rows])) for arm, rows in runs.items()})

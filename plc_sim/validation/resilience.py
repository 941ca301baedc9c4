"""Patterns 5-7: what collaboration is worth, how networks and memory help schools through turnover."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

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
    Expected,
    PatternResult,
    Runner,
    Setting,
    arm_tasks,
    by_arm,
)
from plc_sim.validation.figures import check_panel, decorate, mean_band, new_figure
from plc_sim.validation.stats import (
    half_recovery_years,
    mean_ci,
    paired_difference,
    years_to_regain,
)
from simulation import PLCModel, network_frame

# --- 5. congenial collaboration vs inquiry ------------------------------------------------------------------------

INQUIRY_YEARS = 20
INQUIRY_FOCUS = 0.9
NO_GAIN_MARGIN = 0.01
INQUIRY_EXPECTED = {
    "congenial vs alone": Expected(f"no gain: difference < {NO_GAIN_MARGIN} (may be negative)", below=NO_GAIN_MARGIN),
    "inquiry vs alone": Expected("focused inquiry gains (difference > 0; a direction: Katz, Earl & Ben Jaafar review "
                                 "studies without a common scale)", above=0.0),
}


def summarize_knowledge(model: PLCModel) -> np.ndarray:
    """Network mean knowledge at every tick."""
    return network_frame(model)["knowledge"].to_numpy(np.float32)


def pattern_inquiry(runner: Runner, setting: Setting, expect: Mapping[str, Expected] | None = None) -> PatternResult:
    """Pattern 5: congenial talk gains nothing over working alone (or loses ground); focused inquiry gains."""
    expected = expectations(INQUIRY_EXPECTED, expect)
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
        check("congenial vs alone", paired_difference(gain["congenial"], gain["alone"]),
              "knowledge gain, congenial - alone", expected["congenial vs alone"]),
        check("inquiry vs alone", paired_difference(gain["focused inquiry"], gain["alone"]),
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
    "recovery time": Expected("networked recover sooner (difference > 0; a direction: network studies are "
                              "case studies)", above=0.0),
}


def summarize_hit_schools(model: PLCModel) -> dict:
    """Health and decayed flags of the schools a scheduled shock hits (the first ``shock_share`` of them)."""
    hit = round(model.p.shock_share * model.p.n_schools)
    return {key: value[:, :hit] for key, value in summarize_schools(model).items()}


def pattern_networks(runner: Runner, setting: Setting, expect: Mapping[str, Expected] | None = None) -> PatternResult:
    """Pattern 6: networked schools recover faster after a shock than isolated schools."""
    expected = expectations(NETWORK_EXPECTED, expect)
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
    checks = (check("recovery time", paired_difference(regain["isolated"], regain["networked"]),
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
        checks, fig, context=spell_context(runs, labels, " shocked", NETWORK_SHOCK_TICK)
        | {f"{label}: mean years to regain half the loss relative to the counterfactual":
           float(half_recovery[label].mean()) for label in labels},
        notes=("*Reading the counterfactual.* Relative to the same schools without the wave (middle panel), "
               "networked and isolated schools regain the health the wave took at a similar pace (see the "
               "context line): the network's advantage in the model is that it keeps its schools' level up "
               "(isolated schools drift down even without a shock), so hit networked schools get back to where "
               "they were, and above the formation level, while isolated ones mostly do not.",))


# --- 7. turnover and organizational memory ------------------------------------------------------------------------

MEMORY_TURNOVER = {"low": 0.08, "high": 0.2}
MEMORY_OFF = {"codification_rate": 0.0, "initial_memory": 0.0, "socialization_rate": 0.0}
"""No memory: nothing codified, and so nothing to be socialized into (March 1991: members are socialized only where
the code holds a belief). With socialization left on, an empty code would pull every member's knowledge toward 0."""
MEMORY_YEARS, MEMORY_FROM_YEAR = 20, 5
MEMORY_REPLICATION_FACTOR = 3
"""Memory's buffer on health is thin at the defaults (about 0.011, with a standard error of about 0.0045 at 60
replications), so a check that needs its whole interval above 0 would pass about seven times in ten at a buffer of
that size. Three times the setting's replications cut the standard error to about 0.0026: the check then passes
about 99 times in 100 if the buffer is 0.011, and a buffer of 0 still passes no more than one time in 40."""
MEMORY_EXPECTED = {
    "turnover effect": Expected("high turnover erodes health (difference < 0; a direction: Kruse & Louis give no "
                                "size)", below=0.0),
    "memory buffer": Expected("memory shrinks the loss (interaction > 0; a direction: Kruse & Louis give no size)",
                              above=0.0),
    "knowledge kept": Expected("memory keeps the knowledge that leavers take (interaction on knowledge > 0; a "
                               "direction: Kruse & Louis give no size)", above=0.0),
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
    expected = expectations(MEMORY_EXPECTED, expect)
    arms = {f"{level} turnover, memory {mem}": setting.params(
        "baseline", {"teacher_turnover_rate": rate, **(MEMORY_OFF if mem == "off" else {})})
        for level, rate in MEMORY_TURNOVER.items() for mem in ("off", "on")}
    seeds = setting.seeds(7, MEMORY_REPLICATION_FACTOR)
    tasks = arm_tasks(arms, seeds, MEMORY_YEARS * YEAR, summarize_memory)
    runs = by_arm(tasks, runner.run(tasks, "7 memory"))

    def values(level: str, mem: str, key: str) -> np.ndarray:
        return np.array([r[key] for r in runs[f"{level} turnover, memory {mem}"]])

    effect = {mem: values("high", mem, "health") - values("low", mem, "health") for mem in ("off", "on")}
    knowledge_effect = {mem: values("high", mem, "knowledge") - values("low", mem, "knowledge")
                        for mem in ("off", "on")}
    checks = (
        check("turnover effect", mean_ci(effect["on"]), "health, high - low turnover (memory on)",
              expected["turnover effect"]),
        check("memory buffer", paired_difference(effect["on"], effect["off"]),
              "turnover effect on health with memory - without", expected["memory buffer"]),
        check("knowledge kept", paired_difference(knowledge_effect["on"], knowledge_effect["off"]),
              "turnover effect on knowledge with memory - without", expected["knowledge kept"]),
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
    check_panel(axes[2], checks, "Effects on health (knowledge for the last)", "difference (0-1 scale)")
    axes[2].axvline(0, color="grey", ls=":", lw=1)
    return PatternResult(
        7, "memory", "Organizational memory buffers turnover",
        "Teacher turnover erodes community health; organizational memory buffers the loss.",
        "Kruse & Louis (2007), organizational memory in professional learning communities",
        f"2x2 on the defaults: teacher_turnover_rate {MEMORY_TURNOVER['low']} (low) vs {MEMORY_TURNOVER['high']} "
        f"(high) x memory off (codification_rate 0, initial_memory 0, socialization_rate 0: no code to be "
        f"socialized into) vs on (defaults). {MEMORY_YEARS} years, {len(seeds)} replications "
        f"({MEMORY_REPLICATION_FACTOR} times the setting's: the buffer is thin, and fewer would miss it for want of "
        "power). Outcome: "
        f"mean network health (and knowledge) in years {MEMORY_FROM_YEAR}-{MEMORY_YEARS}. Buffer: the interaction, "
        "(high - low | memory on) - (high - low | memory off); positive means turnover costs less where memory is "
        "kept.",
        checks, fig,
        context={f"{arm}: realized turnover": float(np.mean([r["turnover"] for r in rows]))
                 for arm, rows in runs.items()}
        | {f"{arm}: mean memory": float(np.mean([r["memory"] for r in rows])) for arm, rows in runs.items()})

"""Pattern 3: relational trust and improvement, measured as Bryk & Schneider measured it, at steady state.

Bryk & Schneider (2002, ch. 5; 2003) followed Chicago's elementary schools through the 1990s: schools whose
teachers reported strong relational trust in both 1994 and 1997 were in the improving group (academic
productivity trends over 1991-1996) one time in two; schools with weak trust in both surveys, one time in
seven. The pattern repeats that design on the model's natural variation after a burn-in: an improvement window
of six school years, trust "surveyed" in the window's fourth year and in the year after it ends, and the
improving group the top quarter of gains in teachers' knowledge and practice quality. A second read-out
keeps the design but surveys trust in the window's first year only: whether trust *predicts* improvement, which
Bryk & Schneider's surveys could not separate from trust growing with improvement.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from plc_sim.validation.common import YEAR, check, expectations, yearly_means
from plc_sim.validation.core import Expected, PatternResult, Runner, Setting, arm_tasks, by_arm
from plc_sim.validation.figures import check_panel, decorate, new_figure
from plc_sim.validation.stats import share_ratio
from simulation import PLCModel
from simulation.measures import SCHOOL_MEASURES, school_tables

TRUST_BURN_IN = 8
TRUST_WINDOW = 6
"""School years of an improvement window (Bryk & Schneider's productivity trends, 1991-1996)."""
TRUST_SURVEYS = (3, 6)
"""Years after a window's first year in which trust is surveyed: its fourth year and the year after it (1994, 1997)."""
TRUST_STARTS = tuple(range(TRUST_BURN_IN, TRUST_BURN_IN + 41, 2))
"""First years of the windows read in each run (overlapping; intervals are over replications)."""
TRUST_YEARS = TRUST_STARTS[-1] + TRUST_SURVEYS[-1] + 1
TRUST_EXPECTED = {
    "improvement ratio": Expected("several times as likely, not all or nothing: 2 < ratio < 10 (Bryk & Schneider: "
                                  "1 in 2 vs 1 in 7, 3.5)", above=2.0, below=10.0),
    "predictive ratio": Expected("trust measured before a window makes improvement in it more likely: ratio > 1 "
                                 "(Bryk & Schneider 2002, trust as a resource; Leana & Pil 2006, the reading effect "
                                 "held over time). A direction only: no source gives the size with trust measured "
                                 "first", above=1.0),
}
TRUST_REPLICATION_FACTOR = 3
"""Improvers among weak-trust schools are rare (about one in ten), so this pattern runs three times the setting's
replications to bound the ratio's lower end."""
GROUPS = ("strong", "weak", "high at start", "low at start")
_DECAYED = SCHOOL_MEASURES.index("decayed")


def summarize_trust(model: PLCModel) -> dict:
    """Each school's yearly trust and knowledge, and whether its community lasted through each window.

    A community *lasts* a window when it had formed by the window's first year and does not decay in the window.
    """
    trust, knowledge, health = (yearly_means(model, name) for name in ("trust", "knowledge", "health"))
    decayed = school_tables(model)[:, _DECAYED, :] > 0
    lasted = np.array([(health[:start + 1] >= model.p.implementing_level).any(axis=0)
                       & ~decayed[start * YEAR:(start + TRUST_WINDOW) * YEAR + 1].any(axis=0)
                       for start in TRUST_STARTS])
    return {"trust": trust.astype(np.float32), "knowledge": knowledge.astype(np.float32), "lasted": lasted}


def group_counts(runs: list[dict]) -> dict[str, np.ndarray]:
    """Per group, (replications, 3): school-windows in the group, those improving, those sustaining and improving.

    Quarters are taken over every school of every replication in the same window (the replications stand in for
    one large district): a school *improves* when its knowledge gain over the window is in the top quarter, and
    *sustains and improves* when its community also lasted the window; trust is *strong* (*weak*) when in the top
    (bottom) quarter in both surveys.
    """
    trust, knowledge = (np.array([r[name] for r in runs]) for name in ("trust", "knowledge"))  # (reps, years, schools)
    counts = {group: np.zeros((len(runs), 3)) for group in GROUPS}
    for index, start in enumerate(TRUST_STARTS):
        lasted = np.array([r["lasted"][index] for r in runs])
        improving = top_quarter(knowledge[:, start + TRUST_WINDOW - 1] - knowledge[:, start])
        first, second = (trust[:, start + offset] for offset in TRUST_SURVEYS)
        groups = {"strong": top_quarter(first) & top_quarter(second),
                  "weak": bottom_quarter(first) & bottom_quarter(second),
                  "high at start": top_quarter(trust[:, start]), "low at start": bottom_quarter(trust[:, start])}
        for group, members in groups.items():
            counts[group] += np.stack([members.sum(axis=1), (members & improving).sum(axis=1),
                                       (members & improving & lasted).sum(axis=1)], axis=1)
    return counts


def top_quarter(values: np.ndarray) -> np.ndarray:
    return values >= np.quantile(values, 0.75)


def bottom_quarter(values: np.ndarray) -> np.ndarray:
    return values <= np.quantile(values, 0.25)


def pattern_trust(runner: Runner, setting: Setting, expect: Mapping[str, Expected] | None = None) -> PatternResult:
    """Pattern 3: schools with strong relational trust are several times as likely to be among the improvers."""
    expected = expectations(TRUST_EXPECTED, expect)
    seeds = setting.seeds(3, TRUST_REPLICATION_FACTOR)
    tasks = arm_tasks({"defaults": setting.params("baseline")}, seeds, TRUST_YEARS * YEAR, summarize_trust)
    runs = by_arm(tasks, runner.run(tasks, "3 trust"))["defaults"]
    counts = group_counts(runs)

    def ratio(high: str, low: str) -> tuple[float, float, float]:
        return share_ratio(counts[high][:, 1], counts[high][:, 0], counts[low][:, 1], counts[low][:, 0])

    predictive = ratio("high at start", "low at start")
    checks = (check("improvement ratio", ratio("strong", "weak"),
                    "P(improving | strong trust) / P(improving | weak trust)", expected["improvement ratio"]),
              check("predictive ratio", predictive,
                    "the same with trust surveyed in the window's first year only", expected["predictive ratio"]))
    share = {(group, column): float(c[:, column].sum() / c[:, 0].sum()) if c[:, 0].sum() else np.nan
             for group, c in counts.items() for column in (1, 2)}
    fig, axes = new_figure(2, f"Pattern 3: relational trust and improvement over {TRUST_WINDOW}-year windows")
    colors = ("tab:blue", "tab:red", "tab:cyan", "tab:orange")
    axes[0].bar(range(len(GROUPS)), [share[g, 1] for g in GROUPS], color=colors, alpha=0.85)
    axes[0].axhline(0.5, color="tab:blue", ls="--", lw=1, label="Bryk & Schneider, strong trust: 1 in 2")
    axes[0].axhline(1 / 7, color="tab:red", ls="--", lw=1, label="Bryk & Schneider, weak trust: 1 in 7")
    axes[0].set_xticks(range(len(GROUPS)), ["strong trust\n(both surveys)", "weak trust\n(both surveys)",
                                            "high trust\nin year 1", "low trust\nin year 1"], fontsize=8)
    axes[0].set_ylim(0, 1)
    decorate(axes[0], "Share of schools among the improvers (pooled)", "trust group", "share of schools")
    check_panel(axes[1], checks, "Ratio of chances, strong vs weak trust", "ratio (1 = no difference)")
    axes[1].axvline(1, color="grey", ls=":", lw=1)
    axes[1].axvline(0.5 / (1 / 7), color="black", ls="--", lw=1, label="Bryk & Schneider 3.5")
    axes[1].legend(fontsize=7)
    return PatternResult(
        3, "trust", "Relational trust is a core resource for improvement",
        "Schools whose teachers report strong relational trust are several times as likely to improve as schools "
        "with weak trust, but not all or nothing.",
        "Bryk & Schneider (2002, ch. 5; 2003): 1 in 2 schools with strong trust in 1994 and 1997 were in the improving "
        "group, 1 in 7 with weak trust",
        f"Defaults (baseline preset), {TRUST_YEARS} years, {len(runs)} replications (three times the setting's: "
        f"improvers among weak-trust schools are rare), burn-in "
        f"{TRUST_BURN_IN} years; natural variation between schools, no designed start. Improvement windows of "
        f"{TRUST_WINDOW} school years start in years {', '.join(str(s + 1) for s in TRUST_STARTS)}. In each, a school "
        "*improves* when its gain in teachers' mean knowledge and practice quality (yearly means, last year of the "
        "window minus the first) is in "
        "the top quarter of all schools of all replications in that window (the replications stand in for one large "
        "district, as Bryk & Schneider's quarters were of Chicago's schools). Trust is the school's yearly mean "
        f"relational trust, surveyed as Bryk & Schneider did in the window's year {TRUST_SURVEYS[0] + 1} and the "
        "year after it ends: *strong* = top quarter in both surveys, *weak* = bottom quarter in both. Ratio of the "
        "two groups' pooled shares, with a bootstrap interval over replications. The predictive ratio is the same "
        "with trust surveyed only in the window's first year (top vs bottom quarter), i.e. whether trust measured "
        "first predicts later improvement. Context: each group's share that improved and also *sustained* its "
        "community (formed, and not decayed in the window).",
        checks, fig,
        context={f"{group}: share {'improving' if column == 1 else 'sustaining and improving'}": value
                 for (group, column), value in share.items()}
        | {f"{group}: school-windows": float(c[:, 0].sum()) for group, c in counts.items()})

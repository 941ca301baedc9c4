"""Robustness of policies across uncertain conditions: satisficing share and maximum regret.

A *policy* is one combination of lever values; a *scenario* (a state of the world) is one combination of the
uncertain conditions with one replication: replications use the same seed under every policy (common random
numbers), so policies are compared on the same worlds. For each policy, across the scenarios:

- **satisficing share**: the share of scenarios in which every criterion holds (e.g. ``persisting_share >=
  0.5``) (Simon's satisficing; Starr 1963's domain criterion);
- **maximum regret** on each outcome: the largest shortfall from the best policy in the same scenario
  (Savage 1951), in the outcome's own units.

Policies are ranked by satisficing share (higher first), then by maximum regret on each outcome in turn (lower
first); policies equal on all of them share a rank (1, 1, 3), so a tie is never broken by the order of the levers'
values. McPhail et al. (2018) compare these and other robustness metrics. Nothing here runs a model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from plc_sim.core.errors import InputError
from plc_sim.core.files import staged_folder, write_json_atomic
from plc_sim.core.markdown import markdown_table
from plc_sim.core.provenance import provenance
from plc_sim.experiments.analysis.results import condition_names


@dataclass(frozen=True)
class Objective:
    """An outcome and its direction: ``maximize`` (higher is better) or not."""

    name: str
    maximize: bool = True

    @classmethod
    def parse(cls, text: str) -> Objective:
        """``name`` or ``max:name`` (higher is better), ``min:name`` (lower is better)."""
        kind, sep, name = text.strip().partition(":")
        if not sep:
            return cls(kind)
        if kind not in ("max", "min") or not name:
            raise InputError(f"--outcomes: {text!r} is not NAME, max:NAME or min:NAME")
        return cls(name, kind == "max")


@dataclass(frozen=True)
class Criterion:
    """A satisficing criterion ``name >= value`` or ``name <= value``."""

    name: str
    at_least: bool
    value: float

    @classmethod
    def parse(cls, text: str) -> Criterion:
        match = re.fullmatch(r"\s*([A-Za-z_][\w]*)\s*(>=|<=)\s*(-?[\d.]+(?:e-?\d+)?)\s*", text)
        if match is None:
            raise InputError(f"--satisfice: {text!r} is not NAME>=VALUE or NAME<=VALUE (e.g. persisting_share>=0.5)")
        return cls(match[1], match[2] == ">=", float(match[3]))

    def holds(self, values: pd.Series) -> pd.Series:
        return values >= self.value if self.at_least else values <= self.value

    def words(self) -> str:
        return f"{self.name} {'>=' if self.at_least else '<='} {self.value:g}"


def robustness(runs: pd.DataFrame, levers: Sequence[str], uncertainties: Sequence[str],
               objectives: Sequence[Objective], criteria: Sequence[Criterion],
               scenario_keys: Sequence[str] = ("replication",)) -> pd.DataFrame:
    """One row per policy: its lever values, satisficing share, maximum regret and mean of each objective.

    ``runs`` has one row per run with the lever, uncertainty, scenario-key and outcome columns. Every policy
    must have been run in every scenario.
    """
    levers, scenario = list(levers), [*uncertainties, *scenario_keys]
    if not scenario:
        raise InputError("robustness: no scenarios; give the uncertain conditions or the replication column")
    _check_columns(runs, levers, scenario, objectives, criteria)
    cells = runs.groupby(levers + scenario, sort=True, dropna=False)[
        sorted({o.name for o in objectives} | {c.name for c in criteria})].mean().reset_index()
    policies = cells.groupby(levers, sort=True).size()
    scenarios = cells.groupby(scenario, sort=True).size()
    if len(cells) != len(policies) * len(scenarios):
        raise InputError(f"robustness: {len(policies)} policies x {len(scenarios)} scenarios need "
                         f"{len(policies) * len(scenarios)} results, found {len(cells)}; every policy must be run "
                         "over the same sample of conditions")
    satisfied = np.ones(len(cells), dtype=bool)
    for criterion in criteria:
        satisfied &= criterion.holds(cells[criterion.name]).to_numpy()
    cells["satisficing"] = satisfied
    table = cells.groupby(levers, sort=True).agg(satisficing_share=("satisficing", "mean")).reset_index()
    for objective in objectives:
        values = cells[objective.name]
        best = values.groupby([cells[c] for c in scenario]).transform("max" if objective.maximize else "min")
        cells[f"regret_{objective.name}"] = (best - values) if objective.maximize else (values - best)
        by_policy = cells.groupby(levers, sort=True)
        table[f"max_regret_{objective.name}"] = by_policy[f"regret_{objective.name}"].max().to_numpy()
        table[f"mean_{objective.name}"] = by_policy[objective.name].mean().to_numpy()
    regrets = [f"max_regret_{o.name}" for o in objectives]
    keys = ["satisficing_share", *regrets]
    table = table.sort_values(keys, ascending=[False, *(True for _ in regrets)], kind="stable")
    table.insert(0, "rank", tied_ranks(table[keys]))
    table.attrs["scenarios"] = len(scenarios)
    return table.reset_index(drop=True)


TIE_TOLERANCE = 1e-12
"""Keys closer than this (absolute, or relative to their size) count as equal: the same runs averaged in another
order can differ in the last bits, which is no difference between policies."""


def tied_ranks(keys: pd.DataFrame) -> np.ndarray:
    """Competition ranks (1, 1, 3) of rows already sorted best first: equal keys share the better rank."""
    values = keys.to_numpy(dtype=float)
    ranks = np.arange(1, len(values) + 1)
    for i in range(1, len(values)):
        if np.allclose(values[i], values[i - 1], rtol=TIE_TOLERANCE, atol=TIE_TOLERANCE, equal_nan=True):
            ranks[i] = ranks[i - 1]
    return ranks


def _check_columns(runs: pd.DataFrame, levers, scenario, objectives, criteria) -> None:
    if not levers:
        raise InputError("--levers: name the factors that are policies (e.g. --levers meeting_time,network_type)")
    for where, names in (("--levers", levers), ("scenario", scenario), ("--outcomes", [o.name for o in objectives]),
                         ("--satisfice", [c.name for c in criteria])):
        for name in names:
            if name not in runs.columns:
                choices = ", ".join(c for c in runs.columns if c not in ("run_id", "point", "seed", "design"))
                raise InputError(f"{where}: {name!r} is not a column of these results; choose from {choices}")
    if not objectives and not criteria:
        raise InputError("--outcomes: give at least one outcome or --satisfice criterion")


def policy_label(row: pd.Series, levers: Sequence[str]) -> str:
    """'meeting_time=0.8, induction on, protected_time level=0.6' for a row of the robustness table."""
    return ", ".join(f"{name} {row[name]}" if isinstance(row[name], str) else f"{name}={_plain(row[name])}"
                     for name in levers)


def _plain(value) -> str:
    return f"{value:g}" if isinstance(value, float | np.floating) else str(value)


def summary_sentence(table: pd.DataFrame, levers: Sequence[str], objectives: Sequence[Objective],
                     criteria: Sequence[Criterion]) -> str:
    """The best-ranked policy in words (every one of them when tied), and how far the worst falls behind it."""
    best, worst = table.iloc[0], table.iloc[-1]
    scenarios = table.attrs.get("scenarios", "the")
    tied = table[table["rank"] == 1]
    labels = [policy_label(row, levers) for _, row in tied.iterrows()]
    if len(tied) == 1:
        words = [f"The most robust policy is {labels[0]}"]
    else:
        share = "All" if len(tied) == len(table) else f"{len(tied)} of {len(table)}"
        words = [f"{share} policies tie as the most robust ({'; '.join(labels)})"]
    if criteria:
        rule = " and ".join(c.words() for c in criteria)
        words.append(f": {rule} in {best.satisficing_share:.0%} of {scenarios} scenarios")
        if len(tied) < len(table):
            words.append(f" (the least robust, {policy_label(worst, levers)}: {worst.satisficing_share:.0%})")
    if objectives:
        o = objectives[0]
        words.append(f"; {'its' if len(tied) == 1 else 'their'} largest regret on {o.name} is "
                     f"{best[f'max_regret_{o.name}']:.3g}")
    return "".join(words) + "."


# --- a sweep's robustness, written ------------------------------------------------------------------------------

def sweep_robustness(data, levers: Sequence[str] | None, objectives: Sequence[Objective],
                     criteria: Sequence[Criterion], out=None):
    """Robustness of the policies of sweep ``data``; writes ``FOLDER/robustness/``; returns (table, levers, folder).

    Levers default to the spec's ``[levers]``; every other varied condition is an uncertainty.
    """
    levers = list(levers or getattr(data.spec, "lever_names", ()))
    uncertainties = [name for name in condition_names(data) if name not in levers]
    table = robustness(data.runs, levers, uncertainties, objectives, criteria)
    table.attrs["notes"] = getattr(data.spec, "idle_lines", list)()
    folder = write_robustness(table, levers, objectives, criteria, Path(out or Path(data.folder) / "robustness"),
                              str(data.folder))
    return table, levers, folder


def write_robustness(table: pd.DataFrame, levers, objectives, criteria, out, source: str):
    """``robustness.csv``, ``robustness.png`` and ``summary.md`` into ``out``, atomically (with the notes in
    ``table.attrs["notes"]``, e.g. interventions that change nothing in some conditions)."""
    sentence = summary_sentence(table, levers, objectives, criteria)
    shown = table.drop(columns=list(levers))
    shown.insert(1, "policy", [policy_label(row, levers) for _, row in table.iterrows()])
    with staged_folder(out, "robustness", overwrite=True) as staging:
        table.to_csv(staging / "robustness.csv", index=False, float_format="%.6g")
        robustness_figure(table, levers, objectives, staging / "robustness.png")
        lines = [f"# Robustness of policies: `{source}`", "", sentence, "",
                 "Scenarios are the uncertain conditions with each replication (common random numbers). "
                 "Satisficing: " + (" and ".join(c.words() for c in criteria) or "no criterion") + ". Regret: the "
                 "shortfall from the best policy in the same scenario.", "",
                 *(line for note in table.attrs.get("notes", ()) for line in (f"- {note}", "")),
                 markdown_table(shown, list(shown.columns)), ""]
        (staging / "summary.md").write_text("\n".join(lines), encoding="utf-8")
        write_json_atomic(staging / "provenance.json", provenance(
            command="robustness", sweep=source, levers=list(levers), summary=sentence,
            objectives=[("max:" if o.maximize else "min:") + o.name for o in objectives],
            criteria=[c.words() for c in criteria]))
    return out


def robustness_figure(table: pd.DataFrame, levers, objectives, path) -> None:
    """Policies ranked: satisficing share, and maximum regret on each outcome."""
    labels = [policy_label(row, levers) for _, row in table.iterrows()]
    panels = ["satisficing_share", *(f"max_regret_{o.name}" for o in objectives)]
    fig = Figure(figsize=(3.2 * len(panels) + 2.5, 0.9 + 0.35 * len(table)))
    axes = fig.subplots(1, len(panels), sharey=True, squeeze=False)[0]
    rows = np.arange(len(table))[::-1]  # rank 1 on top
    for ax, column in zip(axes, panels, strict=True):
        ax.barh(rows, table[column], color="#3b75af" if column == "satisficing_share" else "#c0504d")
        ax.set_xlabel(column.replace("_", " "))
        if column == "satisficing_share":
            ax.set_xlim(0, 1)
    axes[0].set_yticks(rows, labels, fontsize=8)
    fig.suptitle("Policies ranked by robustness (best on top)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)

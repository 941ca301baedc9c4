"""Statistics for the validation patterns: paired and ratio confidence intervals, medians of survival, recovery.

The unit of every interval is the *replication*: arms share seeds replication by replication (common random
numbers), so differences are taken within a replication and their spread across replications gives the
interval. Schools within one run are not independent draws (they share a network and a seed).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from plc_sim.core.stats import CONFIDENCE, kaplan_meier, mean_ci
from simulation.parameters import TICKS_PER_YEAR

BOOTSTRAP_SAMPLES = 4000
BOOTSTRAP_SEED = 7
"""A fixed generator for bootstrap resampling, so the same data always give the same interval."""


def paired_difference(first: Sequence[float], second: Sequence[float]) -> tuple[float, float, float]:
    """Mean of ``first[k] - second[k]`` over replications k, with a t confidence interval."""
    first, second = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    return mean_ci(first - second, CONFIDENCE)


def resampled_replications(count: int) -> np.ndarray:
    """(BOOTSTRAP_SAMPLES, count) indices of replications drawn with replacement, the same for the same count."""
    return np.random.default_rng(BOOTSTRAP_SEED).integers(0, count, size=(BOOTSTRAP_SAMPLES, count))


def pooled_share(hits: Sequence[float], cases: Sequence[float]) -> tuple[float, float, float]:
    """The pooled share ``sum hits / sum cases``, with a percentile bootstrap interval that resamples replications
    whole (each argument holds one count per replication; a replication with no case still counts)."""
    hits, cases = np.asarray(hits, dtype=float), np.asarray(cases, dtype=float)
    if cases.sum() == 0:
        return np.nan, np.nan, np.nan
    picks = resampled_replications(hits.size)
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = hits[picks].sum(axis=1) / cases[picks].sum(axis=1)
    tail = (1 - CONFIDENCE) / 2
    low, high = np.nanquantile(shares, [tail, 1 - tail])
    return float(hits.sum() / cases.sum()), float(low), float(high)


def share_ratio(hits: Sequence[float], cases: Sequence[float], other_hits: Sequence[float],
                other_cases: Sequence[float]) -> tuple[float, float, float]:
    """Ratio of two pooled shares, ``(sum hits / sum cases) / (sum other_hits / sum other_cases)``, with an interval.

    Each argument holds one count per replication. The counts are pooled over replications, so a replication
    with no case in a group still counts; replications are resampled whole (percentile bootstrap).
    """
    hits, cases, other_hits, other_cases = (np.asarray(a, dtype=float) for a in (hits, cases, other_hits, other_cases))
    if other_hits.sum() == 0 or cases.sum() == 0:
        return (np.inf if hits.sum() > 0 else np.nan, np.nan, np.nan)
    picks = resampled_replications(hits.size)
    with np.errstate(divide="ignore", invalid="ignore"):
        top = np.nan_to_num(hits[picks].sum(axis=1) / cases[picks].sum(axis=1))
        bottom = other_hits[picks].sum(axis=1) / other_cases[picks].sum(axis=1)
        ratios = np.where(bottom > 0, top / bottom, np.inf)
    tail = (1 - CONFIDENCE) / 2
    low, high = np.quantile(ratios, [tail, 1 - tail], method="inverted_cdf")  # no interpolation: ratios may be inf
    return float((hits.sum() / cases.sum()) / (other_hits.sum() / other_cases.sum())), float(low), float(high)


def median_with_ci(durations: Sequence[float], observed: Sequence[bool]) -> tuple[float, float, float]:
    """Kaplan-Meier median of ``durations`` with the interval where the survival band crosses one half.

    The lower bound is the first time the lower band falls to 0.5 or below, the upper bound the first time the
    upper band does (Brookmeyer & Crowley's construction, from pointwise Greenwood log-log bands). NaN where
    a curve never falls that far (the median is then censored).
    """
    km = kaplan_meier(durations, observed, CONFIDENCE)
    km = km[km["events"] > 0]  # the curve and its band change only at event times (rows of censoring alone have none)

    def first_time(column: str) -> float:
        below = km.loc[km[column] <= 0.5, "time"]
        return float(below.iloc[0]) if len(below) else np.nan

    return first_time("survival"), first_time("low"), first_time("high")


def restricted_mean(durations: np.ndarray, horizon: float) -> float:
    """Mean of ``durations`` capped at ``horizon``: the restricted mean time, censored runs counting ``horizon``."""
    return float(np.minimum(np.asarray(durations, dtype=float), horizon).mean())


def trailing_mean(series: np.ndarray, window: int = TICKS_PER_YEAR) -> np.ndarray:
    """Mean of the last ``window`` values at each position (fewer at the start), along the last axis."""
    series = np.asarray(series, dtype=float)
    totals = np.cumsum(series, axis=-1)
    shifted = np.zeros_like(totals)
    shifted[..., window:] = totals[..., :-window]
    counts = np.minimum(np.arange(1, series.shape[-1] + 1), window)
    return (totals - shifted) / counts


def half_recovery_years(loss: np.ndarray, shock_tick: int, horizon_ticks: int) -> float:
    """Years from a shock until half of the worst loss it caused is regained; ``horizon`` years if never.

    ``loss`` is the per-tick health lost to the shock (counterfactual minus shocked run). It is smoothed with
    a one-year trailing mean, because one month's health is noisy. The worst loss is looked for in the two
    years after the shock; recovery is the first tick after that peak at which the smoothed loss is at most
    half of it. A shock that costs nothing (peak loss <= 0) counts as recovered at once.
    """
    smooth = trailing_mean(np.asarray(loss, dtype=float)[shock_tick:shock_tick + horizon_ticks + 1])
    window = smooth[:2 * TICKS_PER_YEAR + 1]
    peak_at = int(np.argmax(window))
    peak = window[peak_at]
    if peak <= 0:
        return 0.0
    regained = np.flatnonzero(smooth[peak_at:] <= peak / 2)
    if regained.size == 0:
        return horizon_ticks / TICKS_PER_YEAR
    return (peak_at + int(regained[0])) / TICKS_PER_YEAR


def recovery_spells(decayed: np.ndarray, start: int) -> tuple[np.ndarray, np.ndarray]:
    """Time from decay to recovery for every school whose community is decayed at some tick from ``start`` on.

    ``decayed`` is (ticks, schools) of the model's decayed flag. A school's spell begins when it enters the
    decayed state (or at ``start`` if it is already decayed then) and ends when the model declares it recovered
    (health back above the threshold for ``decay_span`` ticks); spells still open at the last tick are
    censored. Returns (durations in years, recovered) for the schools that had a spell.
    """
    decayed = np.asarray(decayed, dtype=bool)[start:]
    durations, recovered = [], []
    for column in decayed.T:
        began = np.flatnonzero(column)
        if began.size == 0:
            continue
        ended = np.flatnonzero(~column[began[0]:])
        recovered.append(ended.size > 0)
        durations.append((ended[0] if ended.size else column.size - 1 - began[0]) / TICKS_PER_YEAR)
    return np.array(durations, dtype=float), np.array(recovered, dtype=bool)


TROUGH_YEARS = 3
"""Years after a shock in which its worst effect (the trough) is looked for."""


def years_to_regain(health: np.ndarray, shock_tick: int, horizon_ticks: int, share: float = 1.0) -> np.ndarray:
    """Per school, years from a shock until it has regained ``share`` of its loss, counted from the shock's trough.

    ``health`` is (ticks, schools), row t measured at the end of tick t; the shock acts during tick
    ``shock_tick``. Health is read as a one-year trailing mean (one month's health is noisy and follows the
    school year). The pre-shock level is the mean of the year before the shock; the trough is the lowest
    trailing mean in the first ``TROUGH_YEARS`` years after it (windows holding no pre-shock month); recovery
    is the first time after the trough that the trailing mean has climbed ``share`` of the way from the trough
    back to the pre-shock level: Henry & Ramirez-Marquez's (2012) resilience ratio, recovery over loss, reaching
    ``share`` (1: back at the original performance, the usual resilience-curve reading). A school that does not
    get there within ``horizon_ticks`` counts the horizon (a restricted time). Reading from the trough means a
    school whose health only slides slowly is not counted as recovered because it has not yet slid far.
    """
    health = np.asarray(health, dtype=float)
    before = health[shock_tick - TICKS_PER_YEAR:shock_tick].mean(axis=0)
    after = trailing_mean(health[shock_tick:shock_tick + horizon_ticks].T).T[TICKS_PER_YEAR - 1:]
    trough = np.argmin(after[:(TROUGH_YEARS - 1) * TICKS_PER_YEAR + 1], axis=0)
    years = np.full(health.shape[1], horizon_ticks / TICKS_PER_YEAR)
    for school, low in enumerate(trough):
        lowest = after[low, school]
        # share 1 compares with the pre-shock level itself, not a sum that may round below it
        target = before[school] if share == 1.0 else lowest + share * (before[school] - lowest)
        back = np.flatnonzero(after[low:, school] >= target)
        if back.size:
            years[school] = (low + back[0] + TICKS_PER_YEAR) / TICKS_PER_YEAR
    return years

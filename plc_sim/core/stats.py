"""The statistics every tool shares: t-intervals of means, and survival of communities (scipy.stats).

- :func:`mean_ci`: the mean and its t-based confidence interval
  (``scipy.stats.ttest_1samp(...).confidence_interval()``), along any axis.
- :func:`kaplan_meier`: the Kaplan-Meier estimate of right-censored durations
  (``scipy.stats.ecdf`` on ``CensoredData``) with log-log confidence bounds
  (Kalbfleisch & Prentice 2002, sec. 1.4), as a table.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

CONFIDENCE = 0.95
FEW_REPLICATIONS = 10
"""Below this many replications a t-interval is wide and rests on few values: a headline from fewer says so."""


def few_replications_warning(replications: int) -> str:
    """A warning to put after a headline interval from ``replications`` replications, or '' for enough."""
    if replications >= FEW_REPLICATIONS:
        return ""
    return (f" (warning: from {replications} replication{'s' if replications != 1 else ''}, fewer than "
            f"{FEW_REPLICATIONS}: the interval is wide and only a first look)")


def mean_ci(values: Sequence[float] | np.ndarray, confidence: float = CONFIDENCE, axis: int | None = None):
    """Mean and t-based confidence interval of independent ``values``: ``(mean, low, high)``.

    With ``axis=None`` the values are flattened and NaNs are left out; the result is three floats (NaN bounds for
    fewer than two values, NaN everything for none). With an ``axis`` the result is three arrays over the other
    axes (no NaNs allowed); constant values give a zero-width interval.
    """
    values = np.asarray(values, dtype=float)
    if axis is None:
        values = values[~np.isnan(values)]
        if values.size == 0:
            return (np.nan, np.nan, np.nan)
        axis = 0
    mean = values.mean(axis=axis)
    if values.shape[axis] < 2:
        missing = np.full_like(mean, np.nan)
        return (_plain(mean), _plain(missing), _plain(missing.copy()))
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # constant samples: scipy warns, the interval is exact
        interval = stats.ttest_1samp(values, 0.0, axis=axis).confidence_interval(confidence)
    return (_plain(mean), _plain(interval.low), _plain(interval.high))


def _plain(value):
    return float(value) if np.ndim(value) == 0 else np.asarray(value)


def kaplan_meier(durations: Sequence[float] | np.ndarray, observed: Sequence[bool] | np.ndarray,
             confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Kaplan-Meier survival of right-censored ``durations`` with log-log confidence bounds.

    ``durations``: time of the event, or of the end of observation when ``observed`` is False (censored). Returns
    one row at time 0 and one per distinct time (event or censoring): time, at_risk, events, survival, low, high.
    Where survival has reached zero, both bounds are zero.
    """
    durations = np.asarray(durations, dtype=float)
    observed = np.asarray(observed, dtype=bool)
    if durations.shape != observed.shape or durations.size == 0:
        raise ValueError("kaplan_meier: durations and observed must be non-empty and of equal length")
    estimate = stats.ecdf(stats.CensoredData(uncensored=durations[observed], right=durations[~observed])).sf
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        bounds = estimate.confidence_interval(confidence, method="log-log")
    times, curve = estimate.quantiles, estimate.probabilities
    low = np.where(curve > 0, np.nan_to_num(bounds.low.probabilities, nan=0.0), 0.0)
    high = np.where(curve > 0, np.nan_to_num(bounds.high.probabilities, nan=1.0), 0.0)
    at_risk = durations.size - np.searchsorted(np.sort(durations), times, side="left")
    event_times = np.sort(durations[observed])
    events = np.searchsorted(event_times, times, side="right") - np.searchsorted(event_times, times, side="left")
    return pd.DataFrame({"time": np.concatenate([[0.0], times]),
                         "at_risk": np.concatenate([[durations.size], at_risk]).astype(np.int64),
                         "events": np.concatenate([[0], events]).astype(np.int64),
                         "survival": np.concatenate([[1.0], curve]),
                         "low": np.concatenate([[1.0], low]), "high": np.concatenate([[1.0], high])})


def median_survival(table: pd.DataFrame) -> float:
    """First time at which survival falls to one half or below; NaN if it never does (the median is censored)."""
    below = table.loc[table["survival"] <= 0.5, "time"]
    return float(below.iloc[0]) if len(below) else np.nan

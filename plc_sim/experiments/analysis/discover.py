"""Scenario discovery: under which conditions does an outcome of interest happen?

The cases are a sweep's runs (or its communities: one per school per run, for ``persists``); the conditions
are the sweep's factors (and levers); the outcome is a yes/no per case. PRIM (Friedman & Fisher 1999), as
implemented by the EMA Workbench (Kwakkel 2017), peels the factor space down to a box where the outcome is
dense, tracing a *peeling trajectory* of boxes that trade coverage (the share of all cases of interest that
fall in the box) for density (the share of the box's cases that are of interest). One box of the trajectory
is chosen (the densest whose coverage is at least ``min_coverage``, or a given one) and reported with its
limits and quasi-p-values (Bryant & Lempert 2010). CART (Breiman et al. 1984) gives a second, tree-based view.
Nothing here runs a model: it reads a table.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from plc_sim.core.errors import InputError

MIN_CASES = 20
"""Fewer cases than this give no meaningful box."""

CART_SEED = 20260101
"""Seed of the global generator while CART grows its tree (restored afterwards)."""


@dataclass(frozen=True)
class Restriction:
    """One limit of a box: ``low <= name <= high`` (numbers, either side may be open) or ``name in values``."""

    name: str
    low: float | None = None
    high: float | None = None
    values: tuple = ()
    qp_low: float = float("nan")
    qp_high: float = float("nan")

    def insignificant(self, alpha: float) -> bool:
        """True when every quasi-p-value this limit has (one per restricted side) exceeds ``alpha``."""
        qps = [q for q in (self.qp_low, self.qp_high) if not np.isnan(q)]
        return bool(qps) and min(qps) > alpha

    def words(self) -> str:
        label = self.name.replace("_", " ")
        if self.values:
            return f"{label} is {' or '.join(_value_words(value) for value in self.values)}"
        if self.low is not None and self.high is not None:
            return f"{label} is from {self.low:.3g} to {self.high:.3g}"
        return f"{label} >= {self.low:.3g}" if self.low is not None else f"{label} <= {self.high:.3g}"


def _value_words(value) -> str:
    """A lever's value in words: an intervention's settings ``level=0.6`` read "on (level=0.6)"."""
    text = str(value)
    return f"on ({text})" if "=" in text else text


@dataclass(frozen=True)
class Discovery:
    """PRIM's peeling trajectory, the chosen box and its restrictions, and CART's leaves."""

    trajectory: pd.DataFrame  # one row per box: id, coverage, density, mass, res_dim, n
    chosen: int  # id of the chosen box
    restrictions: tuple[Restriction, ...]
    cart_leaves: pd.DataFrame  # one row per CART leaf: coverage, density, mass, res_dim, and its limits
    cases: int
    of_interest: int
    boxes: Mapping[int, tuple[Restriction, ...]] = field(default_factory=dict)  # every box's limits, by id
    peeled: int = 0  # boxes 0..peeled-1 are PRIM's peeling trajectory (``--box`` picks one); later ones were
    # made by dropping the chosen box's insignificant limits
    origin: int = 0  # the box chosen before its insignificant limits were dropped
    alpha: float = 0.05  # limits whose quasi-p-values all exceed this are dropped from the chosen box

    @property
    def box(self) -> pd.Series:
        return self.trajectory.loc[self.chosen]

    @property
    def found_box(self) -> bool:
        """Whether PRIM found a box: a chosen box with no significant limit is the whole space, not a box."""
        return bool(self.restrictions)

    def summary(self, what: str, unit: str = "cases") -> str:
        """One sentence: '<what> in 86% of cases when X >= a and Y >= b; this box covers 71% of all ...'."""
        box, base = self.box, self.of_interest / self.cases
        what = what[:1].upper() + what[1:]
        if not self.found_box:
            return f"{what} in {base:.0%} of {self.cases:,} {unit}; PRIM found no box that concentrates them."
        conditions = " and ".join(r.words() for r in self.restrictions)
        return (f"{what} in {box.density:.0%} of cases when {conditions}; this box covers {box.coverage:.0%} of all "
                f"cases where this happens and holds {box.mass:.0%} of all {self.cases:,} {unit} (across all "
                f"{unit}: {base:.0%}).")


def prepare_inputs(x: pd.DataFrame) -> pd.DataFrame:
    """Factors PRIM can peel: constant columns dropped, numbers (booleans as 0/1) as floats, text as categories."""
    columns = {}
    for name in x.columns:
        column = x[name]
        if column.nunique(dropna=False) < 2:
            continue
        if pd.api.types.is_numeric_dtype(column):  # bool and int too: the workbench's CART writes float limits
            column = column.astype(np.float64)
        else:
            column = column.astype(str).astype("category")
        columns[name] = column.reset_index(drop=True)
    if not columns:
        raise InputError("discover: every factor has a single value in these results; nothing to discover")
    return pd.DataFrame(columns)


def discover(x: pd.DataFrame, y: np.ndarray, *, min_coverage: float = 0.5, box: int | None = None,
             mass_min: float = 0.05, peel_alpha: float = 0.05, alpha: float = 0.05) -> Discovery:
    """Run PRIM and CART on cases ``x`` (factors) with outcome ``y`` (True = of interest).

    The chosen box keeps only restrictions with a quasi-p-value at most ``alpha`` on at least one side (the
    others are dropped, which adds the box without them to the trajectory).
    """
    with warnings.catch_warnings():  # the workbench warns at import about optional parallel back-ends
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import cart, prim

    x = prepare_inputs(x)
    y = np.asarray(y, dtype=bool)
    if len(y) < MIN_CASES or y.all() or not y.any():
        raise InputError(f"discover: {int(y.sum())} of {len(y)} cases are of interest; PRIM needs at least "
                         f"{MIN_CASES} cases with some of each (choose another --threshold)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = prim.Prim(x, y, mass_min=mass_min, peel_alpha=peel_alpha).find_box()
    origin = chosen = _choose(found.peeling_trajectory, min_coverage, box)
    peeled = len(found.peeling_trajectory)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chosen = _drop_insignificant(found, chosen, x, alpha)
    trajectory = found.peeling_trajectory.set_index("id", drop=False)
    trajectory = trajectory[["id", "coverage", "density", "mass", "res_dim", "n"]].astype(
        {"id": np.int64, "res_dim": np.int64, "n": np.int64})
    boxes = {int(i): _restrictions(found, int(i), x) for i in trajectory.index}
    return Discovery(trajectory, chosen, boxes[chosen], _cart_leaves(cart, x, y, mass_min), len(y), int(y.sum()),
                     boxes, peeled, origin, alpha)


def _choose(trajectory: pd.DataFrame, min_coverage: float, box: int | None) -> int:
    """``box``, or the densest box whose coverage is at least ``min_coverage`` (the first box if none is)."""
    if box is not None:
        if box not in trajectory.index:
            raise InputError(f"--box: {box} is not on the peeling trajectory; expected 0 to {trajectory.index.max()}")
        return int(box)
    eligible = trajectory[trajectory.coverage >= min_coverage]
    eligible = eligible if len(eligible) else trajectory.iloc[:1]
    return int(eligible.density.idxmax())


def _restrictions(found, chosen: int, x: pd.DataFrame) -> tuple[Restriction, ...]:
    """The limits of box ``chosen`` that are tighter than the data's, with their quasi-p-values."""
    qp = {name: [np.nan if v == -1 else float(v) for v in values] for name, values in found.p_values[chosen].items()}
    return _tighter(x, found.box_lims[chosen], found.box_lims[0], qp)


def _tighter(x: pd.DataFrame, limits: pd.DataFrame, initial: pd.DataFrame, qp: dict) -> tuple[Restriction, ...]:
    """Restrictions for the columns whose ``limits`` (row 0 low, row 1 high) are tighter than ``initial``."""
    out = []
    for name in x.columns:
        low, high = limits[name].iloc[0], limits[name].iloc[1]
        qp_low, qp_high = qp.get(name, (np.nan, np.nan))
        if isinstance(x[name].dtype, pd.CategoricalDtype):
            if low and set(low) != set(initial[name].iloc[0]):  # (an empty set is an empty box: no rule)
                out.append(Restriction(name, values=tuple(sorted(low)), qp_low=qp_low, qp_high=qp_high))
            continue
        low_tight, high_tight = float(low) > float(initial[name].iloc[0]), float(high) < float(initial[name].iloc[1])
        if low_tight or high_tight:
            out.append(Restriction(name, float(low) if low_tight else None, float(high) if high_tight else None,
                                   qp_low=qp_low, qp_high=qp_high))
    return tuple(out)


def _drop_insignificant(found, chosen: int, x: pd.DataFrame, alpha: float) -> int:
    """Drop the chosen box's insignificant restrictions (every quasi-p-value above ``alpha``) one at a time, the
    weakest first; the id of the box left, in which every restriction is significant.

    A limit's quasi-p-value compares the box with and without it, so dropping one limit changes the others':
    they are computed again for each new box.
    """
    while True:
        weak = [r for r in _restrictions(found, chosen, x) if r.insignificant(alpha)]
        if not weak:
            return chosen
        weakest = max(weak, key=lambda r: np.nanmin([r.qp_low, r.qp_high]))
        found.drop_restriction(weakest.name, chosen)
        chosen = len(found.peeling_trajectory) - 1


def _cart_leaves(cart, x: pd.DataFrame, y: np.ndarray, mass_min: float) -> pd.DataFrame:
    """CART's leaves as boxes in words, densest first.

    Categories go to the tree as their codes (the workbench's CART loses cases of category boxes), and each
    leaf's code range is read back as the categories it holds.
    """
    categories = {name: list(x[name].cat.categories) for name in x.columns
                  if isinstance(x[name].dtype, pd.CategoricalDtype)}
    codes = x.assign(**{name: x[name].cat.codes.astype(np.float64) for name in categories})
    tree = cart.CART(codes, y, mass_min=mass_min)
    saved = np.random.get_state()  # the workbench's tree draws from numpy's global generator (ties between
    np.random.seed(CART_SEED)  # splits): a fixed seed keeps the same data giving the same leaves
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree.build_tree()
            stats = tree.stats
    finally:
        np.random.set_state(saved)
    initial = pd.DataFrame({name: [codes[name].min(), codes[name].max()] for name in codes.columns})
    rows = []
    for limits, stat in zip(tree.boxes, stats, strict=True):
        if stat["mass"] > 0:
            rule = " and ".join(_as_categories(r, categories).words() for r in _tighter(codes, limits, initial, {}))
            rows.append({"coverage": float(stat["coverage"]), "density": float(stat["density"]),
                         "mass": float(stat["mass"]), "rule": rule or "all cases"})
    return pd.DataFrame(rows).sort_values(["density", "coverage"], ascending=False, kind="stable").reset_index(
        drop=True)


def _as_categories(restriction: Restriction, categories: dict[str, list]) -> Restriction:
    """A limit on a category's codes, as the categories it keeps."""
    if restriction.name not in categories:
        return restriction
    low = -np.inf if restriction.low is None else restriction.low
    high = np.inf if restriction.high is None else restriction.high
    kept = tuple(c for i, c in enumerate(categories[restriction.name]) if low <= i <= high)
    return Restriction(restriction.name, values=kept)


def limits_table(discovery: Discovery) -> pd.DataFrame:
    """The chosen box's restrictions as a table (factor, low, high, values, quasi-p-values)."""
    return pd.DataFrame([{"factor": r.name, "low": r.low, "high": r.high, "values": " or ".join(map(str, r.values)),
                          "qp_low": r.qp_low, "qp_high": r.qp_high, "in_words": r.words()}
                         for r in discovery.restrictions],
                        columns=["factor", "low", "high", "values", "qp_low", "qp_high", "in_words"])

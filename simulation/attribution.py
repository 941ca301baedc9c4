"""Why communities decayed: each decay in the event log attributed to what preceded it in its school.

Reform-sustainability studies name several causes acting together, not one (Datnow 2005: changing district and state
demands, local conditions; Taylor 2006: eleven risk factors, faculty retention and a lack of support for learning the
strongest; Hargreaves & Fink 2006: leader succession). The model logs each cause as an event; a decay is attributed to
the causes logged in its school during the years its health was falling: the ``decay_span`` years below the
initiating stage and the year before them, from the year end that opened them (a principal who leaves at a year
end acts on the years after it). A decay with several causes counts a equal part for each; one with none
is "no recorded cause" (a slow drift).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from simulation.events import Event
from simulation.parameters import TICKS_PER_YEAR, Params

HIGH_TURNOVER_SHARE = 0.25
"""A school-year counts as high teacher turnover when at least this share of its teachers left at the year end (or a
turnover wave hit it): well above the 16% national rate (NCES TFS 2012-13), about the top tenth of school-years at
the calibrated defaults (ODD, decay causes)."""

CAUSES = {
    "principal succession": "its principal left (Hargreaves & Fink 2006; Fink & Brayman 2006)",
    "teacher turnover": f"at least {HIGH_TURNOVER_SHARE:.0%} of its teachers left in a year, or a turnover wave "
                        "(Taylor 2006: faculty retention)",
    "outside initiative": "a new outside initiative or policy focus arrived (Datnow 2005; Hess 1999)",
    "lost time or budget": "a budget cut took meeting time, or protected time ended (Taylor 2006: support for "
                           "learning)",
}
"""The causes a decay is attributed to, with what counts as each and its source."""
NO_CAUSE = "no recorded cause"
REPORTED = {
    "principal succession": "Hargreaves & Fink (2006): in the high schools they followed over three decades, frequent "
                            "and unplanned changes of leader were among the main reasons improvement did not last",
    "teacher turnover": "Taylor (2006): problems retaining teachers were one of the two strongest of eleven risk "
                        "factors for a school ending its reform",
    "outside initiative": "Datnow (2005): the reform ceased in 6 of 13 schools within three years; whether it lasted "
                          "depended on how each school met changing district and state demands",
    "lost time or budget": "Taylor (2006): a lack of support for professional development was the other strongest "
                           "risk factor",
    NO_CAUSE: "(nothing logged: a slow drift)",
}
"""What reform-sustainability studies report of each cause, set beside the model's shares in ``plc-sim validate``
(pattern 9) and in sweep reports. The studies give reasons and risk factors, not shares of decays."""


def cause_of(event: Event) -> str | None:
    """The decay cause an event stands for, or None."""
    if event.kind == "principal_left":
        return "principal succession"
    if event.kind == "teachers_left" and (event.cause != "year_end" or event.count >= HIGH_TURNOVER_SHARE * event.of):
        return "teacher turnover"
    if event.kind in ("new_initiative", "policy_focus"):
        return "outside initiative"
    if event.kind == "budget_cut" or (event.kind == "intervention_end" and event.cause == "protected_time"):
        return "lost time or budget"
    return None


def attribute_decays(events: Iterable[Event], params: Params) -> pd.DataFrame:
    """One row per decay: tick, school, and each cause's part (the parts of one decay sum to 1)."""
    events = list(events)
    window = (params.decay_span + 1) * TICKS_PER_YEAR
    causes_by_school: dict[int, list[tuple[int, str]]] = {}
    for event in events:
        cause = cause_of(event)
        if cause is not None:
            for school in event.schools:
                causes_by_school.setdefault(school, []).append((event.tick, cause))
    rows = []
    for event in events:
        if event.kind != "decay":
            continue
        for school in event.schools:
            found = {cause for tick, cause in causes_by_school.get(school, ())
                     if event.tick - window <= tick <= event.tick}
            parts = {cause: 1.0 / len(found) for cause in found} if found else {NO_CAUSE: 1.0}
            rows.append({"tick": event.tick, "school": school, **{c: parts.get(c, 0.0) for c in (*CAUSES, NO_CAUSE)}})
    return pd.DataFrame(rows, columns=["tick", "school", *CAUSES, NO_CAUSE])


def attribution_shares(decays: pd.DataFrame) -> dict[str, float]:
    """Each cause's share of all ``decays`` (rows of :func:`attribute_decays`); NaN when there were none."""
    total = len(decays)
    return {cause: float(decays[cause].sum() / total) if total else np.nan for cause in (*CAUSES, NO_CAUSE)}

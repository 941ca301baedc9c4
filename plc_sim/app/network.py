"""The network picture: teachers grouped by school, or one disc per school when there are too many to draw.

The layout is geometric and fixed for a run, so it needs no random numbers and
never touches the model's generator: schools sit on a circle in index order
(which shows the ring and small-world networks as rings), each school's
members fill a disc by a sunflower (phyllotaxis) pattern, and a secondary
school's departments (and included support staff) form small discs of their
own. Newcomers take leavers' slots, so everyone keeps a place all run long.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulation.state import active_per_school, members_per_school

DETAIL_LIMIT = 300
"""Most members drawn one by one; bigger networks get a per-school summary (readable, and fast to draw)."""

COLOUR_MEASURES = {"knowledge": "knowledge", "engagement": "engagement"}
"""What the nodes can be coloured by, in words."""

_GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))


@dataclass(frozen=True)
class NetworkLayout:
    """Where each school and each member slot is drawn; ``radius`` is a school's disc radius."""

    school_xy: np.ndarray  # (schools, 2)
    member_xy: np.ndarray  # (slots, 2); NaN for members outside the community
    radius: float


def draws_every_member(p) -> bool:
    """Whether a network of these parameters is small enough to draw member by member."""
    return p.n_schools * active_per_school(p) <= DETAIL_LIMIT


def school_centres(n_schools: int) -> tuple[np.ndarray, float]:
    """Schools on a unit circle, clockwise from the top, and a disc radius that keeps neighbours apart."""
    if n_schools == 1:
        return np.zeros((1, 2)), 0.6
    angle = math.pi / 2 - 2 * math.pi * np.arange(n_schools) / n_schools
    return np.column_stack([np.cos(angle), np.sin(angle)]), min(0.45, 0.85 * math.sin(math.pi / n_schools))


def sunflower(count: int, radius: float) -> np.ndarray:
    """``count`` evenly spread points filling a disc of ``radius`` around the origin."""
    i = np.arange(count)
    rho = radius * np.sqrt((i + 0.5) / max(count, 1))
    return np.column_stack([rho * np.cos(i * _GOLDEN_ANGLE), rho * np.sin(i * _GOLDEN_ANGLE)])


def network_layout(model) -> NetworkLayout:
    """The run's fixed layout: every school a cluster, every department a sub-cluster, included support staff
    on an arc below their school."""
    p, m = model.p, model.members
    centres, radius = school_centres(p.n_schools)
    size, active = members_per_school(p), active_per_school(p)
    member_xy = np.full((p.n_schools * size, 2), np.nan)
    for school in range(p.n_schools):
        slots = school * size + np.arange(active)
        teachers, staff = slots[m.is_teacher[slots]], slots[~m.is_teacher[slots]]
        departments = np.unique(m.department[teachers])
        for k, department in enumerate(departments):
            members = teachers[m.department[teachers] == department]
            if departments.size == 1:
                centre, group_radius = centres[school], radius
            else:
                angle = math.pi / 2 - 2 * math.pi * k / departments.size
                centre = centres[school] + 0.55 * radius * np.array([math.cos(angle), math.sin(angle)])
                group_radius = min(0.45 * radius, 0.55 * radius * math.sin(math.pi / departments.size))
            member_xy[members] = centre + sunflower(members.size, group_radius)
        angle = -math.pi / 2 + (np.linspace(-0.6, 0.6, staff.size) if staff.size > 1 else np.zeros(staff.size))
        member_xy[staff] = centres[school] + 1.12 * radius * np.column_stack([np.cos(angle), np.sin(angle)])
    return NetworkLayout(centres, member_xy, radius)


def strong_ties(model) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Slots (a, b) of pairs whose mutual trust, the mean of both directions, is at least the strong-tie
    threshold, and that trust."""
    p = model.p
    active, size = active_per_school(p), members_per_school(p)
    block = model.members.trust[:, :active, :active]
    mutual = 0.5 * (block + block.transpose(0, 2, 1))
    upper = np.triu(np.ones((active, active), dtype=bool), k=1)
    school, i, j = np.nonzero((mutual >= p.strong_tie_threshold) & upper)
    return school * size + i, school * size + j, mutual[school, i, j]


MAX_TIES = 400
"""Most strong ties sent to the browser (the strongest first): enough to show who trusts whom, small to send."""


def network_data(model, layout: NetworkLayout, colour_by: str = "knowledge",
                 highlight: tuple[int, ...] = ()) -> dict[str, dict[str, list]]:
    """The network as columns for the browser: member by member if small enough, else one disc per school.

    ``points`` has x, y, the colour value (0-100%), a size class, a ring (leader, decayed, hit by the latest
    one-school shock) and a tooltip; ``ties`` holds the strong ties (x, y, x2, y2, width); ``links`` the
    partner schools; ``labels`` the school names.
    """
    colour_by = colour_by if colour_by in COLOUR_MEASURES else "knowledge"
    now, p = model.observer.current, model.p
    decayed = now["decayed"] > 0
    school_xy = layout.school_xy
    ring = np.where(decayed, "decayed", "")
    ring = np.where(np.isin(np.arange(p.n_schools), highlight), "hit by the shock", ring)
    if draws_every_member(p):
        points, ties = _member_points(model, layout, colour_by), _tie_columns(model, layout)
    else:
        values = now[colour_by]
        points = {"x": _r(school_xy[:, 0]), "y": _r(school_xy[:, 1]), "value": _pct(values),
                  "size": (200 + 2800 * now["teacher_leaders"] / p.teachers_per_school).round().tolist(),
                  "kind": ["school"] * p.n_schools, "ring": ring.tolist(),
                  "tip": [f"School {k + 1}: {COLOUR_MEASURES[colour_by]} {100 * v:.0f}%" for k, v in enumerate(values)]}
        ties = {"x": [], "y": [], "x2": [], "y2": [], "width": []}
    a, b = (model.links[:, 0], model.links[:, 1]) if len(model.links) else (np.zeros(0, int), np.zeros(0, int))
    links = {"x": _r(school_xy[a, 0]), "y": _r(school_xy[a, 1]), "x2": _r(school_xy[b, 0]), "y2": _r(school_xy[b, 1])}
    if draws_every_member(p):  # above each cluster
        label_xy = school_xy + np.array([0.0, layout.radius + 0.08])
    else:  # just outside each disc, away from the centre
        label_xy = school_xy * 1.24 if p.n_schools > 1 else school_xy + np.array([0.0, 0.5])
    labels = {"x": _r(label_xy[:, 0]), "y": _r(label_xy[:, 1]),
              "text": [f"{'S' if p.n_schools > 8 else 'School '}{k + 1}" for k in range(p.n_schools)],
              "ring": ring.tolist()}
    return {"points": points, "ties": ties, "links": links, "labels": labels}


def _member_points(model, layout: NetworkLayout, colour_by: str) -> dict[str, list]:
    m, slots = model.members, model.active_slots
    values = getattr(m, colour_by)[slots]
    leader, teacher = m.is_leader[slots], m.is_teacher[slots]
    kind = np.where(leader, "teacher leader", np.where(teacher, "teacher", "support staff"))
    xy = layout.member_xy[slots]
    return {"x": _r(xy[:, 0]), "y": _r(xy[:, 1]), "value": _pct(values), "size": np.where(leader, 150, 45).tolist(),
            "kind": kind.tolist(), "ring": [""] * slots.size,
            "tip": [f"{k} in School {s + 1}: {COLOUR_MEASURES[colour_by]} {100 * v:.0f}%"
                    for k, s, v in zip(kind, m.school[slots], values, strict=True)]}


def _tie_columns(model, layout: NetworkLayout) -> dict[str, list]:
    a, b, trust = strong_ties(model)
    keep = np.argsort(-trust, kind="stable")[:MAX_TIES]
    a, b, trust = a[keep], b[keep], trust[keep]
    threshold = model.p.strong_tie_threshold
    width = 0.4 + 2.5 * (trust - threshold) / max(1 - threshold, 1e-9)
    return {"x": _r(layout.member_xy[a, 0]), "y": _r(layout.member_xy[a, 1]), "x2": _r(layout.member_xy[b, 0]),
            "y2": _r(layout.member_xy[b, 1]), "width": width.round(2).tolist()}


def _r(values) -> list[float]:
    return np.asarray(values, dtype=float).round(4).tolist()


def _pct(values) -> list[float]:
    return (100 * np.asarray(values, dtype=float)).round(1).tolist()

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
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle

from simulation.state import active_per_school, members_per_school

DETAIL_LIMIT = 300
"""Most members drawn one by one; bigger networks get a per-school summary (readable, and fast to draw)."""

COLOUR_MEASURES = {"knowledge": "knowledge and practice quality (0-1)", "engagement": "engagement (0-1)"}
"""What the nodes can be coloured by, with the colour bar's label."""

_GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))
_CMAP = "viridis"


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


def network_figure(model, layout: NetworkLayout, colour_by: str = "knowledge") -> Figure:
    """Draw the network: member by member if small enough, else one disc per school."""
    colour_by = colour_by if colour_by in COLOUR_MEASURES else "knowledge"
    # fixed boxes rather than a layout engine: faster, and the legend below the drawing is never cut off
    fig = Figure(figsize=(6.6, 6.4), dpi=100)
    ax = fig.add_axes((0.01, 0.17, 0.82, 0.74))
    ax.set_aspect("equal")
    ax.axis("off")
    _draw_school_links(ax, model, layout)
    if draws_every_member(model.p):
        mappable = _draw_members(ax, model, layout, colour_by)
    else:
        mappable = _draw_summary(ax, model, layout, colour_by)
    fig.colorbar(mappable, cax=fig.add_axes((0.86, 0.3, 0.03, 0.5)), label=COLOUR_MEASURES[colour_by])
    extent = 1 + layout.radius + 0.08
    ax.set(xlim=(-extent, extent), ylim=(-extent, extent + 0.12))
    return fig


def _draw_school_links(ax, model, layout: NetworkLayout) -> None:
    if len(model.links):
        ax.add_collection(LineCollection(layout.school_xy[model.links], colors="#b0b0b0", linewidths=1.0,
                                         linestyles="dashed", zorder=0))


def _draw_members(ax, model, layout: NetworkLayout, colour_by: str):
    p, m = model.p, model.members
    a, b, trust = strong_ties(model)
    width = 0.3 + 2.5 * (trust - p.strong_tie_threshold) / max(1 - p.strong_tie_threshold, 1e-9)
    ax.add_collection(LineCollection(np.stack([layout.member_xy[a], layout.member_xy[b]], axis=1),
                                     linewidths=width, colors="#4a4a4a", alpha=0.18, zorder=1))
    slots = model.active_slots
    leader = m.is_leader[slots]
    mappable = ax.scatter(*layout.member_xy[slots].T, c=getattr(m, colour_by)[slots], cmap=_CMAP, vmin=0, vmax=1,
                          s=np.where(leader, 120, 30), marker="o", edgecolors=np.where(leader, "black", "none"),
                          linewidths=1.5, zorder=2)
    staff = slots[~m.is_teacher[slots]]
    if staff.size:
        ax.scatter(*layout.member_xy[staff].T, s=60, marker="s", facecolors="none", edgecolors="#555", zorder=3)
    _label_schools(ax, model, layout)
    handles = [Line2D([], [], marker="o", ls="", ms=11, mfc="#888", mec="black", mew=1.5, label="teacher leader"),
               Line2D([], [], marker="o", ls="", ms=6, mfc="#888", mec="none", label="teacher"),
               Line2D([], [], color="#4a4a4a", lw=2, alpha=0.6,
                      label=f"strong trust (>= {p.strong_tie_threshold:g}; wider = more)")]
    if staff.size:
        handles.append(Line2D([], [], marker="s", ls="", mfc="none", mec="#555", label="support staff"))
    _legend(ax, model, handles)
    ax.figure.suptitle(f"{p.n_schools} school{'s' * (p.n_schools > 1)} x {p.teachers_per_school} teachers: "
                       f"who trusts whom", fontsize=13, y=0.97)
    return mappable


def _draw_summary(ax, model, layout: NetworkLayout, colour_by: str):
    p, now = model.p, model.observer.current
    teachers = p.teachers_per_school
    leaders = now["teacher_leaders"] / teachers
    decayed = now["decayed"] > 0
    values = now[colour_by]
    mappable = ax.scatter(*layout.school_xy.T, c=values, cmap=_CMAP, vmin=0, vmax=1, s=_disc_area(leaders),
                          edgecolors=np.where(decayed, "red", "black"), linewidths=0.5 + 6 * now["strong_ties"],
                          zorder=2)
    if p.n_schools <= 60:
        for k, (x, y) in enumerate(layout.school_xy):
            ax.text(x, y, str(k + 1), ha="center", va="center", fontsize=9 if p.n_schools <= 24 else 7,
                    color="white" if values[k] < 0.55 else "black", zorder=3)
    handles = [Line2D([], [], marker="o", ls="", ms=math.sqrt(_disc_area(share)), mfc="#bbb", mec="black",
                      label=f"{share:.0%} of teachers lead") for share in (0.05, 0.25)]
    handles.append(Line2D([], [], marker="o", ls="", ms=12, mfc="white", mec="black", mew=4,
                          label="thicker ring = more strong trust ties"))
    _legend(ax, model, handles)
    ax.figure.suptitle(f"{p.n_schools} schools x {teachers} teachers: one disc per school\n"
                       f"(each shows the average of its teachers)", fontsize=12, y=0.98)
    return mappable


def _disc_area(leader_share):
    """Marker area (points^2) for a school whose share of teachers in leader roles is ``leader_share``."""
    return 200 + 2800 * np.asarray(leader_share)


def _label_schools(ax, model, layout: NetworkLayout) -> None:
    decayed = model.observer.current["decayed"] > 0
    small = model.p.n_schools > 12
    for k, (x, y) in enumerate(layout.school_xy):
        ax.text(x, y + layout.radius + 0.05, f"{'S' if small else 'School '}{k + 1}", ha="center", va="bottom",
                fontsize=8 if small else 10, color="red" if decayed[k] else "black")
        if decayed[k]:
            ax.add_patch(Circle((x, y), layout.radius * 1.08, fill=False, ec="red", ls="--", lw=1.5, zorder=0))


def _legend(ax, model, handles: list) -> None:
    handles.append(Line2D([], [], marker="o", ls="", ms=12, mfc="none", mec="red", mew=2,
                          label="community decayed (red)"))
    if len(model.links):
        handles.append(Line2D([], [], color="#b0b0b0", ls="--", label="partner schools"))
    ax.figure.legend(handles=handles, loc="lower center", ncol=2, fontsize=9, frameon=False)

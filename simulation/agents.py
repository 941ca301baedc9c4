"""Mesa agents: the face of the model's array-held state.

A :class:`Teacher` (or :class:`SupportStaff`) agent owns a slot (a post) in
the member arrays; its attributes read and write that slot, so code, students
and the app can work with agents while the rules work on whole arrays at once.
When a teacher leaves, the newcomer who takes her post is seen through the same
agent with a new ``person_id`` (and zero tenure): creating and removing Mesa
agents at every turnover would cost more than the whole month's rules. :class:`Principal` and
:class:`School` agents view the per-school arrays the same way.
"""

from __future__ import annotations

import mesa
import numpy as np


def _member_field(name: str, doc: str) -> property:
    def get(self):
        return getattr(self.model.members, name)[self.slot].item()

    def set_(self, value):
        getattr(self.model.members, name)[self.slot] = value

    return property(get, set_, doc=doc)


def _school_field(name: str, doc: str) -> property:
    def get(self):
        return getattr(self.model.schools, name)[self.school_id].item()

    def set_(self, value):
        getattr(self.model.schools, name)[self.school_id] = value

    return property(get, set_, doc=doc)


class Teacher(mesa.Agent):
    """The teacher in one post of a school: knowledge, engagement, openness, tenure, role, and trust ties.

    Attributes are views onto the slot ``slot`` of ``model.members``;
    ``person_id`` tells who currently holds the post.
    """

    knowledge = _member_field("knowledge", "Knowledge and practice quality, 0..1.")
    engagement = _member_field("engagement", "Commitment to the community, 0..1.")
    openness = _member_field("openness", "Openness to de-privatize practice, 0..1.")
    tenure = _member_field("tenure", "Whole school years in this school.")
    is_leader = _member_field("is_leader", "Whether she holds an informal teacher-leader role.")

    def __init__(self, model, slot: int):
        super().__init__(model)
        self.slot = int(slot)

    @property
    def person_id(self) -> int:
        """Id of the person now in this post; it changes when a newcomer replaces a leaver."""
        return int(self.model.members.person[self.slot])

    @property
    def school_id(self) -> int:
        return int(self.model.members.school[self.slot])

    @property
    def department(self) -> int:
        """Department (secondary) or 0 (primary); support staff form their own group."""
        return int(self.model.members.department[self.slot])

    def trust_in(self, other: Teacher) -> float:
        """How much this member trusts ``other`` (0 for colleagues in other schools)."""
        if other.school_id != self.school_id:
            return 0.0
        m = self.model.members
        return float(m.trust[self.school_id, m.local[self.slot], m.local[other.slot]])

    def colleagues(self) -> list[Teacher]:
        """The other members of the same school."""
        return [a for a in self.model.school_members(self.school_id) if a is not self]


class SupportStaff(Teacher):
    """A member of support staff: in or out of the community by ``include_support_staff``."""


class Principal(mesa.Agent):
    """A school's principal: leadership distribution, support, inquiry focus and tenure."""

    distribution = _school_field("distribution", "Share of leadership distributed to teachers, 0..1.")
    support = _school_field("principal_support", "Support and time given to collaboration, 0..1.")
    focus = _school_field("principal_focus", "Strength of the evidence-based focus for inquiry, 0..1.")
    tenure = _school_field("principal_tenure", "Whole years as principal of this school.")

    def __init__(self, model, school_id: int):
        super().__init__(model)
        self.school_id = int(school_id)


class School(mesa.Agent):
    """A school: type, meeting time, organizational memory and this tick's PLC health."""

    memory = _school_field("memory", "Organizational memory (codified practice), 0..1.")
    meeting_time = _school_field("meeting_time", "Time for collaboration, 0..1.")

    def __init__(self, model, school_id: int):
        super().__init__(model)
        self.school_id = int(school_id)

    @property
    def is_secondary(self) -> bool:
        return bool(self.model.schools.is_secondary[self.school_id])

    @property
    def health(self) -> float:
        """This tick's PLC health index, 0..1."""
        return float(self.model.observer.current["health"][self.school_id])

    def dimension(self, name: str) -> float:
        """This tick's value of one of Hord's dimensions (see simulation.measures.DIMENSIONS)."""
        return float(self.model.observer.current[name][self.school_id])

    @property
    def principal(self) -> Principal:
        return self.model.principals[self.school_id]


def member_agents(model, slots: np.ndarray) -> list[Teacher]:
    """Create the agent for each slot: a Teacher, or a SupportStaff member."""
    return [(Teacher if model.members.is_teacher[slot] else SupportStaff)(model, slot) for slot in slots]

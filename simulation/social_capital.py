"""Social capital as lasting conditions: one level that sets how trust is built, kept, extended and bridged.

``initial_trust`` is a starting stock, which the model's long-run dynamics forget within a decade or two. What
lasts is how a staff's relations work: how fast colleagues who meet come to trust each other, how long trust is
kept, how far newcomers are trusted on arrival, and how often boundary spanners meet partner schools. Social capital
in the sense of Coleman, Leana & Pil (2006) and Pil & Leana (2009) is these lasting properties of relations (tie
strength and density within teams; ties beyond the school), in Mulford's (2007) bonding and bridging forms.

The level ``social_capital`` (0 to 1, declared in :mod:`simulation.parameters`) scales each component of
:data:`COMPONENTS` by a factor from ``1 - SPAN`` at level 0 to ``1 + SPAN`` at level 1 (inverted for a component
that works against social capital, such as forgetting). At the neutral level 0.5 every factor is exactly 1, so the
declared values hold as they are. Rules read a component through :func:`scaled`. ODD: the trust, networking and
turnover rules.
"""

from __future__ import annotations

from typing import NamedTuple

from simulation.parameters import PARAMS_BY_NAME, Params


class Component(NamedTuple):
    """One lasting condition that the social-capital level scales."""

    parameter: str
    direction: int  # +1: more social capital raises it; -1: lowers it
    meaning: str
    source: str


COMPONENTS = (
    Component("meeting_trust_rate", +1, "how trust is built: familiarity gained in shared team meetings",
              "Bryk & Schneider 2002 (trust grows in repeated exchange); Pil & Leana 2009 (tie strength in grade "
              "teams)"),
    Component("trust_decay_rate", -1, "how trust is kept: the share of trust forgotten each month",
              "Bryk & Schneider 2002 (relational trust is durable where it is tended); Leana & Pil 2006"),
    Component("newcomer_trust", +1, "how trust is extended to newcomers on arrival",
              "Kardos, Johnson, Peske, Kauffman & Liu 2001 (integrated professional cultures take newcomers in)"),
    Component("bridging_rate", +1, "bridging ties: how often boundary spanners meet partner schools",
              "Mulford 2007 (bridging social capital); Leana & Pil 2006 (external social capital)"),
)
"""The components of the social-capital axis, each a declared parameter."""

SPAN = 0.5
"""How far the level moves each component: a factor from 0.5 (level 0) to 1.5 (level 1). A documented choice: wide
enough to span the component ranges that the sensitivity analysis found to matter (ODD, social capital)."""

_DIRECTION = {component.parameter: component.direction for component in COMPONENTS}


def factor(level: float, direction: int) -> float:
    """The multiplier of a component at social-capital ``level`` (exactly 1 at the neutral level 0.5)."""
    return 1.0 + direction * SPAN * (2.0 * level - 1.0)


def scaled(p: Params, name: str) -> float:
    """Component ``name`` of :data:`COMPONENTS` at the run's social-capital level, kept in its declared range."""
    declared = PARAMS_BY_NAME[name]
    value = getattr(p, name) * factor(p.social_capital, _DIRECTION[name])
    return min(max(value, declared.low), declared.high)

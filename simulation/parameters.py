"""Every parameter of the PLC model, declared once.

Each :class:`Param` names a parameter, its type, default, allowed range, unit,
meaning and source. The model, the command line, sweep specifications and the
browser sliders all read this single table; nothing else declares a range or a
default. Sources are abbreviated; the ODD (``docs/ODD.md``) has the references.
A default marked ``assumption`` is a modelling guess exposed so it can be swept.

Time: one tick is one school month; a school year has :data:`TICKS_PER_YEAR`
ticks. Rates marked "per tick" apply every month, "per year" at year ends.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

TICKS_PER_YEAR = 10
"""One tick is one school month; ten teaching months make a school year."""


class ParameterError(ValueError):
    """A parameter name, type or value that the declaration does not allow."""


@dataclass(frozen=True)
class Param:
    """Declaration of one model parameter.

    ``kind`` is one of ``float``, ``int``, ``bool`` or ``str``; a ``str``
    parameter is a named choice among ``choices``. Numeric parameters are
    bounded by ``low`` and ``high`` (inclusive).
    """

    name: str
    kind: type
    default: Any
    meaning: str
    group: str
    unit: str = ""
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    source: str = "assumption"
    sweepable: bool = True

    def allowed(self) -> str:
        """Describe the allowed values in words, for error messages and docs."""
        if self.kind is bool:
            return "true or false"
        if self.kind is str:
            return "one of " + ", ".join(self.choices)
        kind = "an integer" if self.kind is int else "a number"
        return f"{kind} from {_fmt(self.low)} to {_fmt(self.high)}"

    def coerce(self, value: Any) -> Any:
        """Return ``value`` converted to this parameter's type, or raise ParameterError."""
        if isinstance(value, str) and self.kind is not str:
            value = _parse_text(self, value)
        if self.kind is bool:
            if isinstance(value, bool | int) and value in (0, 1):
                return bool(value)
            raise self._error(value)
        if self.kind is str:
            if value not in self.choices:
                raise self._error(value)
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._error(value)
        if self.kind is int:
            if isinstance(value, float) and not value.is_integer():
                raise self._error(value)
            value = int(value)
        else:
            value = float(value)
            if math.isnan(value):
                raise self._error(value)
        if not self.low <= value <= self.high:
            raise self._error(value)
        return value

    def _error(self, value: Any) -> ParameterError:
        return ParameterError(f"{self.name}: {value!r} is not allowed; expected {self.allowed()}")


def _fmt(number: float | None) -> str:
    return f"{number:g}" if isinstance(number, float) else str(number)


def _parse_text(param: Param, text: str) -> Any:
    cleaned = text.strip().lower()
    if param.kind is bool:
        if cleaned in ("true", "yes", "1", "on"):
            return True
        if cleaned in ("false", "no", "0", "off"):
            return False
        raise param._error(text)
    try:
        number = float(cleaned)
    except ValueError:
        raise param._error(text) from None
    return number


def _p(name, kind, default, meaning, group, **kw) -> Param:
    return Param(name=name, kind=kind, default=default, meaning=meaning, group=group, **kw)


NCES_TFS = "NCES Teacher Follow-up Survey 2012-13: 84.3% stay, 8.1% move, 7.7% leave"
NCES_PFS = "NCES Principal Follow-up Survey 2016-17: 82% stay, 6% move, 10% leave, 2% unknown"

PARAMETERS: tuple[Param, ...] = (
    # --- structure -----------------------------------------------------------
    _p("n_schools", int, 20, "Number of schools in the network", "structure",
       unit="schools", low=1, high=2000, source="Jackson; Katz, Earl & Ben Jaafar (networked learning communities)"),
    _p("teachers_per_school", int, 40, "Teachers in each school", "structure",
       unit="teachers", low=4, high=200),
    _p("school_type", str, "mixed", "Primary schools are one community; secondary schools split into "
       "departments; mixed alternates the two", "structure",
       choices=("primary", "secondary", "mixed"), source="Talbert & McLaughlin (department subcultures)"),
    _p("departments", int, 5, "Subject departments in a secondary school", "structure",
       unit="departments", low=2, high=12, source="assumption (typical secondary school)"),
    _p("cross_department_contact", float, 0.15, "Chance that a secondary teacher's conversation "
       "partner is drawn from the whole school rather than her own department", "structure",
       unit="probability", low=0.0, high=1.0,
       source="Talbert & McLaughlin; Spillane, Kim & Frank 2012 (advice ties follow subject and role)"),
    _p("support_staff", int, 6, "Support staff (teaching assistants, librarians...) in each school", "structure",
       unit="people", low=0, high=60, source="Bolam, Stoll & Greenwood (support staff)"),
    _p("include_support_staff", bool, False, "Whether support staff take part in the community's dialogue",
       "structure", source="Bolam, Stoll & Greenwood (inclusive learning communities)"),
    # --- leadership ----------------------------------------------------------
    _p("leadership_distribution", float, 0.5, "How much leadership principals distribute to teachers "
       "(0 = all through the principal, 1 = fully shared)", "leadership",
       unit="share", low=0.0, high=1.0, source="Halverson & Spillane (distributed leadership)"),
    _p("principal_support", float, 0.6, "Support and time for collaboration given by the first principals",
       "leadership", unit="share", low=0.0, high=1.0, source="Hord (supportive conditions)"),
    _p("inquiry_focus", float, 0.5, "Strength of the evidence-based focus the first principals set for inquiry",
       "leadership", unit="share", low=0.0, high=1.0, source="Katz, Earl & Ben Jaafar (clear evidence-based focus)"),
    _p("successor_support", float, 0.5, "Mean support of principals who arrive later", "leadership",
       unit="share", low=0.0, high=1.0),
    _p("successor_focus", float, 0.4, "Mean inquiry focus of principals who arrive later", "leadership",
       unit="share", low=0.0, high=1.0),
    _p("principal_trait_sd", float, 0.1, "Spread of drawn principal traits around their means", "leadership",
       unit="share", low=0.0, high=0.5),
    _p("teacher_leader_share", float, 0.25, "Share of teachers holding informal leadership roles when "
       "leadership is fully distributed", "leadership", unit="share", low=0.0, high=1.0,
       source="Halverson & Spillane; assumption for the value"),
    _p("vision_internalization_rate", float, 0.08, "How fast teacher leaders take up the principal's focus "
       "as their own when it is stronger than theirs, scaled by distribution", "leadership",
       unit="per tick", low=0.0, high=1.0,
       source="Hargreaves (sustainability: depth and length); assumption for the value"),
    _p("shared_focus_decay", float, 0.02, "How fast a focus that no one codifies fades", "leadership",
       unit="per tick", low=0.0, high=1.0),
    # --- structural conditions ----------------------------------------------
    _p("meeting_time", float, 0.6, "Time set aside for collaboration, as a share of the most a school could give",
       "conditions", unit="share", low=0.0, high=1.0, source="Hord; Hipp & Huffman (structural conditions)"),
    _p("workload", float, 0.3, "Overload from outside demands that pulls engagement down", "conditions",
       unit="share", low=0.0, high=1.0),
    # --- social capital and trust -------------------------------------------
    _p("initial_trust", float, 0.4, "Mean pairwise trust when the run starts (the school's bonding social capital)",
       "trust", unit="share", low=0.0, high=1.0, source="Mulford (bonding social capital); Bryk & Schneider 2002"),
    _p("trust_spread", float, 0.1, "Spread of initial pairwise trust around its mean", "trust",
       unit="share", low=0.0, high=0.5),
    _p("newcomer_trust", float, 0.1, "Trust between a newcomer and each colleague on arrival", "trust",
       unit="share", low=0.0, high=1.0, source="MODEL.md: trust starts low for newcomers"),
    _p("trust_growth_rate", float, 0.12, "Trust gained in one useful conversation, as a share of the room left",
       "trust", unit="per conversation", low=0.0, high=1.0, source="Kruse & Louis (trust through exchange)"),
    _p("meeting_trust_rate", float, 0.3, "Trust gained by two colleagues who attend the same team meeting, "
       "as a share of the room left", "trust", unit="per meeting", low=0.0, high=1.0,
       source="Hord (supportive conditions: relationships); assumption for the value"),
    _p("trust_decay_rate", float, 0.01, "Share of trust lost each month between colleagues", "trust",
       unit="per tick", low=0.0, high=1.0),
    _p("strong_tie_threshold", float, 0.5, "Trust at or above which a tie counts as strong", "trust",
       unit="share", low=0.0, high=1.0),
    # --- dialogue and learning ----------------------------------------------
    _p("conversations_per_tick", int, 4, "Conversation partners each member seeks in a month", "dialogue",
       unit="per tick", low=0, high=20),
    _p("trust_contact_weight", float, 0.5, "How much trust decides whether a sought conversation happens",
       "dialogue", unit="share", low=0.0, high=1.0, source="Spillane, Kim & Frank 2012; assumption for the value"),
    _p("focus_depth_weight", float, 0.6, "How much the inquiry focus, rather than the pair's openness, "
       "deepens a conversation", "dialogue", unit="share", low=0.0, high=1.0,
       source="Little & Horn (from 'just talk' to consequential conversation)"),
    _p("transfer_rate", float, 0.15, "Share of a knowledge gap closed by one fully deep conversation", "learning",
       unit="per conversation", low=0.0, high=1.0, source="Frank, Penuel & Krause 2015 (know-how flows out)"),
    _p("inquiry_creation_rate", float, 0.02, "New knowledge made by one fully deep, focused conversation",
       "learning", unit="per conversation", low=0.0, high=1.0,
       source="Katz, Earl & Ben Jaafar (collaborative inquiry that challenges thinking)"),
    _p("congenial_averaging_rate", float, 0.08, "Share of a knowledge gap averaged away by shallow talk",
       "learning", unit="per conversation", low=0.0, high=1.0,
       source="Katz, Earl & Ben Jaafar ('together' can preserve the status quo)"),
    _p("complacency_rate", float, 0.03, "Openness to change lost in one shallow conversation", "learning",
       unit="per conversation", low=0.0, high=1.0,
       source="Katz, Earl & Ben Jaafar; Mulford (strong bonds can block change)"),
    _p("deprivatization_rate", float, 0.03, "Openness gained in one deep conversation", "learning",
       unit="per conversation", low=0.0, high=1.0, source="Hord (shared personal practice)"),
    _p("individual_learning_rate", float, 0.012, "Knowledge a fully open teacher gains alone in a month, "
       "as a share of the room left", "learning", unit="per tick", low=0.0, high=1.0),
    _p("knowledge_obsolescence", float, 0.006, "Share of practice quality lost each month as pupils, "
       "curricula and demands change", "learning", unit="per tick", low=0.0, high=1.0),
    _p("initial_knowledge", float, 0.5, "Mean knowledge and practice quality at the start", "learning",
       unit="share", low=0.0, high=1.0),
    _p("trait_spread", float, 0.12, "Spread of knowledge and openness among teachers at the start and among newcomers",
       "learning", unit="share", low=0.0, high=0.5),
    _p("initial_openness", float, 0.5, "Mean openness to de-privatize practice", "learning",
       unit="share", low=0.0, high=1.0, source="Hord (shared personal practice)"),
    # --- engagement -----------------------------------------------------------
    _p("engagement_rate", float, 0.1, "How fast engagement moves toward what the community is worth to a member",
       "engagement", unit="per tick", low=0.0, high=1.0),
    _p("engagement_base", float, 0.45, "Engagement of a member who gets nothing from the community", "engagement",
       unit="share", low=0.0, high=1.0),
    _p("value_weight", float, 1.5, "Weight of the community's perceived value (depth of talk) in engagement",
       "engagement", unit="weight", low=0.0, high=3.0),
    _p("support_weight", float, 0.3, "Weight of leadership support in engagement", "engagement",
       unit="weight", low=0.0, high=3.0, source="Hord (supportive conditions)"),
    _p("overload_weight", float, 0.3, "Weight of workload in engagement", "engagement",
       unit="weight", low=0.0, high=3.0),
    _p("colleague_loss_effect", float, 0.05, "Engagement lost per unit of trust in a colleague who leaves",
       "engagement", unit="per departure", low=0.0, high=1.0, source="MODEL.md: loss of trusted colleagues"),
    # --- organizational memory ----------------------------------------------
    _p("initial_memory", float, 0.3, "Codified practice (routines, artefacts) at the start", "memory",
       unit="share", low=0.0, high=1.0, source="Kruse & Louis (organizational memory)"),
    _p("codification_rate", float, 0.06, "How fast collective learning is written into routines and artefacts",
       "memory", unit="per tick", low=0.0, high=1.0, source="Kruse & Louis"),
    _p("memory_decay_rate", float, 0.02, "How fast unused routines are forgotten", "memory",
       unit="per tick", low=0.0, high=1.0),
    _p("memory_catchup_rate", float, 0.08, "How fast a newcomer in her first year learns from codified practice",
       "memory", unit="per tick", low=0.0, high=1.0, source="Kruse & Louis (memory lets newcomers catch up)"),
    # --- turnover -------------------------------------------------------------
    _p("teacher_turnover_rate", float, 0.155, "Annual chance that a teacher past her first three years, of "
       "typical satisfaction, leaves the school (moves or quits); with early-career leaving the overall rate "
       "is about 16%", "turnover", unit="per year", low=0.0, high=1.0,
       source=NCES_TFS + " (calibrated to the 15.8% overall rate)"),
    _p("turnover_sensitivity", float, 2.0, "How strongly low trust and engagement raise the chance of leaving",
       "turnover", unit="log-odds per unit", low=0.0, high=10.0),
    _p("typical_satisfaction", float, 0.6, "Satisfaction (mean of engagement and trust) at which the annual "
       "leaving chance equals teacher_turnover_rate", "turnover", unit="share", low=0.0, high=1.0),
    _p("early_career_factor", float, 1.5, "Multiplier on leaving for teachers in their first three years",
       "turnover", unit="ratio", low=0.0, high=5.0, source="NCES TFS 2012-13: leaving is higher early in a career"),
    _p("principal_turnover_rate", float, 0.18, "Annual chance that a principal leaves", "turnover",
       unit="per year", low=0.0, high=1.0, source=NCES_PFS),
    _p("newcomer_knowledge", float, 0.4, "Mean knowledge of teachers who replace leavers", "turnover",
       unit="share", low=0.0, high=1.0),
    _p("newcomer_engagement", float, 0.5, "Engagement of a newcomer on arrival", "turnover",
       unit="share", low=0.0, high=1.0),
    # --- network of schools ---------------------------------------------------
    _p("network_type", str, "small_world", "How schools are linked: none (isolated), ring, small_world, "
       "random or complete", "network", choices=("none", "ring", "small_world", "random", "complete"),
       source="Jackson (networked learning communities); Fang, Lee & Schilling 2010"),
    _p("network_degree", int, 4, "Partner schools per school", "network", unit="schools", low=1, high=50),
    _p("bridging_rate", float, 0.3, "Chance per month that two linked schools' boundary spanners meet, "
       "at full bridging capacity", "network", unit="per tick", low=0.0, high=1.0,
       source="Mulford (bridging social capital)"),
    _p("bridging_transfer", float, 0.05, "Share of a knowledge, focus or memory gap closed in one "
       "exchange between schools", "network", unit="per exchange", low=0.0, high=1.0,
       source="Katz, Earl & Ben Jaafar (networks re-seed schools)"),
    _p("bonding_insularity", float, 0.5, "How much a tightly bonded staff cuts its outside ties", "network",
       unit="share", low=0.0, high=1.0, source="Mulford (bonded groups have fewer outside ties)"),
    _p("network_facilitator", bool, False, "Whether a network facilitator keeps a shared focus across schools",
       "network", source="Katz, Earl & Ben Jaafar (network leadership)"),
    _p("facilitator_focus", float, 0.7, "The focus the facilitator keeps", "network", unit="share",
       low=0.0, high=1.0),
    _p("facilitator_rate", float, 0.03, "How fast schools' shared focus moves toward the facilitator's",
       "network", unit="per tick", low=0.0, high=1.0),
    # --- persistence ----------------------------------------------------------
    _p("decay_threshold", float, 0.35, "PLC health below which a community is failing", "persistence",
       unit="health", low=0.0, high=1.0),
    _p("decay_span", int, 10, "Consecutive ticks below (or back above) the threshold that count as decay "
       "(or recovery)", "persistence", unit="ticks", low=1, high=120),
    _p("observation_smoothing", float, 0.3, "Weight of the newest month in smoothed dialogue measures",
       "persistence", unit="share", low=0.01, high=1.0),
    # --- shocks (scenario events; -1 = never) --------------------------------
    _p("shock_share", float, 1.0, "Share of schools hit by scheduled shocks (the lowest-numbered)", "shocks",
       unit="share", low=0.0, high=1.0),
    _p("principal_leaves_tick", int, -1, "Tick at which the principals of the hit schools leave", "shocks",
       unit="tick", low=-1, high=100000, source="Hargreaves (leader succession)"),
    _p("budget_cut_tick", int, -1, "Tick at which a budget cut removes meeting time", "shocks",
       unit="tick", low=-1, high=100000),
    _p("budget_cut_size", float, 0.5, "Share of meeting time a budget cut removes", "shocks",
       unit="share", low=0.0, high=1.0),
    _p("turnover_wave_tick", int, -1, "Tick at which a wave of teachers leaves", "shocks",
       unit="tick", low=-1, high=100000),
    _p("turnover_wave_share", float, 0.3, "Chance that each teacher leaves in a turnover wave", "shocks",
       unit="share", low=0.0, high=1.0),
    _p("policy_focus_tick", int, -1, "Tick at which a new policy focus replaces the schools' own", "shocks",
       unit="tick", low=-1, high=100000),
    _p("policy_focus_level", float, 0.2, "Inquiry focus left after the new policy arrives", "shocks",
       unit="share", low=0.0, high=1.0),
    _p("policy_workload", float, 0.2, "Workload the new policy adds", "shocks",
       unit="share", low=0.0, high=1.0),
)

PARAMS_BY_NAME: dict[str, Param] = {p.name: p for p in PARAMETERS}


def _make_params_class() -> type:
    fields = [(p.name, p.kind, field(default=p.default)) for p in PARAMETERS]
    return dataclasses.make_dataclass(
        "Params", fields, frozen=True,
        namespace={"__doc__": "Validated values of every declared parameter (see PARAMETERS).",
                   "__post_init__": _validate_all, "replace": _replace, "as_dict": dataclasses.asdict},
    )


def _validate_all(self) -> None:
    for p in PARAMETERS:
        object.__setattr__(self, p.name, p.coerce(getattr(self, p.name)))


def _replace(self, **changes: Any) -> Params:
    """Return a copy with ``changes`` applied and validated."""
    check_names(changes)
    return dataclasses.replace(self, **changes)


Params = _make_params_class()
Params.__module__ = __name__


def suggest(word: str, choices: Iterable[str]) -> str:
    """A " (did you mean X?)" hint naming the choice closest to ``word``, or "" when none is close.

    The one "did you mean" of the project (difflib's similarity ratio, cutoff 0.6): ``trust_growht``
    suggests ``trust_growth_rate``, never an unrelated name that merely shares a prefix.
    """
    close = difflib.get_close_matches(str(word), list(choices), n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def check_names(names: Iterable[str]) -> None:
    """Raise ParameterError for the first name that is not a declared parameter."""
    for name in names:
        if name not in PARAMS_BY_NAME:
            raise ParameterError(f"{name}: unknown parameter{suggest(name, PARAMS_BY_NAME)}; "
                                 "`plc-sim params` lists them all")


def make_params(overrides: Mapping[str, Any] | None = None, base: Params | None = None) -> Params:
    """Return validated Params: ``base`` (or the defaults) with ``overrides`` applied."""
    overrides = dict(overrides or {})
    check_names(overrides)
    return (base or Params()).replace(**overrides)


def parse_assignment(text: str) -> tuple[str, Any]:
    """Parse ``name=value`` from the command line into a validated pair."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name or not value.strip():
        raise ParameterError(f"--set {text!r}: expected name=value, e.g. --set meeting_time=0.4")
    check_names([name])
    return name, PARAMS_BY_NAME[name].coerce(value.strip())

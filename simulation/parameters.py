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
from collections.abc import Iterable, Mapping
from dataclasses import field
from typing import Any

from simulation.declaration import TICKS_PER_YEAR, Param, ParameterError, _p, suggest

__all__ = ["PARAMETERS", "PARAMS_BY_NAME", "TICKS_PER_YEAR", "Param", "ParameterError", "Params", "check_names",
           "make_params", "once_per_params", "parse_assignment", "suggest"]

NCES_TFS = "NCES Teacher Follow-up Survey 2012-13: 84.3% stay, 8.1% move, 7.7% leave"
NCES_PFS = "NCES Principal Follow-up Survey 2016-17: 82% stay, 6% move, 10% leave, 2% unknown"

PARAMETERS: tuple[Param, ...] = (
    # --- structure -----------------------------------------------------------
    _p("n_schools", int, 20, "Number of schools in the network", "structure",
       unit="schools", low=1, high=100_000, source="Jackson; Katz, Earl & Ben Jaafar (networked learning communities)"),
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
    _p("grade_teams", int, 6, "Grade-level teams in a primary school (a primary teacher's own group)", "structure",
       unit="teams", low=1, high=12, source="Spillane, Kim & Frank 2012 (grade level organizes primary advice ties)"),
    _p("cross_grade_contact", float, 0.4, "Chance that a primary teacher's conversation partner is drawn from the "
       "whole school rather than her own grade team", "structure", unit="probability", low=0.0, high=1.0,
       source="Spillane, Kim & Frank 2012; assumption for the value"),
    _p("subgroup_discount", float, 0.5, "How much whole-school measures of learning and shared practice discount "
       "talk confined to a teacher's own department or grade team (balkanization)", "structure",
       unit="share", low=0.0, high=1.0,
       source="Hargreaves (balkanized cultures); Louis, Marks & Kruse 1996; assumption for the value"),
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
    _p("champion_boost", float, 0.0, "Extra support and focus of the first principals of the schools hit by a "
       "scheduled principal departure (champions); every successor is drawn like the sitting principals",
       "leadership", unit="share", low=0.0, high=1.0, source="Hargreaves (charismatic leaders and succession)"),
    _p("succession_ramp_years", float, 3.0, "Years a new principal needs to build her full standing and support",
       "leadership", unit="years", low=0.0, high=10.0,
       source="Hart 1993 (succession as socialization); Miller 2013 (achievement recovers within a few years)"),
    _p("successor_initial_standing", float, 0.4, "Share of her support a new principal can give on arrival",
       "leadership", unit="share", low=0.0, high=1.0,
       source="Béteille, Kalogrides & Loeb 2012; Miller 2013 (dip after a change); assumption for the value"),
    _p("successor_adoption_rate", float, 0.05, "How fast a principal in her first years takes up her teacher "
       "leaders' shared focus when it is stronger than her own", "leadership", unit="per tick", low=0.0, high=1.0,
       source="Hart 1993 (the group socializes its new leader); assumption for the value"),
    _p("dismantling_share", float, 0.0, "Chance that a successor dismantles her predecessor's collaborative work "
       "(discontinuous succession): she takes away meeting time, routines and shared focus, and staff disengage",
       "leadership", unit="share", low=0.0, high=1.0,
       source="Hargreaves & Fink 2006, Fink & Brayman 2006 (successors who undo their predecessors' improvements); "
              "off by default until calibrated with every pattern (ODD, Validation 9)"),
    _p("dismantling_loss", float, 0.9, "Share of the school's meeting time and the teacher leaders' shared focus that "
       "a dismantling successor takes away", "leadership", unit="share", low=0.0, high=1.0,
       source="assumption; acts only with dismantling_share (ODD, Validation 9)"),
    _p("dismantling_memory_loss", float, 0.9, "Share of the school's codified routines (organizational memory) that a "
       "dismantling successor takes away; 0: practice written into routines outlives her", "leadership",
       unit="share", low=0.0, high=1.0,
       source="assumption; Taylor 2006 (practice can outlive the dropped reform); acts only with dismantling_share "
              "(ODD, Validation 9)"),
    _p("dismantling_disengagement", float, 0.6, "Share of engagement lost by each member of a year or more at the "
       "school when a successor dismantles the community's work", "leadership", unit="share", low=0.0, high=1.0,
       source="assumption; acts only with dismantling_share (ODD, Validation 9)"),
    _p("dismantling_withdrawal", float, 0.0, "Share of her support for the community and of her inquiry focus that a "
       "dismantling successor withholds while she is in post (0: after the blow she leads like any principal)",
       "leadership", unit="share", low=0.0, high=1.0,
       source="Hargreaves & Fink 2006, Fink & Brayman 2006 (successors who bring their own agenda keep their "
              "predecessors' work undone); acts only with dismantling_share (ODD, Validation 9)"),
    _p("principal_trait_sd", float, 0.21, "Spread of drawn principal traits around their means", "leadership",
       unit="share", low=0.0, high=0.5,
       source="Branch, Hanushek & Rivkin 2012; Grissom, Egalite & Lindsay 2021 (principals differ widely in "
              "effectiveness); value calibrated with the patterns (ODD, Validation 8)"),
    _p("leader_support_share", float, 0.5, "Weight of the principal's support, against teacher leaders' engagement, "
       "in the shared-leadership dimension", "leadership", unit="share", low=0.0, high=1.0,
       source="Hipp & Huffman (PLCA-R: shared and supportive leadership); assumption for the value"),
    _p("relational_conditions_share", float, 0.5, "Weight of relational trust, against structural time, in the "
       "supportive-conditions dimension", "leadership", unit="share", low=0.0, high=1.0,
       source="Hipp & Huffman (PLCA-R: relationships and structures); assumption for the value"),
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
    _p("policy_churn_rate", float, 0.38, "Annual chance that a school receives a new external initiative at a year "
       "start: it adds workload and displaces part of the routines and shared focus (policy churn)",
       "conditions", unit="per year", low=0.0, high=1.0,
       source="Hess 1999 (policy churn in urban districts); Datnow 2005 (reforms dropped when district "
              "priorities change); value calibrated with the patterns (ODD, Validation 8)"),
    _p("initiative_displacement", float, 0.39, "Share of a school's codified routines (organizational memory) "
       "and of its teacher leaders' shared focus that a new external initiative displaces", "conditions",
       unit="share", low=0.0, high=1.0,
       source="Newmann, Smith, Allensworth & Bryk 2001 (program incoherence); Datnow 2005; value calibrated with "
              "the patterns (ODD, Validation 8)"),
    _p("initiative_diversion", float, 2.0, "Share of the principal's inquiry focus diverted by each unit of workload "
       "above its base (an initiative's demands take her attention until they fade)", "conditions",
       unit="per unit of workload", low=0.0, high=5.0,
       source="Newmann, Smith, Allensworth & Bryk 2001 (program incoherence); value calibrated with the patterns "
              "(ODD, Validation 8)"),
    _p("workload_recovery_rate", float, 0.03, "Share of the workload above its base level that fades each month as "
       "an initiative's demands are dropped (0 = added workload stays)", "conditions", unit="per tick",
       low=0.0, high=1.0, source="Hess 1999 (initiatives are adopted and abandoned); assumption"),
    _p("time_cut_rate", float, 0.0, "Annual chance that a school loses time_cut_size of its meeting time at a "
       "year start (professional-development time or funds cut)", "conditions", unit="per year", low=0.0, high=1.0,
       source="Taylor 2006 (lack of professional-development support, with faculty retention the strongest of "
              "eleven risk factors); Datnow 2005 (resources and district demands); off by default until calibrated "
              "with every pattern (ODD, Validation 9)"),
    _p("time_cut_size", float, 0.5, "Share of its meeting time a school loses in each recurring cut of "
       "time_cut_rate (the budget-cut shock has its own size, budget_cut_size)", "conditions", unit="share",
       low=0.0, high=1.0,
       source="assumption; acts only with time_cut_rate, to be calibrated with it (ODD, Validation 9)"),
    _p("time_restoration_rate", float, 0.0, "Share of the meeting time lost to cuts below its declared level that "
       "returns each month as budgets are restored (0 = a cut is for good)", "conditions", unit="per tick",
       low=0.0, high=1.0, source="assumption; off by default with time_cut_rate (ODD, Validation 9)"),
    # --- social capital and trust -------------------------------------------
    _p("initial_trust", float, 0.4, "Mean pairwise trust when the run starts (the school's bonding social capital)",
       "trust", unit="share", low=0.0, high=1.0, source="Mulford (bonding social capital); Bryk & Schneider 2002"),
    _p("social_capital", float, 0.5, "Social capital as lasting conditions: how trust is built in meetings, kept, "
       "extended to newcomers and bridged to partner schools (0.5 = the declared rates as they are; 0 halves each, "
       "1 raises each by half; forgetting moves the other way)", "trust", unit="level", low=0.0, high=1.0,
       source="Leana & Pil 2006; Pil & Leana 2009; Mulford 2007 (bonding and bridging); components and sources in "
              "simulation/social_capital.py"),
    _p("trust_spread", float, 0.1, "Spread of initial pairwise trust around its mean", "trust",
       unit="share", low=0.0, high=0.5),
    _p("newcomer_trust", float, 0.1, "Trust between a newcomer and each colleague on arrival", "trust",
       unit="share", low=0.0, high=1.0, source="Bryk & Schneider 2002 (trust is built over time)"),
    _p("trust_growth_rate", float, 0.06, "Trust gained in one conversation with a colleague who shows full "
       "competence and commitment, as a share of the room left", "trust", unit="per conversation",
       low=0.0, high=1.0, source="Bryk & Schneider 2002 (competence, respect, regard, integrity); Kruse & Louis"),
    _p("meeting_trust_rate", float, 0.2, "Familiarity trust gained by two colleagues who attend the same team "
       "meeting, as a share of the room left", "trust", unit="per meeting", low=0.0, high=1.0,
       source="Hord (supportive conditions: relationships); assumption for the value"),
    _p("trust_decay_rate", float, 0.002, "Share of trust forgotten each month between colleagues", "trust",
       unit="per tick", low=0.0, high=1.0, source="assumption (trust has a long memory: Bryk & Schneider 2002)"),
    _p("breach_chance", float, 0.04, "Chance that a conversation breaches trust when the partner shows nothing "
       "(scaled by what she does not show)", "trust", unit="per conversation", low=0.0, high=1.0,
       source="Bryk & Schneider 2002 (discernments of integrity); assumption for the value"),
    _p("breach_loss", float, 0.4, "Share of trust lost in one breach: trust is lost fast and gained slowly",
       "trust", unit="share", low=0.0, high=1.0, source="Slovic 1993 (the asymmetry principle)"),
    _p("vulnerability_threshold", float, 0.35, "Trust at which colleagues risk exposing their own practice: "
       "below it, talk stays congenial and a teacher tries little new on her own", "trust", unit="share", low=0.0,
       high=1.0, source="Bryk & Schneider 2002 (trust as willingness to be vulnerable); Edmondson 1999 "
       "(psychological safety and experimenting); assumption for the value"),
    _p("vulnerability_width", float, 0.08, "How sharply depth and experimenting rise around the vulnerability "
       "threshold (logistic width)", "trust", unit="share", low=0.01, high=1.0, source="assumption"),
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
    _p("collegial_norm", float, 0.3, "Depth of talk a staff expects: talk below it closes practice, talk above it "
       "opens it", "learning", unit="depth", low=0.0, high=1.0,
       source="Little 1990 (from storytelling to joint work); assumption for the value"),
    _p("complacency_rate", float, 0.03, "Openness to change lost in one conversation with no depth at all "
       "(scaled by how far talk falls below the collegial norm)", "learning",
       unit="per conversation", low=0.0, high=1.0,
       source="Katz, Earl & Ben Jaafar; Mulford (strong bonds can block change)"),
    _p("deprivatization_rate", float, 0.03, "Openness gained in one fully deep conversation (scaled by how far "
       "talk rises above the collegial norm)", "learning",
       unit="per conversation", low=0.0, high=1.0, source="Hord (shared personal practice)"),
    _p("individual_learning_rate", float, 0.018, "Knowledge a fully open teacher who feels safe gains alone in a "
       "month, as a share of the room left", "learning", unit="per tick", low=0.0, high=1.0,
       source="value set with felt_safety_weight 1 so that focused inquiry still raises knowledge, a designed start "
              "is still forgotten and trust measured first predicts improvement (ODD, Validation 3); moved by "
              "+-10% in the region around the defaults"),
    _p("felt_safety_weight", float, 1.0, "Share of a teacher's own learning that waits on her felt safety, the "
       "vulnerability curve at her mean trust in her colleagues (0: she learns alone at the full rate whatever her "
       "trust; 1: only as far as she feels safe)", "learning", unit="share", low=0.0, high=1.0,
       source="Edmondson 1999 (psychological safety and experimenting); Bryk & Schneider 2002; at 1 trust measured "
              "first predicts improvement with socialization off (ODD, Validation 3)"),
    _p("knowledge_obsolescence", float, 0.006, "Share of practice quality lost each month as pupils, "
       "curricula and demands change", "learning", unit="per tick", low=0.0, high=1.0),
    _p("initial_knowledge", float, 0.5, "Mean knowledge and practice quality at the start", "learning",
       unit="share", low=0.0, high=1.0),
    _p("trait_spread", float, 0.12, "Spread of knowledge and openness among teachers at the start and among newcomers",
       "learning", unit="share", low=0.0, high=0.5),
    _p("initial_openness", float, 0.5, "Mean openness to de-privatize practice", "learning",
       unit="share", low=0.0, high=1.0, source="Hord (shared personal practice)"),
    _p("newcomer_openness", float, 0.5, "Mean openness of teachers who replace leavers", "learning",
       unit="share", low=0.0, high=1.0, source="assumption"),
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
    _p("colleague_loss_effect", float, 0.3, "Engagement a member loses if every colleague she trusts fully leaves "
       "(scaled by her trust in each leaver and the share of staff leaving)", "engagement", unit="share",
       low=0.0, high=1.0, source="Johnson, Kraft & Papay 2012 (colleagues shape staying); assumption for the value"),
    # --- organizational memory ----------------------------------------------
    _p("initial_memory", float, 0.3, "Codified practice (routines, artefacts) at the start", "memory",
       unit="share", low=0.0, high=1.0, source="Kruse & Louis (organizational memory)"),
    _p("codification_rate", float, 0.1, "How fast collective learning is written into routines and artefacts",
       "memory", unit="per tick", low=0.0, high=1.0,
       source="Kruse & Louis (organizational memory); value calibrated with the patterns (ODD, Validation 8)"),
    _p("memory_decay_rate", float, 0.02, "How fast unused routines are forgotten", "memory",
       unit="per tick", low=0.0, high=1.0),
    _p("memory_catchup_rate", float, 0.08, "How fast a newcomer in her first years learns from codified practice",
       "memory", unit="per tick", low=0.0, high=1.0, source="Kruse & Louis (memory lets newcomers catch up)"),
    _p("catchup_years", int, 1, "Years in which a newcomer counts as new (learns from memory, is inducted)",
       "memory", unit="years", low=0, high=10, source="assumption (a first-year induction)"),
    _p("socialization_rate", float, 0.02, "How fast members' knowledge moves toward codified practice, times the "
       "month's participation (March's socialization, through routines in use)", "memory", unit="per tick",
       low=0.0, high=1.0,
       source="March 1991 (mutual learning: the code learns from members, members from the code); value set with "
              "Validation 3's predictive check (trust measured first predicts improvement), so that check does "
              "not validate it"),
    _p("memory_rule", str, "protocols", "How codified memory acts: archive (newcomers catch up on it) or "
       "protocols (also, its protocols let colleagues talk about practice before trust is high, and its "
       "induction routines bring newcomers into the staff's openness)", "memory", choices=("archive", "protocols"),
       source="Kruse & Louis; Little & Horn (protocols structure consequential talk)"),
    _p("protocol_strength", float, 0.5, "How much codified protocols stand in for trust in making talk deep "
       "(protocols rule)", "memory", unit="share", low=0.0, high=1.0, source="Little & Horn; assumption"),
    # --- turnover -------------------------------------------------------------
    _p("teacher_turnover_rate", float, 0.155, "Annual chance that a teacher past her first three years, of "
       "typical satisfaction, leaves the school (moves or quits); with early-career leaving the overall rate "
       "is about 16%", "turnover", unit="per year", low=0.0, high=1.0,
       source=NCES_TFS + " (calibrated to the 15.8% overall rate)"),
    _p("turnover_sensitivity", float, 2.0, "How strongly a poor school (low engagement, collegial trust and "
       "leadership support) raises the chance of leaving", "turnover", unit="log-odds per unit", low=0.0, high=10.0,
       source="Johnson, Kraft & Papay 2012; Ingersoll 2001 (working conditions drive leaving)"),
    _p("conditions_weight", float, 0.34, "Weight of leadership support in a teacher's satisfaction; engagement "
       "and collegial trust share the rest equally", "turnover", unit="share", low=0.0, high=1.0,
       source="Johnson, Kraft & Papay 2012 (leadership matters most); assumption for the value"),
    _p("typical_satisfaction", float, 0.565, "Satisfaction at which the annual leaving chance equals "
       "teacher_turnover_rate", "turnover", unit="share", low=0.0, high=1.0, source="assumption (calibrated)"),
    _p("early_career_factor", float, 1.5, "Multiplier on leaving for teachers early in their time at a school",
       "turnover", unit="ratio", low=0.0, high=5.0, source="NCES TFS 2012-13: leaving is higher early in a career"),
    _p("early_career_years", int, 3, "Years at a school during which early_career_factor applies", "turnover",
       unit="years", low=0, high=20, source="NCES TFS 2012-13 (teachers with 1-3 years)"),
    _p("mover_share", float, 0.51, "Share of leavers who move to another school of the network, taking their "
       "knowledge; the rest leave teaching or the network", "turnover", unit="share", low=0.0, high=1.0,
       source=NCES_TFS + " (8.1 of 15.8)"),
    _p("initial_tenure_max", int, 14, "Longest tenure (years) drawn for the starting teachers (uniform from 0)",
       "turnover", unit="years", low=0, high=40, source="assumption"),
    _p("principal_turnover_rate", float, 0.18, "Annual chance that a principal of a school of typical health "
       "leaves", "turnover", unit="per year", low=0.0, high=1.0, source=NCES_PFS),
    _p("principal_exit_sensitivity", float, 2.0, "How strongly a school's low health raises the chance that its "
       "principal leaves", "turnover", unit="log-odds per unit", low=0.0, high=20.0,
       source="Béteille, Kalogrides & Loeb 2012 (principals leave struggling schools)"),
    _p("typical_health", float, 0.35, "Yearly mean health at which the principal's leaving chance equals "
       "principal_turnover_rate", "turnover", unit="health", low=0.0, high=1.0,
       source="assumption (calibrated with Validation 1: principal turnover and tenure)"),
    _p("initial_principal_tenure_max", int, 7, "Longest tenure (years) drawn for the first principals",
       "turnover", unit="years", low=0, high=40, source="assumption"),
    _p("newcomer_knowledge", float, 0.4, "Mean knowledge of teachers who replace leavers", "turnover",
       unit="share", low=0.0, high=1.0),
    _p("newcomer_engagement", float, 0.5, "Engagement of a newcomer on arrival", "turnover",
       unit="share", low=0.0, high=1.0),
    # --- network of schools ---------------------------------------------------
    _p("network_type", str, "small_world", "How schools are linked: none (isolated), ring, small_world, "
       "random or complete", "network", choices=("none", "ring", "small_world", "random", "complete"),
       source="Jackson (networked learning communities); Fang, Lee & Schilling 2010"),
    _p("network_degree", int, 4, "Partner schools per school", "network", unit="schools", low=1, high=50),
    _p("small_world_rewiring", float, 0.1, "Chance that a small-world link is rewired to a random school",
       "network", unit="probability", low=0.0, high=1.0, source="Watts & Strogatz 1998"),
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
    _p("initiating_level", float, 0.25, "Yearly mean health from which a school is initiating a PLC (stage 1); a "
       "formed community whose yearly mean falls below it for decay_span years has decayed", "persistence",
       unit="health", low=0.0, high=1.0,
       source="Huffman & Hipp 2003 (initiation, implementation, institutionalization); DuFour et al. continuum "
              "(pre-initiation, initiation); the cutpoint on the health index is a documented choice (ODD 6)"),
    _p("implementing_level", float, 0.35, "Yearly mean health from which a school is implementing a PLC (stage 2, "
       "a working community): a year at it forms a community, and a decayed one re-forms there", "persistence",
       unit="health", low=0.0, high=1.0,
       source="Huffman & Hipp 2003; DuFour et al. continuum (implementation: a critical mass takes part); the "
              "cutpoint is a documented choice (ODD 6)"),
    _p("sustaining_level", float, 0.5, "Yearly mean health from which a school is sustaining its PLC (stage 3, "
       "embedded in the culture)", "persistence", unit="health", low=0.0, high=1.0,
       source="Huffman & Hipp 2003 (institutionalization); DuFour et al. continuum (sustaining); the cutpoint is a "
              "documented choice (ODD 6)"),
    _p("decay_span", int, 1, "Consecutive school years below initiating_level that count as decay (and at "
       "implementing_level or above that count as re-forming)", "persistence", unit="years", low=1, high=20,
       source="science brief: a move between stages held for a school year"),
    _p("erosion_drop", float, 0.04, "Erosion (a secondary measure): fall of a formed school's yearly mean health "
       "below its own established level that counts as erosion", "persistence", unit="health", low=0.0, high=1.0,
       source="assumption (about one and a half standard deviations of a school's yearly mean around its own level)"),
    _p("erosion_recovery_drop", float, 0.015, "An eroded community has regained its level when its yearly mean is "
       "back within this of its established level (smaller than erosion_drop: a hysteresis band)", "persistence",
       unit="health", low=0.0, high=1.0, source="assumption"),
    _p("establishing_rate", float, 0.3, "Weight of the newest yearly mean in a formed school's established level "
       "(erosion)", "persistence", unit="share", low=0.0, high=1.0, source="assumption"),
    _p("observation_smoothing", float, 0.3, "Weight of the newest month in smoothed dialogue measures",
       "persistence", unit="share", low=0.01, high=1.0),
    # --- shocks (scenario events; -1 = never) --------------------------------
    _p("shock_share", float, 1.0, "Share of schools hit by scheduled shocks (the lowest-numbered)", "shocks",
       unit="share", low=0.0, high=1.0),
    _p("principal_leaves_tick", int, -1, "Tick at which the principals of the hit schools leave", "shocks",
       unit="tick", low=-1, high=100000, source="Hargreaves (leader succession)"),
    _p("budget_cut_tick", int, -1, "Tick at which a budget cut removes meeting time", "shocks",
       unit="tick", low=-1, high=100000),
    _p("budget_cut_size", float, 0.5, "Share of meeting time the budget-cut shock removes, scheduled or live (the "
       "recurring cuts of time_cut_rate have their own size, time_cut_size)", "shocks", unit="share", low=0.0,
       high=1.0, source="assumption"),
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
    _check_stage_order(self)
    _check_complete_size(self)


STAGE_CUTPOINTS = ("initiating_level", "implementing_level", "sustaining_level")
"""The health cutpoints of the PLC stages, lowest first (ODD 6): each must be at most the next."""


def _check_stage_order(params) -> None:
    for lower, upper in zip(STAGE_CUTPOINTS, STAGE_CUTPOINTS[1:], strict=False):
        if getattr(params, lower) > getattr(params, upper):
            raise ParameterError(f"{lower}: {getattr(params, lower):g} is above {upper} ({getattr(params, upper):g}); "
                                 f"the stage cutpoints must rise: {' <= '.join(STAGE_CUTPOINTS)}")


COMPLETE_MAX_SCHOOLS = 2000
"""Largest network that ``network_type = "complete"`` may link: its ties grow with the square of the schools
(2,000 schools have about 2 million; 100,000 would have 5 billion, more than any machine holds)."""


def _check_complete_size(params) -> None:
    if params.network_type == "complete" and params.n_schools > COMPLETE_MAX_SCHOOLS:
        raise ParameterError(f"n_schools: {params.n_schools} is not allowed with network_type complete; expected an "
                             f"integer from 1 to {COMPLETE_MAX_SCHOOLS} (every pair of schools is linked), or a "
                             "small_world, random, ring or none network")


def _replace(self, **changes: Any) -> Params:
    """Return a copy with ``changes`` applied and validated."""
    check_names(changes)
    return dataclasses.replace(self, **changes)


Params = _make_params_class()
Params.__module__ = __name__


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


def once_per_params(build):
    """``build(p)``, made once per parameter set and then reused: a rule's rates are constants of a run (``Params``
    is frozen; a changed run gets a new one), while building their named tuple and scaling them by social capital
    every tick cost as much as some kernels' arithmetic at the default network (``simulation.rules``).

    Kept by the parameter object itself (``is``), so equal but distinct parameter sets each build their own; the
    store is emptied when it holds many (a sweep makes one parameter set per point). The parameters of a batch of
    runs (:mod:`simulation.batch`) build each run's own and join them (their ``joined``).
    """
    kept: dict[int, tuple] = {}
    last: tuple = (None, None)  # a run asks for the same parameter set every tick: checked first

    def cached(p):
        nonlocal last
        if last[0] is p:
            return last[1]
        hit = kept.get(id(p))
        if hit is None or hit[0] is not p:
            if len(kept) >= 256:
                kept.clear()
            joined = getattr(p, "joined", None)
            built = build(p) if joined is None else joined(build)
            hit = kept[id(p)] = (p, built)  # holding p keeps its id from being reused while the entry lives
        last = hit
        return hit[1]

    cached.__doc__, cached.__name__, cached.__wrapped__ = build.__doc__, build.__name__, build
    return cached

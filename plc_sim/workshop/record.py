"""Saving a workshop session and replaying it exactly from its seed and decision log.

A session is saved to ``results/workshops/<date>-<code>/``: ``decisions.parquet`` (one row per school per
year: what it did, and whether a participant or the autopilot decided), ``shocks.parquet``,
``events.parquet`` (what happened, in words), ``schools.parquet`` and ``network.parquet`` (the time series),
``participants.parquet`` (participant numbers and schools; names are not saved) and ``provenance.json``
(parameters, seed, preset, versions, commit). :func:`replay` rebuilds the session's model from the seed and
the log alone; :func:`replays_identically` checks a saved folder against its own replay.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import threading
from itertools import groupby
from pathlib import Path

import numpy as np
import pandas as pd

from plc_sim.core.errors import InputError
from plc_sim.core.files import staged_folder, write_json_atomic
from plc_sim.core.provenance import provenance
from plc_sim.workshop.decisions import FULL_BUDGET, Decision
from plc_sim.workshop.session import Action, Workshop, apply_decisions, apply_shock, build_model
from simulation import PLCModel, network_frame, school_frame
from simulation.parameters import TICKS_PER_YEAR, Params

WORKSHOPS = Path("results") / "workshops"
DECISION_COLUMNS = ["seq", "tick", "year", "school", "meeting_time", "distribution", "induction", "partner",
                    "leaders", "source", "participant"]
SHOCK_COLUMNS = ["seq", "tick", "year", "shock", "schools"]
_SAVING = threading.Lock()


def session_folder(workshop: Workshop, root: Path = WORKSHOPS) -> Path:
    """``root/<date the session started (UTC)>-<join code>``."""
    day = dt.datetime.fromtimestamp(workshop.started, dt.UTC).strftime("%Y-%m-%d")
    return Path(root) / f"{day}-{workshop.code}"


def decision_table(actions: list[Action]) -> pd.DataFrame:
    rows = [{"seq": a.seq, "tick": a.tick, "year": a.tick // TICKS_PER_YEAR + 1, "school": a.schools[0],
             **a.decision.as_row(), "source": a.source, "participant": a.participant}
            for a in actions if a.kind == "decision"]
    return pd.DataFrame(rows, columns=DECISION_COLUMNS)


def shock_table(actions: list[Action]) -> pd.DataFrame:
    rows = [{"seq": a.seq, "tick": a.tick, "year": a.tick // TICKS_PER_YEAR + 1, "shock": a.shock,
             "schools": list(a.schools)} for a in actions if a.kind == "shock"]
    return pd.DataFrame(rows, columns=SHOCK_COLUMNS)


def event_table(model: PLCModel) -> pd.DataFrame:
    return pd.DataFrame([e.as_row(model.p) for e in model.events],
                        columns=["tick", "kind", "schools", "count", "of", "cause", "text"])


def save(workshop: Workshop, root: Path = WORKSHOPS) -> Path:
    """Write the session's tables and provenance to its folder (replacing its own earlier save); return it.

    Saves run one at a time (a background save after a year and the debrief's save may overlap).
    """
    out = session_folder(workshop, root)
    with _SAVING:
        with workshop.lock:  # a consistent snapshot; the pages wait only for this
            model, actions = workshop.model, list(workshop.actions)
            tables = {"decisions": decision_table(actions), "shocks": shock_table(actions),
                      "events": event_table(model), "schools": school_frame(model), "network": network_frame(model),
                      "participants": pd.DataFrame([{"participant": p.number, "school": p.school}
                                                    for p in workshop.participants.values()],
                                                   columns=["participant", "school"])}
            facts = {"preset": workshop.preset, "seed": workshop.seed, "ticks": model.steps, "code": workshop.code,
                     "parameters": workshop.params.as_dict(), "replaced_rules": sorted(model.replaced_rules)}
        with staged_folder(out, "workshop", overwrite=True) as staging:
            for name, frame in tables.items():
                frame.to_parquet(staging / f"{name}.parquet", index=False)
            write_json_atomic(staging / "provenance.json", provenance(command="workshop", **facts))
    return out


def save_or_refusal(workshop: Workshop, root: Path = WORKSHOPS) -> tuple[Path | None, str]:
    """:func:`save`, for the server: a refusal (a file in the session's folder that plc-sim did not write, or
    has changed since) comes back as its one line, also printed on the terminal, instead of an exception."""
    try:
        return save(workshop, root), ""
    except InputError as error:
        print(f"plc-sim: workshop: not saved: {error}", file=sys.stderr)
        return None, str(error)


def replay(params: Params, seed: int, actions: list[Action], ticks: int) -> PLCModel:
    """Rebuild a session's model from its seed and log: shocks and decisions where they happened, then months."""
    model, roles = build_model(params, seed)
    base_links = model.links.copy()
    budget = np.full(params.n_schools, FULL_BUDGET)  # decisions in the log are already within budget
    decisions: list[Decision | None] = [None] * params.n_schools
    for tick, group in groupby(sorted(actions, key=lambda a: a.seq), key=lambda a: a.tick):
        _step_to(model, tick)
        decided = False
        for action in group:
            if action.kind == "shock":
                apply_shock(model, action.shock, action.schools, budget)
            else:
                decisions[action.schools[0]] = action.decision
                decided = True
        if decided:
            apply_decisions(model, roles, base_links, decisions)
    _step_to(model, ticks)
    return model


def _step_to(model: PLCModel, tick: int) -> None:
    while model.steps < tick:
        model.step()


def load_actions(folder: Path) -> list[Action]:
    """The session log from a saved folder's ``decisions.parquet`` and ``shocks.parquet``, in order."""
    folder = Path(folder)
    actions = [Action(int(r.seq), int(r.tick), "decision", (int(r.school),),
                      decision=Decision(float(r.meeting_time), float(r.distribution), float(r.induction),
                                        int(r.partner), tuple(int(x) for x in r.leaders)),
                      source=r.source, participant=int(r.participant))
               for r in pd.read_parquet(folder / "decisions.parquet").itertuples()]
    actions += [Action(int(r.seq), int(r.tick), "shock", tuple(int(x) for x in r.schools), shock=r.shock)
                for r in pd.read_parquet(folder / "shocks.parquet").itertuples()]
    return sorted(actions, key=lambda a: a.seq)


def replay_folder(folder: Path) -> PLCModel:
    """Replay the session saved in ``folder`` from its provenance (parameters, seed, months) and log."""
    record = json.loads((Path(folder) / "provenance.json").read_text(encoding="utf-8"))
    return replay(Params(**record["parameters"]), record["seed"], load_actions(folder), record["ticks"])


def replays_identically(folder: Path) -> bool:
    """Whether replaying ``folder`` gives exactly its saved per-school and network series."""
    model = replay_folder(folder)
    saved_schools = pd.read_parquet(Path(folder) / "schools.parquet")
    saved_network = pd.read_parquet(Path(folder) / "network.parquet")
    return school_frame(model).equals(saved_schools) and network_frame(model).equals(saved_network)

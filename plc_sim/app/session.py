"""One browser tab's simulation: its run (or two, to compare), the play loop, and what the room did to it.

Stepping is decoupled from drawing. A :class:`Session` owns one worker thread
that steps the run while playing, builds a small :class:`Frame` of plain data
under the run's lock, and hands it to ``publish`` (the page's state setter),
then sleeps until the next month is due or a button wakes it. Buttons only
change the run under its lock and wake the thread, which publishes at once:
a shock, a new scenario or a Reset during Play shows in the next frame. The
thread never queues work: if drawing is slow, fewer months are shown per
second, each the latest.

Fair sharing between tabs: every play frame goes through the server's one
:data:`~plc_sim.app.fairness.GATE` (one frame at a time, a bounded number
and share of time for all playing tabs together, and none while another tab
is being opened). A closed tab stops its thread (``close``).

Everything the room does is recorded (:class:`RunRecord`), so the same run can
be rebuilt bit for bit from its parameters, seed and actions, e.g. after a
reload of the page.
"""

from __future__ import annotations

import ctypes
import gc
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from typing import Any

from plc_sim.app.export import csv_bytes, run_table
from plc_sim.app.fairness import GATE
from plc_sim.app.frames import History, RunView, comparison_sentence, preset_title, run_view
from plc_sim.app.model import SHOCK_BUTTONS, SHOCK_PHRASES, WorkshopModel, shock_marks
from plc_sim.app.settings import RunSettings
from plc_sim.app.whatif import WHAT_IFS, made_of
from simulation.calendar import in_sentence
from simulation.interventions import INTERVENTIONS
from simulation.parameters import TICKS_PER_YEAR

SPEEDS: dict[str, float] = {"slow": 0.6, "normal": 0.25, "fast": 0.1}
"""Seconds between months while playing."""

MAX_MONTHS = 50 * TICKS_PER_YEAR
"""A run in the app stops after 50 school years (its history stays small)."""

SINGLE_LABEL = "mean of all schools"
"""The chart's legend for the line of a single run (its band is the range across schools)."""

@dataclass(frozen=True)
class Action:
    """Something the room did at month ``tick``: a shock (``name``, ``target``), a policy started or stopped
    (``name``, (``target``, on)) or a live change (``name``, value)."""

    tick: int
    kind: str  # "shock", "policy" or "change"
    name: str
    value: Any


@dataclass(frozen=True)
class RunRecord:
    """Everything that determines a tab's run: settings, seed, the change compared (a key of
    :data:`~plc_sim.app.whatif.WHAT_IFS`), actions, months run."""

    settings: RunSettings = field(default_factory=RunSettings)
    seed: str = "0"
    compare: str | None = None
    actions: tuple[Action, ...] = ()
    steps: int = 0


@dataclass(frozen=True)
class Frame:
    """What the page shows now: one view per run, whether playing, and (comparing) a sentence."""

    seq: int
    runs: tuple[RunView, ...]
    playing: bool
    speed: str
    measure: str
    colour_by: str
    sentence: str = ""
    compare: str | None = None  # the compared change's key in WHAT_IFS


KEPT_RUNS: OrderedDict[str, RunRecord] = OrderedDict()
"""The latest record of each tab's run by the token in its address, so a reload rebuilds the same run (newest
:data:`KEEP_RUNS` kept; a record is a few hundred bytes)."""

KEEP_RUNS = 500


_KEPT_LOCK = threading.Lock()


def kept_run(token: str | None) -> RunRecord | None:
    """The run kept under ``token``, if any."""
    with _KEPT_LOCK:
        return KEPT_RUNS.get(token) if token else None


def keep_run(token: str, record: RunRecord) -> None:
    """Keep ``record`` under ``token`` (the newest :data:`KEEP_RUNS`)."""
    with _KEPT_LOCK:
        KEPT_RUNS[token] = record
        KEPT_RUNS.move_to_end(token)
        while len(KEPT_RUNS) > KEEP_RUNS:
            KEPT_RUNS.popitem(last=False)



_RELEASE_DELAY = 5.0
"""Seconds after a tab closes before freed memory is handed back (its page and run are dropped meanwhile)."""

_release_timer: threading.Timer | None = None
_release_lock = threading.Lock()


def release_memory_soon() -> None:
    """Soon, collect garbage and hand the memory closed tabs freed back to the system (once for many closes).

    The runs' arrays are freed when a tab closes, but the C allocator keeps freed memory of the threads that
    used it for reuse; ``malloc_trim`` (glibc) returns it, so the server's memory falls back after a room leaves.
    """
    global _release_timer
    with _release_lock:
        if _release_timer is None or not _release_timer.is_alive():
            _release_timer = threading.Timer(_RELEASE_DELAY, _release_memory)
            _release_timer.daemon = True
            _release_timer.start()


def _release_memory() -> None:
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the memory is reused, not returned
        pass


class Session:
    """A tab's run(s) and play loop. ``publish(frame)`` is called from the session's thread only."""

    def __init__(self, record: RunRecord | None = None, publish: Callable[[Frame], None] | None = None,
                 token: str | None = None):
        self.lock = threading.RLock()
        self.token = token or secrets.token_urlsafe(12)
        self.publish = publish or (lambda frame: None)
        self.playing = False
        self.speed = "normal"
        self.measure = "health"
        self.colour_by = "knowledge"
        self._seq = 0
        self._dirty = True
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._keys: tuple[Hashable, ...] = (id(self),)  # this tab's keys in the server's gate (see opening)
        self.rebuild(record or RunRecord())

    # --- the run ------------------------------------------------------------------------------------
    def rebuild(self, record: RunRecord) -> None:
        """Build the run(s) of ``record`` and replay its actions month by month (common random numbers: run B,
        run A with the compared change, uses the same seed)."""
        with self.lock:
            change = WHAT_IFS.get(record.compare) if record.compare else None
            self.record = replace(record, compare=change and change.name, actions=(), steps=0)
            self.models = [WorkshopModel(record.settings, record.seed)]
            if change:
                self.models.append(WorkshopModel(record.settings, record.seed, change))
            self.histories = [History(model) for model in self.models]
            pending = sorted(record.actions, key=lambda action: action.tick)
            for tick in range(record.steps + 1):
                for action in [a for a in pending if a.tick == tick]:
                    self._apply(action)
                if tick < record.steps:
                    self._step_all()
            self._changed()

    def _apply(self, action: Action) -> None:
        for model in self.models:
            if action.kind == "change" and model.what_if and model.what_if.target == action.name:
                continue  # run B keeps its one change: a dial turned in the room moves run A's lever only
            if action.kind == "shock":
                model.shock_now(action.name, action.value)
            elif action.kind == "policy":
                model.policy_now(action.name, *action.value)
            else:
                model.change_now(action.name, action.value)
        self.record = replace(self.record, actions=(*self.record.actions, action))

    def _step_all(self) -> None:
        for model in self.models:
            model.step()
        self.record = replace(self.record, steps=self.models[0].steps)
        if self.models[0].steps >= MAX_MONTHS or any(model.failure for model in self.models):
            self.playing = False

    def reopen(self, record: RunRecord) -> None:
        """Rebuild a kept run (the page was reloaded), paused."""
        with self.lock:
            self.playing = False
            self.rebuild(record)

    @property
    def steps(self) -> int:
        return self.models[0].steps

    # --- what the buttons do (any thread) -------------------------------------------------------------
    def step(self, months: int = 1) -> None:
        with self.lock:
            for _ in range(months):
                if self.steps >= MAX_MONTHS or any(model.failure for model in self.models):
                    break
                self._step_all()
            self._changed()

    def shock(self, name: str, target: str) -> None:
        if name in SHOCK_BUTTONS:
            with self.lock:
                self._apply(Action(self.steps, "shock", name, target))
                self._changed()

    def policy(self, name: str, target: str, on: bool = True) -> None:
        """Start (or stop) a declared intervention for ``target`` from the next month, in every run."""
        if name in INTERVENTIONS:
            with self.lock:
                self._apply(Action(self.steps, "policy", name, (target, on)))
                self._changed()

    def change(self, name: str, value: Any) -> None:
        with self.lock:
            self._apply(Action(self.steps, "change", name, value))
            self._changed()

    def reset(self, settings: RunSettings | None = None, seed: str | None = None, compare: str | None = "keep") -> None:
        """A new run from month 0: the given settings, seed and compared scenario (unchanged when not given)."""
        with self.lock:
            record = self.record
            self.rebuild(RunRecord(settings or record.settings, record.seed if seed is None else seed,
                                   record.compare if compare == "keep" else compare))

    def set_view(self, measure: str | None = None, colour_by: str | None = None, speed: str | None = None) -> None:
        with self.lock:
            self.measure = measure or self.measure
            self.colour_by = colour_by or self.colour_by
            self.speed = speed if speed in SPEEDS else self.speed
            self._changed()

    def play(self, playing: bool = True) -> None:
        with self.lock:
            self.playing = playing and self.steps < MAX_MONTHS and not any(m.failure for m in self.models)
            self._changed()

    def toggle(self) -> None:
        self.play(not self.playing)

    def _changed(self) -> None:
        GATE.play(id(self), self._wake if self.playing and not self.closed else None)
        keep_run(self.token, self.record)
        self._dirty = True
        self._wake.set()

    # --- frames -------------------------------------------------------------------------------------
    def frame(self) -> Frame:
        """The frame of now (takes the lock)."""
        with self.lock:
            self._seq += 1
            scenario = preset_title(self.models[0].preset_name)
            if len(self.models) == 2:
                change = self.models[1].what_if
                labels = [f"A: {scenario}", f"B: with {change.title}"]
                titles = [scenario, f"{scenario}, with {change.title}"]
            else:
                labels, titles = [SINGLE_LABEL], [scenario]
            views = tuple(run_view(model, history, self.measure, self.colour_by, label, title)
                          for model, history, label, title in zip(self.models, self.histories, labels, titles,
                                                                  strict=False))
            sentence = self._comparison(views) if len(views) == 2 else ""
            return Frame(self._seq, views, self.playing, self.speed, self.measure, self.colour_by, sentence,
                         self.record.compare)

    def _comparison(self, views: tuple[RunView, ...]) -> str:
        """The compare sentence: the change, both runs now, and (after a shock) what the gap was made of."""
        a, b = self.models
        change = b.what_if.difference(a.p)
        marks = shock_marks(a)
        if not marks:
            return comparison_sentence(*views, change)
        tick, name = marks[-1]
        before = tick if (tick, name) in a.live_shocks else tick - 1  # a scheduled shock acts within its month
        ha, hb = self.histories
        then = {k: hb.means_at(before)[k] - v for k, v in ha.means_at(before).items()}
        now = {k: hb.means_at(a.steps)[k] - v for k, v in ha.means_at(a.steps).items()}
        moved = (100 * (now["health"] - then["health"]), made_of(then, now))
        return comparison_sentence(*views, change, f"{SHOCK_PHRASES[name]} ({in_sentence(tick)})", moved)

    def csv(self) -> bytes:
        """The run month by month (both runs when comparing) in the page's numbers and words, with what
        happened, the shocks and the live changes as rows of their own (see :mod:`plc_sim.app.export`)."""
        with self.lock:
            names = [view.label if len(self.models) > 1 else view.title for view in self.frame().runs]
            return csv_bytes([run_table(model, history, name)
                              for model, history, name in zip(self.models, self.histories, names, strict=True)])

    # --- the play loop ---------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the session's thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="plc-session", daemon=True)
            self._thread.start()

    def opening(self, page: Hashable | None = None) -> None:
        """The tab is being opened in a browser: other tabs hold their play until :meth:`opened`. ``page`` (the
        browser page's key) has held them since the page connected; that hold ends with the tab's."""
        self._keys = (id(self),) if page is None else (id(self), page)
        for key in self._keys:
            GATE.opening(key)

    def opened(self) -> None:
        """The tab's browser has drawn the page."""
        for key in self._keys:
            GATE.opened(key)

    def close(self) -> None:
        """Stop the thread; the session does no more work, and its memory goes back to the system soon after."""
        self._stop.set()
        GATE.play(id(self), None)
        self.opened()
        self._wake.set()
        release_memory_soon()

    @property
    def closed(self) -> bool:
        return self._stop.is_set()

    def _loop(self) -> None:
        due = time.monotonic()
        while not self._stop.is_set():
            held = GATE.held(*self._keys) if self.playing else 0.0  # another tab is being opened: it goes first
            if self.playing and not held and time.monotonic() >= due:
                self._play_frame()
                due = time.monotonic() + GATE.interval(SPEEDS[self.speed])
            elif self._dirty:  # a click: shown at once, even while another tab is being opened
                self._dirty = False
                self.publish(self.frame())
            self._wake.wait((held or max(0.0, due - time.monotonic())) if self.playing else None)
            self._wake.clear()

    def _play_frame(self) -> None:
        """Step every run a month and publish the frame, through the server's gate."""
        with GATE.frame(self._stop, *self._keys) as turn:
            if not turn or self._stop.is_set():
                return
            with self.lock:
                if self.playing:
                    self._step_all()
                    keep_run(self.token, self.record)
                if not self.playing:  # the run reached its end or failed
                    GATE.play(id(self), None)
                self._dirty = False
            self.publish(self.frame())

"""How the tabs of a room share one server: playing is bounded, and a tab being opened comes first.

Every playing tab steps and publishes its frames through the server's one :class:`PlayGate`:

* one frame at a time, server-wide;
* all playing tabs together get at most :data:`FRAMES_PER_SECOND` frames (each tab its share: with many tabs,
  each shows fewer months per second, skipping months on screen, never queueing them);
* play frames hold the gate at most :data:`PLAY_SHARE` of the time, measured frame by frame, so playing takes a
  bounded part of the machine however big the runs or their histories grow, and clicks and new tabs get the
  rest;
* while a tab is being opened (from the moment its browser page connects, before its first render on the
  server, until its browser reports its chart drawn, at most :data:`OPENING_PRIORITY` seconds), the other tabs'
  play frames wait: the page of a new participant is built and drawn on an otherwise quiet machine (the other
  tabs' browsers then redraw nothing either). Buttons never wait: a click is shown at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable, Iterator
from contextlib import contextmanager

FRAMES_PER_SECOND = 20
"""Most play frames all playing tabs together get per second."""

PLAY_SHARE = 0.5
"""Most share of the time play frames may hold the gate (stepping, building and sending frames)."""

OPENING_PRIORITY = 15.0
"""Longest a tab being opened holds the other tabs' play (a browser that never reports back cannot stall them)."""


class PlayGate:
    """The server's play frames: one at a time, bounded in number and time, after the tabs being opened."""

    def __init__(self) -> None:
        self.lock = threading.Lock()  # held for one play frame
        self.playing: dict[int, threading.Event] = {}  # key of each playing tab -> the event that wakes it
        self._opening: dict[Hashable, float] = {}  # key of a tab or page being opened -> when its priority ends
        self._openings_lock = threading.Lock()
        self._free_at = 0.0  # when play frames have rested enough to keep within PLAY_SHARE

    def interval(self, seconds: float) -> float:
        """Seconds between a playing tab's frames: its speed, or its share of the frame budget."""
        return max(seconds, len(self.playing) / FRAMES_PER_SECOND)

    def play(self, key: int, wake: threading.Event | None) -> None:
        """Tab ``key`` plays (``wake`` is set when it may go on after another tab's opening) or not (None)."""
        if wake is None:
            self.playing.pop(key, None)
        else:
            self.playing[key] = wake

    def opening(self, key: Hashable) -> None:
        """Tab ``key`` is being opened: the others hold their play until :meth:`opened` (or the time limit)."""
        with self._openings_lock:
            self._opening[key] = time.monotonic() + OPENING_PRIORITY

    def opened(self, key: Hashable) -> None:
        """Tab ``key`` has drawn its page (or closed): wake the playing tabs."""
        with self._openings_lock:
            found = self._opening.pop(key, None)
        if found is not None:
            for wake in list(self.playing.values()):
                wake.set()

    def held(self, *keys: Hashable) -> float:
        """Seconds the tab of ``keys`` must still hold its play for other tabs being opened (0 if none is)."""
        now = time.monotonic()
        with self._openings_lock:
            for done in [k for k, until in self._opening.items() if until <= now]:
                del self._opening[done]
            others = [until for k, until in self._opening.items() if k not in keys]
        return min(others) - now if others else 0.0

    @contextmanager
    def frame(self, stop: threading.Event, *keys: Hashable) -> Iterator[bool]:
        """Hold the gate for one play frame of the tab of ``keys``: one at a time, and only once earlier frames
        have rested long enough to keep within :data:`PLAY_SHARE`. Yields whether to play the frame: not if a tab
        began opening while this one waited its turn (with ten tabs playing, the ones queued here would otherwise
        each play a frame, seconds of the opening's time)."""
        with self.lock:
            rest = self._free_at - time.monotonic()
            if rest > 0:
                stop.wait(rest)
            if self.held(*keys):
                yield False
                return
            start = time.monotonic()
            try:
                yield True
            finally:
                end = time.monotonic()
                self._free_at = end + (end - start) * (1 / PLAY_SHARE - 1)


GATE = PlayGate()
"""The server's one gate."""

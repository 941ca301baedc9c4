"""The room's door: how fast anyone may guess its secrets, and how many places one device may hold.

A *wrong try* is a wrong join code, a wrong rejoin code, or a device asking for more places than it may hold.
Each client address may make :data:`FREE_TRIES` wrong tries; after that it waits before its next try is even
checked, :data:`FIRST_WAIT` seconds and twice as long after each further wrong try, up to :data:`LONGEST_WAIT`.
Across the whole room at most :data:`ROOM_TRIES_PER_MINUTE` wrong tries are checked in any minute, whatever
addresses they come from; beyond that every join waits until the minute has passed. A try made while waiting is
refused unchecked, so it tells the guesser nothing. An address that stays quiet for :data:`FORGET_AFTER` seconds
starts afresh. Nothing here locks a name: wrong rejoin codes slow down whoever typed them, never the person
whose name it is.

The clock is injected (``time.monotonic`` by default), so tests move time instead of sleeping.

At the ceiling, one guess in :data:`CODE_SPACE` codes succeeds; :func:`guessing_figures` gives the figures the
README states.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

CODE_ALPHABET = "ACDEFHJKMNPQRTUVWXY3479"
"""Code letters that cannot be mistaken for one another when read aloud or off a projector."""

CODE_LENGTH = 6
"""Characters of the room's join code and of a participant's rejoin code."""

CODE_SPACE = len(CODE_ALPHABET) ** CODE_LENGTH
"""How many codes there are (23**6 = 148,035,889)."""

FREE_TRIES = 3
"""Wrong tries an address may make before it has to wait (typing a code wrong a few times is human)."""

FIRST_WAIT = 1.0
"""Seconds an address waits after its first wrong try beyond :data:`FREE_TRIES`; each further one doubles it."""

LONGEST_WAIT = 600.0
"""The longest wait between two checked tries from one address (10 minutes)."""

FORGET_AFTER = 3600.0
"""Seconds without a wrong try after which an address starts afresh."""

ROOM_TRIES_PER_MINUTE = 30
"""Wrong tries checked in any 60 seconds, all addresses together: the fastest anyone can guess."""

PLACES_PER_ADDRESS = 3
"""Places one client address may hold (a team sharing a laptop) until the facilitator allows more."""

PLACE_CHOICES = (3, 6, 12, 40)
"""What the facilitator may allow per address."""

LOG_LENGTH = 40
"""Lines of the door's log kept for the facilitator's page."""

WORKSHOP_HOURS = 8
"""The longest workshop the README's figure is for (a full day)."""


def guessing_figures() -> dict:
    """How long guessing a code takes at the room's ceiling: the figures the README states."""
    per_hour = ROOM_TRIES_PER_MINUTE * 60
    return {"codes": CODE_SPACE, "per_hour": per_hour,
            "years_for_all": CODE_SPACE / per_hour / 24 / 365,
            "chance_in_workshop": per_hour * WORKSHOP_HOURS / CODE_SPACE}


@dataclass
class Record:
    """One address's wrong tries: how many (since it last started afresh) and when the last one was."""

    wrong: int = 0
    last: float = 0.0


def wait_after(wrong: int) -> float:
    """Seconds to wait after an address's ``wrong``-th wrong try before its next try is checked."""
    if wrong < FREE_TRIES:
        return 0.0
    return min(LONGEST_WAIT, FIRST_WAIT * 2.0 ** (wrong - FREE_TRIES))


class Gate:
    """Counts wrong tries per address and for the room, says how long a try must wait, keeps a log."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.records: dict[str, Record] = {}
        self.room: deque[float] = deque()  # moments of the wrong tries checked in the last minute
        self.log: deque[tuple[float, str, str]] = deque(maxlen=LOG_LENGTH)  # (wall-clock time, address, what)

    def wait(self, address: str) -> float:
        """Seconds ``address`` must wait before its next try is checked (0: now)."""
        return max(self._waits(address))

    def refusal(self, address: str) -> str:
        """The sentence refusing a try from ``address`` now, or "" when it may be checked."""
        room, device = self._waits(address)
        if max(room, device) <= 0.0:
            return ""
        whose = "this room" if room > device else "this device"
        return (f"too many wrong codes from {whose}: try again in {math.ceil(max(room, device))} seconds "
                "(the facilitator can see this)")

    def _waits(self, address: str) -> tuple[float, float]:
        """What the room's ceiling and ``address``'s own back-off make it wait, in seconds."""
        now = self.clock()
        while self.room and now - self.room[0] >= 60.0:
            self.room.popleft()
        room = self.room[0] + 60.0 - now if len(self.room) >= ROOM_TRIES_PER_MINUTE else 0.0
        record = self.records.get(address)
        fresh = record is None or now - record.last >= FORGET_AFTER
        return max(room, 0.0), 0.0 if fresh else max(record.last + wait_after(record.wrong) - now, 0.0)

    def wrong(self, address: str, what: str) -> None:
        """Record a wrong try from ``address`` (``what`` says which, for the log)."""
        now = self.clock()
        record = self.records.get(address)
        if record is None or now - record.last >= FORGET_AFTER:
            self._forget(now)
            record = self.records[address] = Record(last=now)
        record.wrong += 1
        record.last = now
        self.room.append(now)
        waits = wait_after(record.wrong)
        self.log.append((time.time(), address, f"{what} (wrong try {record.wrong} from this address"
                         + (f"; its next try waits {waits:.0f} s)" if waits else ")")))
        if len(self.room) == ROOM_TRIES_PER_MINUTE:
            self.log.append((time.time(), "the room", f"{ROOM_TRIES_PER_MINUTE} wrong tries within a minute: "
                             "every join waits until the minute has passed"))

    def _forget(self, now: float) -> None:
        """Drop the records of addresses that started afresh, so that many addresses cannot fill memory."""
        for address in [a for a, r in self.records.items() if now - r.last >= FORGET_AFTER]:
            del self.records[address]

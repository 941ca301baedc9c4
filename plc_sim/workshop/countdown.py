"""The countdown to the next school year, drawn and counted down in the browser (projector and phones alike).

The server sends the seconds left when a page is drawn (:meth:`Workshop.seconds_left`); the page counts down on
its own clock from the moment it receives them, so no message is needed each second and a phone whose clock is
wrong still shows the right time left. Every timer change (set, paused, resumed, a year run) redraws the pages
and so sends a fresh figure.
"""

from __future__ import annotations

from pathlib import Path

import ipyvuetify as v
import traitlets


class Countdown(v.VuetifyTemplate):
    """"Year N runs in m:ss" while the timer runs (``seconds`` >= 0); nothing when it does not (-1)."""

    template_file = str(Path(__file__).parent / "vue" / "countdown.vue")
    seconds = traitlets.Float(-1.0).tag(sync=True)
    year = traitlets.Int(1).tag(sync=True)


def countdown_seconds(left: float | None) -> float:
    """:class:`Countdown`'s ``seconds`` for the session's :meth:`~Workshop.seconds_left` (None: no timer)."""
    return -1.0 if left is None else round(left, 2)

"""A participant's place kept in their own browser, so that a closed tab comes back to the same school.

:class:`Place` stores the secret token the session gave a participant in the browser's ``localStorage`` (under
a key naming the room), and reports what it finds there when the page opens. The token is random (from
:mod:`secrets`) and checked by the session like any other input; a stored token the session no longer knows
is refused with a message and forgotten.
"""

from __future__ import annotations

from pathlib import Path

import ipyvuetify as v
import traitlets


class Place(v.VuetifyTemplate):
    """Reports the token stored under ``key`` through ``on_found`` (an empty string: none), then stores ``token``
    whenever it changes (an empty string forgets it; None leaves storage alone)."""

    template_file = str(Path(__file__).parent / "vue" / "place.vue")
    key = traitlets.Unicode("").tag(sync=True)
    token = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    on_found = traitlets.Callable(None, allow_none=True)

    def vue_found(self, stored) -> None:
        if self.on_found is not None:
            self.on_found(stored if isinstance(stored, str) and len(stored) <= 64 else "")


def place_key(code: str) -> str:
    """The storage key of a room's place (one per room code, so another session's token is not offered)."""
    return f"plc-sim-workshop-{code}"

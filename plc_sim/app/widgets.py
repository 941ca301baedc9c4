"""Small browser widgets of the app's own: a live Vega-Lite chart, keyboard shortcuts, accessibility fixes.

:class:`LiveChart` embeds a Vega-Lite specification once and then receives only
its data (a few columns of numbers per frame), so a new month costs the
browser a data change, not a new chart, and the server no picture at all.
Vega's files come from Solara's local copy of the CDN, filled from the npm
registry at set-up (:mod:`plc_sim.app.assets`).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import ipyvuetify as v
import traitlets

VEGA_PACKAGES = {"vega": "vega@5.33.1", "vega-lite": "vega-lite@5.23.0", "vega-embed": "vega-embed@6.29.0"}
"""The Vega packages the charts load, pinned (npm ``name@version``; installed by :mod:`plc_sim.app.assets`)."""

_HERE = Path(__file__).parent / "vue"


class LiveChart(v.VuetifyTemplate):
    """A Vega-Lite chart: ``spec`` is embedded once, ``datasets`` ({name: {field: [values]}}) is swapped in;
    ``on_drawn()`` is called when the browser has drawn it the first time."""

    template_file = str(_HERE / "livechart.vue")
    spec = traitlets.Dict().tag(sync=True)
    datasets = traitlets.Dict().tag(sync=True)
    description = traitlets.Unicode("").tag(sync=True)
    export_name = traitlets.Unicode("").tag(sync=True)
    packages = traitlets.Dict(VEGA_PACKAGES).tag(sync=True)
    uid = traitlets.Unicode().tag(sync=True)
    on_drawn = traitlets.Callable(None, allow_none=True)

    @traitlets.default("uid")
    def _uid(self) -> str:
        return f"plc-chart-{uuid.uuid4().hex}"

    def vue_drawn(self, _data=None) -> None:
        if self.on_drawn is not None:
            self.on_drawn()


class Address(v.VuetifyTemplate):
    """Writes ``token`` into the page address; calls ``on_reopen(token)`` if the address named another run."""

    template_file = str(_HERE / "address.vue")
    token = traitlets.Unicode("").tag(sync=True)
    on_reopen = traitlets.Callable(None, allow_none=True)

    def vue_reopen(self, token: str) -> None:
        if self.on_reopen is not None and isinstance(token, str) and len(token) <= 64:
            self.on_reopen(token)


class Shortcuts(v.VuetifyTemplate):
    """Calls ``on_key("space" | "s")`` when the key is pressed anywhere on the page outside a text box."""

    template_file = str(_HERE / "shortcuts.vue")
    on_key = traitlets.Callable(None, allow_none=True)

    def vue_shortcut(self, key: str) -> None:
        if self.on_key is not None and key in ("space", "s"):
            self.on_key(key)

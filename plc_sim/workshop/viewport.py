"""Lets a phone zoom the workshop's pages.

Solara's page template asks phones not to zoom (``maximum-scale=1, user-scalable=no``), which keeps people who
need larger text from getting it (WCAG 1.4.4). :class:`Viewport` rewrites that one tag in the browser when the
page mounts (``vue/viewport.vue``: ``width=device-width, initial-scale=1``); it shows nothing.
"""

from __future__ import annotations

from pathlib import Path

import ipyvuetify as v


class Viewport(v.VuetifyTemplate):
    template_file = str(Path(__file__).parent / "vue" / "viewport.vue")

"""What Solara's page template and the component library leave out, added in the browser on every page of the
workshop and of the app.

Solara's page template asks phones not to zoom (``maximum-scale=1, user-scalable=no``), which keeps people who
need larger text from getting it (WCAG 1.4.4), and gives the page no language; the component library leaves
sliders and loading bars unnamed. :class:`Viewport` (``vue/accessibility.vue``) sets the language, a viewport
that allows zooming (``width=device-width, initial-scale=1``) and those names when the page mounts; it shows
nothing.
"""

from __future__ import annotations

from pathlib import Path

import ipyvuetify as v


class Viewport(v.VuetifyTemplate):
    template_file = str(Path(__file__).parent / "vue" / "accessibility.vue")

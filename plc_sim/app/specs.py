"""Vega-Lite specifications of the app's charts: written once per chart, fed data by :class:`LiveChart`.

Text is 16 px or more so it reads on a projector at 1280x720; colours are
Okabe & Ito's colour-blind-safe palette (lines) and viridis (the network);
every shock has its own colour, dash and label, so no marker relies on colour
alone.
"""

from __future__ import annotations

from plc_sim.app.frames import MEASURES, SETTING_MARK
from plc_sim.app.model import SHOCK_BUTTONS

FONT = 16
RUN_COLOURS = ["#0072B2", "#D55E00", "#000000"]
"""Okabe & Ito blue, vermillion, black: scenario A, scenario B, one school."""

SHOCK_STYLES = {
    "principal_leaves": ("#CC79A7", [8, 4]),
    "budget_cut": ("#E69F00", [2, 3]),
    "turnover_wave": ("#009E73", [10, 3, 2, 3]),
    "policy_focus": ("#56B4E9", [1, 0]),
    "setting": ("#555555", [2, 2]),
}
"""Each shock's marker, and a live change's: colour and dash (Okabe & Ito colours; grey for settings)."""

YEARS = {"field": "year", "type": "quantitative", "title": "school years",
         "axis": {"tickMinStep": 1, "labelExpr": "datum.value % 1 === 0 ? datum.value : ''"},
         "scale": {"domain": {"unionWith": [0, 1]}, "nice": False}}
"""The time axis of every chart: whole school years."""

_RESOLVE = {"scale": {"color": "independent", "strokeDash": "independent"},
            "legend": {"color": "independent", "strokeDash": "independent"}}
"""Runs and shocks have colour scales of their own."""

_CONFIG = {
    "font": "Roboto, Arial, sans-serif",
    "axis": {"labelFontSize": FONT, "titleFontSize": FONT, "labelColor": "#222", "titleColor": "#222",
             "gridColor": "#e4e4e4"},
    "legend": {"labelFontSize": FONT, "titleFontSize": FONT, "labelColor": "#222", "titleColor": "#222",
               "orient": "bottom", "direction": "horizontal", "symbolSize": 220, "labelLimit": 360},
    "view": {"stroke": None},
    "mark": {"aria": False},  # the chart is one named picture (role img) for screen readers, not hundreds of marks
    "aria": False,
}


def _data(name: str) -> dict:
    return {"name": name}


def time_chart(measure: str, height: int, threshold: float | None, runs: list[str], title: str = "") -> dict:
    """The big chart: each run's mean (line) and range across schools (band), a highlighted school, shocks;
    ``title`` names the scenario (both runs when comparing), so an exported picture says what it shows."""
    title = MEASURES.get(measure, measure)
    colour = {"field": "run", "type": "nominal", "title": None,
              "scale": {"domain": runs, "range": RUN_COLOURS[:len(runs)]},
              "legend": {"orient": "bottom-right", "fillColor": "#ffffffdd", "padding": 6}}
    x = YEARS
    y = {"field": "mean", "type": "quantitative", "title": f"{title} (%)", "scale": {"domain": [0, 100]}}
    layers = [
        {"data": _data("series"), "mark": {"type": "area", "opacity": 0.18},
         "encoding": {"x": x, "y": {**y, "field": "low"}, "y2": {"field": "high"},
                      "color": {**colour, "legend": None}}},
        {"data": _data("series"), "mark": {"type": "line", "strokeWidth": 3},
         "encoding": {"x": x, "y": y, "color": colour}},
        {"data": _data("school"), "mark": {"type": "line", "strokeWidth": 2.5, "strokeDash": [6, 3],
                                           "color": "#000000"},
         "encoding": {"x": x, "y": {**y, "field": "value"}}},
        *_shock_layers(),
    ]
    if threshold is not None:
        line = {"values": [{"y": 100 * threshold, "text": formation_label(threshold)}]}
        layers += [{"data": line,
                    "mark": {"type": "rule", "color": "#B2182B", "strokeDash": [4, 4], "strokeWidth": 1.5},
                    "encoding": {"y": {"field": "y", "type": "quantitative"}}},
                   *({"data": line,  # a white halo first, so the words read over the band of schools
                      "mark": {"type": "text", "align": "left", "baseline": "bottom", "dx": 4, "dy": -2,
                               "fontSize": FONT, **style},
                      "encoding": {"x": {"value": 0}, "y": {"field": "y", "type": "quantitative"},
                                   "text": {"field": "text"}}}
                     for style in ({"color": "#fff", "stroke": "#fff", "strokeWidth": 4, "strokeOpacity": 0.85},
                                   {"color": "#8a1420"}))]
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "width": "container", "height": height,
            "config": _CONFIG, "layer": layers, "autosize": {"type": "fit-x", "contains": "padding"},
            "resolve": _RESOLVE, **({"title": _title(title)} if title else {})}


def _title(text: str | list[str]) -> dict:
    return {"text": text, "fontSize": FONT, "anchor": "start", "color": "#222", "fontWeight": 600}


def formation_label(threshold: float) -> str:
    """The words on the red dashed line: where a community counts as formed (it is healthy from then on until
    it falls below the initiating stage, which the glossary explains)."""
    return f"a community forms at a yearly mean of {100 * threshold:.0f}%"


def _shock_layers() -> list[dict]:
    """A line per shock or live change in its own colour and dash, labelled across the top of the plot on the
    side toward the chart's middle (``side``), in turns of rows (``row``, pixels from the top): a label never
    lies over the axis numbers, on screen or in an exported picture."""
    kinds = [*SHOCK_BUTTONS, "setting"]
    names = [*SHOCK_BUTTONS.values(), SETTING_MARK]
    colour = {"field": "shock", "type": "nominal", "title": "shocks",
              "scale": {"domain": names, "range": [SHOCK_STYLES[k][0] for k in kinds]}}
    dash = {"field": "shock", "type": "nominal", "scale": {"domain": names,
                                                          "range": [SHOCK_STYLES[k][1] for k in kinds]}}
    x = YEARS
    labels = [{"data": _data("marks"),
               "mark": {"type": "text", "align": align, "baseline": "top", "dx": dx, "fontSize": FONT,
                        "color": "#222"},
               "encoding": {"x": x, "y": {"field": "row", "type": "quantitative", "scale": None},
                            "text": {"field": "label"},
                            "opacity": {"condition": {"test": f"datum.side == '{side}'", "value": 1}, "value": 0}}}
              for side, align, dx in (("right", "left", 5), ("left", "right", -5))]
    return [
        {"data": _data("marks"), "mark": {"type": "rule", "strokeWidth": 2.5},
         "encoding": {"x": x, "color": {**colour, "legend": None}, "strokeDash": {**dash, "legend": None}}},
        *labels,
    ]


def difference_chart(measure: str, height: int, runs: list[str]) -> dict:
    """Compare mode: what the change made of the measure, run B minus run A in percentage points, with the
    shocks; titled with both runs' names, so an exported picture says which is which."""
    title = MEASURES.get(measure, measure)
    x = YEARS
    y = {"field": "diff", "type": "quantitative", "title": f"{title}: B minus A (% points)"}
    layers = [
        {"data": {"values": [{"y": 0}]}, "mark": {"type": "rule", "color": "#555"},
         "encoding": {"y": {"field": "y", "type": "quantitative"}}},
        {"data": _data("diff"), "mark": {"type": "area", "opacity": 0.35, "color": "#0072B2"},
         "encoding": {"x": x, "y": y}},
        {"data": _data("diff"), "mark": {"type": "line", "strokeWidth": 3, "color": "#0072B2"},
         "encoding": {"x": x, "y": y}},
        *_shock_layers(),
    ]
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "width": "container", "height": height,
            "config": _CONFIG, "layer": layers, "autosize": {"type": "fit-x", "contains": "padding"},
            "resolve": _RESOLVE, "description": f"{runs[1]} minus {runs[0]}",
            "title": _title([runs[1], f"minus {runs[0]}"])}


def network_chart(height: int, colour_title: str) -> dict:
    """The network: partner-school links, strong trust ties, people or schools coloured 0-100%, labels."""
    hidden = {"axis": None, "scale": {"domain": [-1.62, 1.62]}}
    x, y = {"field": "x", "type": "quantitative", **hidden}, {"field": "y", "type": "quantitative", **hidden}
    x2, y2 = {"field": "x2"}, {"field": "y2"}
    ring = {"field": "ring", "type": "nominal", "title": None,
            "scale": {"domain": ["", "decayed", "hit by the shock"], "range": ["#333333", "#B2182B", "#000000"]}}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json", "width": height, "height": height,
        "config": _CONFIG,
        "layer": [
            {"data": _data("links"), "mark": {"type": "rule", "color": "#8a8a8a", "strokeDash": [5, 4]},
             "encoding": {"x": x, "y": y, "x2": x2, "y2": y2}},
            {"data": _data("ties"), "mark": {"type": "rule", "color": "#4a4a4a", "opacity": 0.25},
             "encoding": {"x": x, "y": y, "x2": x2, "y2": y2,
                          "strokeWidth": {"field": "width", "type": "quantitative", "scale": None}}},
            {"data": _data("points"), "mark": {"type": "circle", "opacity": 1},
             "encoding": {"x": x, "y": y, "size": {"field": "size", "type": "quantitative", "scale": None},
                          "color": {"field": "value", "type": "quantitative", "title": f"{colour_title} (%)",
                                    "scale": {"scheme": "viridis", "domain": [0, 100]},
                                    "legend": {"orient": "right", "direction": "vertical", "gradientLength": 160}},
                          "stroke": {**ring, "legend": None},
                          "strokeWidth": {"condition": {"test": "datum.ring != ''", "value": 4},
                                          "value": 0.6},
                          "tooltip": {"field": "tip"}}},
            {"data": _data("labels"), "mark": {"type": "text", "fontSize": FONT, "fontWeight": "bold",
                                               "baseline": "middle"},
             "encoding": {"x": x, "y": y, "text": {"field": "text"},
                          "color": {"condition": {"test": "datum.ring == 'decayed'", "value": "#B2182B"},
                                    "value": "#111"}}},
        ],
    }

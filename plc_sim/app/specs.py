"""Vega-Lite specifications of the app's charts: written once per chart, fed data by :class:`LiveChart`.

Text is 16 px or more so it reads on a projector at 1280x720; colours are
Okabe & Ito's colour-blind-safe palette (lines) and viridis (the network);
every shock has its own colour, dash and label, so no marker relies on colour
alone.
"""

from __future__ import annotations

from plc_sim.app.frames import MEASURES
from plc_sim.app.model import SHOCK_BUTTONS

FONT = 16
RUN_COLOURS = ["#0072B2", "#D55E00", "#000000"]
"""Okabe & Ito blue, vermillion, black: scenario A, scenario B, one school."""

SHOCK_STYLES = {
    "principal_leaves": ("#CC79A7", [8, 4]),
    "budget_cut": ("#E69F00", [2, 3]),
    "turnover_wave": ("#009E73", [10, 3, 2, 3]),
    "policy_focus": ("#56B4E9", [1, 0]),
}
"""Each shock's marker: colour and dash (Okabe & Ito colours)."""

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


def time_chart(measure: str, height: int, threshold: float | None, runs: list[str]) -> dict:
    """The big chart: each run's mean (line) and range across schools (band), a highlighted school, shocks."""
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
        layers.append({"data": {"values": [{"y": 100 * threshold}]},
                       "mark": {"type": "rule", "color": "#B2182B", "strokeDash": [4, 4], "strokeWidth": 1.5},
                       "encoding": {"y": {"field": "y", "type": "quantitative"}}})
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "width": "container", "height": height,
            "config": _CONFIG, "layer": layers, "autosize": {"type": "fit-x", "contains": "padding"},
            "resolve": _RESOLVE}


def _shock_layers() -> list[dict]:
    names = list(SHOCK_BUTTONS.values())
    colour = {"field": "shock", "type": "nominal", "title": "shocks",
              "scale": {"domain": names, "range": [SHOCK_STYLES[k][0] for k in SHOCK_BUTTONS]}}
    dash = {"field": "shock", "type": "nominal", "scale": {"domain": names,
                                                          "range": [SHOCK_STYLES[k][1] for k in SHOCK_BUTTONS]}}
    x = YEARS
    return [
        {"data": _data("marks"), "mark": {"type": "rule", "strokeWidth": 2.5},
         "encoding": {"x": x, "color": {**colour, "legend": None}, "strokeDash": {**dash, "legend": None}}},
        {"data": _data("marks"), "mark": {"type": "text", "angle": 270, "align": "right", "baseline": "bottom",
                                          "dx": -6, "dy": -3, "fontSize": FONT, "color": "#222"},
         "encoding": {"x": x, "y": {"value": 0}, "text": {"field": "label"}}},
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
            "title": {"text": [runs[1], f"minus {runs[0]}"], "fontSize": FONT, "anchor": "start", "color": "#222"}}


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

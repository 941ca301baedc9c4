"""``peeling.html``: the PRIM peeling trajectory as a page for choosing a box, self-contained and offline.

Every box of the trajectory (its coverage, density, mass, limits and quasi-p-values) is computed beforehand and
embedded in the page as JSON (``<script type="application/json" id="plc-boxes">``); the chart is inline SVG
drawn by a few lines of inline JavaScript, so the page opens from disk with no network and no installed
browser files. Hovering over a box (or moving through them with the keyboard) shows it; clicking pins it and
shows the ``plc-sim discover ... --box ID`` command that reproduces it. When PRIM found no box (no limit of the
box it chose is significant), the page says so above the chart, rings no box and opens on the box PRIM chose
before its limits were dropped.
"""

from __future__ import annotations

import html
import json
import math

from plc_sim.experiments.analysis.discover import Discovery, Restriction


def page_data(found: Discovery, command: str) -> dict:
    """What the page embeds: every box of the trajectory with its limits, and the chosen one."""
    boxes = []
    for row in found.trajectory.itertuples(index=False):
        box = int(row.id)
        boxes.append({
            "id": box, "coverage": float(row.coverage), "density": float(row.density), "mass": float(row.mass),
            "restricted": int(row.res_dim), "cases": int(row.n), "peeled": box < found.peeled,
            "limits": [_limit(r, found.alpha) for r in found.boxes.get(box, ())],
            "command": f"{command} --box {box if box < found.peeled else found.origin}",
        })
    return {"boxes": boxes, "chosen": int(found.chosen), "origin": int(found.origin), "found_box": found.found_box,
            "cases": found.cases, "of_interest": found.of_interest, "alpha": found.alpha}


def _limit(restriction: Restriction, alpha: float) -> dict:
    def number(value):
        return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)

    return {"factor": restriction.name, "words": restriction.words(), "low": number(restriction.low),
            "high": number(restriction.high), "values": [str(v) for v in restriction.values],
            "qp_low": number(restriction.qp_low), "qp_high": number(restriction.qp_high),
            "dropped": restriction.insignificant(alpha)}


def peeling_page(found: Discovery, what: str, command: str) -> str:
    """The page for the discovery ``found`` of ``what`` (e.g. "communities persist"); ``command`` reproduces it
    without ``--box``."""
    data = json.dumps(page_data(found, command), allow_nan=False).replace("</", "<\\/")
    title = html.escape(f"PRIM peeling trajectory: {what}")
    if found.found_box:
        verdict, ring = "", "The red ring is the box the summary reports."
    else:
        verdict = (f'<p id="no-box" class="verdict">PRIM found no box: no limit of box {found.origin}, the densest '
                   f"with enough coverage, has a quasi-p-value at most {found.alpha:g}, so the summary reports no "
                   "box. Every box is shown below to choose from.</p>")
        ring = "No box is ringed: the summary reports none."
    return (_PAGE.replace("{{title}}", title).replace("{{verdict}}", verdict).replace("{{ring}}", ring)
            .replace("{{data}}", data).replace("{{what}}", html.escape(what)))


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; max-width: 1100px; }
h1 { font-size: 1.3rem; } .wrap { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }
svg { width: 560px; max-width: 100%; height: auto; border: 1px solid #ddd; background: #fff; }
.point { cursor: pointer; stroke: #fff; stroke-width: 1; }
.point:focus { outline: none; stroke: #000; stroke-width: 2; }
.pinned { stroke: #000; stroke-width: 2.5; } .chosen { fill: none; stroke: crimson; stroke-width: 2.5; }
#panel { flex: 1; min-width: 300px; } table { border-collapse: collapse; margin: .5rem 0; }
td, th { border-bottom: 1px solid #ddd; padding: .25rem .5rem; text-align: left; font-size: .9rem; }
tr.dropped td { color: #888; text-decoration: line-through; }
code { background: #f3f3f3; padding: .3rem .4rem; display: inline-block; word-break: break-all; }
.note { color: #555; font-size: .85rem; }
.verdict { border-left: 4px solid crimson; padding: .4rem .7rem; background: #fff4f4; }
</style>
</head>
<body>
<h1>{{title}}</h1>
{{verdict}}
<p class="note">Each dot is a box of PRIM's peeling trajectory: <b>coverage</b> is the share of all cases where
{{what}} that fall inside the box, <b>density</b> the share of the box's cases where it happens. Colour: how many
factors the box restricts. {{ring}} Hover over a dot (or tab to it) to see
the box; click (or press Enter) to pin it and get the command that reproduces it. Dots that lie on top of each
other are reached with the arrow keys (previous and next box) or the list below the chart.</p>
<noscript><p>This page needs JavaScript to draw the chart; summary.md has the same trajectory as a table.</p>
</noscript>
<div class="wrap">
<div><svg id="chart" viewBox="0 0 560 440" role="group" aria-label="coverage against density of every box"></svg>
<p id="legend" class="note"></p>
<p><label for="pick">Box: </label><select id="pick"></select></p></div>
<div id="panel" aria-live="polite"></div>
</div>
<script type="application/json" id="plc-boxes">{{data}}</script>
<script>
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("plc-boxes").textContent);
  var svg = document.getElementById("chart"), panel = document.getElementById("panel");
  var NS = "http://www.w3.org/2000/svg", left = 60, top = 20, width = 470, height = 370;
  var colours = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725", "#f89540", "#cc4778"];
  var pinned = null, dots = {}, pick = document.getElementById("pick");
  function x(v) { return left + v * width; }
  function y(v) { return top + (1 - v) * height; }
  function el(name, attributes, text) {
    var node = document.createElementNS(NS, name);
    Object.keys(attributes).forEach(function (k) { node.setAttribute(k, attributes[k]); });
    if (text !== undefined) { node.textContent = text; }
    svg.appendChild(node);
    return node;
  }
  function percent(v) { return (100 * v).toFixed(1) + "%"; }
  function qp(v) { return v === null ? "" : v.toExponential(1); }
  function escape(text) {
    return String(text).replace(/[&<>"]/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c];
    });
  }
  for (var t = 0; t <= 5; t++) {
    var v = t / 5;
    el("line", {x1: x(0), x2: x(1), y1: y(v), y2: y(v), stroke: "#eee"});
    el("text", {x: left - 8, y: y(v) + 4, "text-anchor": "end", "font-size": 12}, v.toFixed(1));
    el("text", {x: x(v), y: top + height + 18, "text-anchor": "middle", "font-size": 12}, v.toFixed(1));
  }
  el("text", {x: left + width / 2, y: top + height + 40, "text-anchor": "middle", "font-size": 13},
     "coverage (share of all cases of interest inside the box)");
  el("text", {x: 16, y: top + height / 2, "text-anchor": "middle", "font-size": 13,
              transform: "rotate(-90 16 " + (top + height / 2) + ")"},
     "density (share of the box's cases of interest)");
  function show(box) {
    var rows = box.limits.map(function (l) {
      return "<tr" + (l.dropped ? " class=\\"dropped\\"" : "") + "><td>" + escape(l.words) + "</td><td>" +
        qp(l.qp_low) + "</td><td>" + qp(l.qp_high) + "</td></tr>";
    }).join("");
    var dropped = box.limits.some(function (l) { return l.dropped; });
    var reported = data.found_box && box.id === data.chosen;
    panel.innerHTML = "<h2>Box " + box.id + (reported ? " (the summary's box)" : "") + "</h2>" +
      "<p>coverage " + percent(box.coverage) + ", density " + percent(box.density) + ", mass " +
      percent(box.mass) + " (" + box.cases + " of " + data.cases + " cases), " + box.restricted +
      " restricted factor" + (box.restricted === 1 ? "" : "s") + "</p>" +
      (rows ? "<table><thead><tr><th>limit</th><th>quasi-p (low)</th><th>quasi-p (high)</th></tr></thead><tbody>" +
        rows + "</tbody></table>" : "<p>No limits: every case.</p>") +
      (dropped ? "<p class=\\"note\\">Struck-out limits have quasi-p-values above " + data.alpha +
        " on both sides; choosing this box drops them.</p>" : "") +
      (box.peeled ? "" : "<p class=\\"note\\">This box was made from box " + data.origin +
        " by dropping its insignificant limits.</p>") +
      "<p>Reproduce " + (box.peeled ? "it" : "it (from box " + data.origin + ")") + ":<br><code id=\\"command\\">" +
      escape(box.command) + "</code></p>";
  }
  function pin(box) {
    if (pinned) { dots[pinned.id].classList.remove("pinned"); }
    pinned = box;
    dots[box.id].classList.add("pinned");
    pick.value = String(box.id);
    show(box);
  }
  data.boxes.forEach(function (box, index) {
    var dot = el("circle", {cx: x(box.coverage), cy: y(box.density), r: 5, tabindex: 0, "class": "point",
                            fill: colours[Math.min(box.restricted, colours.length - 1)], "data-box": box.id,
                            role: "button", "aria-label": "box " + box.id + ": coverage " + percent(box.coverage) +
                            ", density " + percent(box.density)});
    dot.addEventListener("mouseenter", function () { show(box); });
    dot.addEventListener("focus", function () { show(box); });
    dot.addEventListener("mouseleave", function () { if (pinned) { show(pinned); } });
    dot.addEventListener("click", function () { pin(box); });
    dot.addEventListener("keydown", function (e) {
      var step = {ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1}[e.key];
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); pin(box); }
      if (step) {
        e.preventDefault();
        dots[data.boxes[Math.max(0, Math.min(data.boxes.length - 1, index + step))].id].focus();
      }
    });
    dots[box.id] = dot;
    var option = document.createElement("option");
    option.value = String(box.id);
    option.textContent = "box " + box.id + ": coverage " + percent(box.coverage) + ", density " + percent(box.density);
    pick.appendChild(option);
  });
  var counts = data.boxes.map(function (b) { return b.restricted; })
    .filter(function (c, i, all) { return all.indexOf(c) === i; }).sort(function (a, b) { return a - b; });
  document.getElementById("legend").innerHTML = "restricted factors: " + counts.map(function (c) {
    return "<span style=\\"color:" + colours[Math.min(c, colours.length - 1)] + "\\">&#9679;</span> " + c;
  }).join(" &nbsp; ");
  pick.addEventListener("change", function () {
    pin(data.boxes.filter(function (b) { return String(b.id) === pick.value; })[0]);
  });
  var first = data.found_box ? data.chosen : data.origin;  // with no box, open on the box PRIM chose first
  var chosen = data.boxes.filter(function (b) { return b.id === first; })[0];
  if (data.found_box) {
    el("circle", {cx: x(chosen.coverage), cy: y(chosen.density), r: 11, "class": "chosen", "pointer-events": "none"});
  }
  pick.value = String(chosen.id);
  show(chosen);
}());
</script>
</body>
</html>
"""

"""``plc-sim report``: one Markdown and HTML report of every experiment in ``results/``.

For each result folder with a ``manifest.json`` (made by ``plc-sim sweep`` or
``plc-sim sensitivity``) the report gives the question, the design, the
provenance (when, git commit, sessions), every figure, and compact tables:
replication means with 95% CIs by each grid parameter, and sensitivity indices.
Complete experiments whose figures are missing get them drawn first.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import markdown
import pandas as pd

from plc_sim.core.errors import InputError
from plc_sim.core.files import LEDGER_KEY, OWN_RECORD, Ledger, own_record, write_json_atomic
from plc_sim.core.provenance import provenance
from plc_sim.experiments.analysis.figures import (
    default_figures,
    experiment_outputs,
    factor_label,
    figure_stem,
    level_text,
    measure_label,
)
from plc_sim.experiments.analysis.results import DECAY_CAUSES_TABLE, load_sweep
from plc_sim.experiments.analysis.sensitivity import sensitivity_outputs
from plc_sim.experiments.execution.store import MANIFEST, RESULTS_ROOT, ResultFolder
from plc_sim.experiments.specs.spec import Spec, parse_spec

SUMMARY_MEASURES = ("persisting_share", "years_before_decay", "final_health")
"""Measures shown in the report's tables (each with its 95% CI), when the experiment has them."""


@dataclass
class Table:
    caption: str
    header: list[str]
    rows: list[list[str]]


@dataclass
class Section:
    """One experiment's part of the report."""

    name: str
    question: str
    facts: list[str] = field(default_factory=list)
    figures: list[tuple[str, str, str | None]] = field(default_factory=list)  # caption, PNG, SVG (relative)
    tables: list[Table] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)


def _with_ci(row: pd.Series, name: str) -> str:
    value, low, high = row.get(name), row.get(f"{name}_low"), row.get(f"{name}_high")
    if pd.isna(value):
        return "-"
    if pd.isna(low):
        return f"{value:.3g}"
    return f"{value:.3g} ({low:.3g} to {high:.3g})"


def experiment_section(folder: Path, root: Path, refresh: bool = False) -> Section:
    """Gather one experiment's facts, figures and tables (drawing figures that are missing)."""
    store = ResultFolder(folder)
    manifest = store.current_manifest()
    spec = parse_spec(manifest["spec"]["text"], manifest["spec"]["source"], manifest["name"], recorded=manifest)
    done = len(store.completed_run_ids())
    total = manifest.get("runs_total", 0)
    complete = done == total
    section = Section(manifest.get("name", folder.name), manifest.get("question", ""))
    created = manifest.get("created", {})
    git = created.get("git", {}) or {}
    commit = (git.get("commit") or "unknown")[:10] + (" (uncommitted changes)" if git.get("dirty") else "")
    section.facts = [
        f"Design: {manifest.get('design', '')}",
        f"Runs stored: {done} of {total}" + ("" if complete else " (incomplete: rerun the sweep to finish)"),
        f"Started {created.get('created', '?')} from git commit {commit}; "
        f"{len(manifest.get('sessions', []))} session(s); spec `{manifest.get('spec', {}).get('source', '?')}` "
        f"(hash {manifest.get('spec', {}).get('hash', '')[:12]})",
    ]
    ledger = store.ledger()
    if complete and (refresh or not any(name.startswith("figures/") for name in ledger.files)):
        _draw(store, spec)
        ledger = store.ledger()
    owned = [name for name in ledger.files if ledger.owns(name)]  # a file changed since plc-sim wrote it is not read
    changed = sorted(name for name in ledger.files if name not in owned and (folder / name).exists())
    if changed:
        section.facts.append("Left out of this report, changed since plc-sim wrote them (kept as they are): "
                             + ", ".join(f"`{name}`" for name in changed))
    for png in _figures_in_spec_order(folder, spec, owned):
        section.figures.append(_figure(figure_caption(png.stem), png, root))
    tables = folder / "tables"
    for name in spec.factor_names:
        if f"tables/by_{name}.csv" in owned:
            section.tables.append(_by_factor_table(tables / f"by_{name}.csv"))
    if DECAY_CAUSES_TABLE in owned:
        section.tables.append(_decay_causes_table(folder / DECAY_CAUSES_TABLE))
    for kind in ("morris", "sobol"):
        if f"tables/{kind}.csv" in owned:
            section.tables.append(_sensitivity_table(tables / f"{kind}.csv", kind))
    section.links = [(Path(name).name, (folder / name).relative_to(root).as_posix()) for name in sorted(owned)
                     if name.startswith("tables/") and name.count("/") == 1 and name.endswith(".csv")]
    section.links.append(("manifest.json", (folder / MANIFEST).relative_to(root).as_posix()))
    return section


CAPTIONS = {
    "phase_diagram_": "Share of communities that persist and Kaplan-Meier median years to decay: {}",
    "survival_by_": "Kaplan-Meier survival of communities with 95% CI, by {}",
    "curves_by_": "Outcomes over time (replication means with 95% CI), by {}",
    "effects_of_": "Run measures against {} (replication means with 95% CI)",
    "morris_ranked": "Morris screening: mu* with 95% CI, ranked{}",
    "sobol_ranked": "Sobol indices: total (ST) and first-order (S1) with 95% CI, ranked{}",
}


def figure_caption(stem: str) -> str:
    """A sentence for a figure file named by ``figures.figure_stem`` or the sensitivity charts."""
    for prefix, caption in CAPTIONS.items():
        if stem.startswith(prefix):
            return caption.format(stem.removeprefix(prefix).replace("_", " "))
    return stem.replace("_", " ")


def _figures_in_spec_order(folder: Path, spec: Spec, owned) -> list[Path]:
    """The experiment's own PNGs (on its ledger) in the order its spec lists the figures, then others by name."""
    order = [figure_stem(kind, options) for kind, options in (list(spec.figures) or default_figures(spec))]
    order += ["morris_ranked", "sobol_ranked"]
    rank = {stem: i for i, stem in enumerate(order)}
    pngs = [folder / name for name in owned if name.startswith("figures/") and name.endswith(".png")]
    return sorted(pngs, key=lambda p: (rank.get(p.stem, len(rank)), p.stem))


def _figure(caption: str, png: Path, root: Path) -> tuple[str, str, str | None]:
    svg = png.with_name(png.stem + ".svg")
    return caption, png.relative_to(root).as_posix(), svg.relative_to(root).as_posix() if svg.exists() else None


def _is_sweep_manifest(path: Path) -> bool:
    """A sweep's (or sensitivity's) manifest; a calibration's, in the same store, has no ticks of its own and a
    report.md of its own."""
    try:
        manifest = json.loads(path.read_text())
        return "hash" in manifest.get("spec", {}) and isinstance(manifest.get("ticks"), int)
    except (OSError, ValueError, AttributeError):
        return False


def other_report_section(folder: Path, root: Path) -> Section:
    """A folder with its own report.md (such as ``plc-sim validate``'s): a link and its figures."""
    section = Section(folder.name, "")
    section.facts = [f"This folder has its own report: {folder.name}/report.md"]
    record = MANIFEST if (folder / MANIFEST).exists() else OWN_RECORD  # a calibration's, or a validation's
    for name in sorted(Ledger.of(folder, record).files):  # its own figures, not whatever sits beside them
        if name.endswith(".png"):
            section.figures.append(_figure(Path(name).stem.replace("_", " "), folder / name, root))
    section.links = [("report.md", (folder / "report.md").relative_to(root).as_posix())]
    return section


def _draw(store: ResultFolder, spec: Spec) -> None:
    """Draw the experiment's figures and tables (sensitivity charts for a sensitivity spec, else the sweep's),
    holding the folder's lock: a sweep still writing there is a clear error, not a mixed drawing."""
    store.lock()
    try:
        data = load_sweep(store.path)
        (sensitivity_outputs if spec.sensitivity else experiment_outputs)(store.path, data)
    finally:
        store.unlock()


def _by_factor_table(csv: Path) -> Table:
    frame = pd.read_csv(csv)
    factor = csv.stem.removeprefix("by_")
    measures = [m for m in SUMMARY_MEASURES if m in frame.columns]
    header = [factor_label(factor), "replications", *(f"{measure_label(m)}, 95% CI" for m in measures)]
    rows = [[level_text(row[factor]), str(int(row["replications"])), *(_with_ci(row, m) for m in measures)]
            for _, row in frame.iterrows()]
    return Table(f"Replication means by {factor.replace('_', ' ')} (averaged over the other parameters)",
                 header, rows)


def _decay_causes_table(csv: Path) -> Table:
    frame = pd.read_csv(csv)
    rows = [[row["cause"], f"{row['decays']:.3g}", f"{row['share']:.0%}", row["what the studies report"]]
            for _, row in frame.iterrows()]
    return Table("Why communities decayed: what preceded each decay (a decay with several causes counts a part for "
                 "each), beside what reform-sustainability studies report (they give reasons, not shares)",
                 ["cause", "decays", "share", "what the studies report"], rows)


def _sensitivity_table(csv: Path, kind: str) -> Table:
    frame = pd.read_csv(csv)
    if kind == "morris":
        header = ["measure", "rank", "parameter", "mu* (CI half-width)", "sigma"]
        rows = [[measure_label(r["measure"]), str(r["rank"]), r["parameter"],
                 f"{r['mu_star']:.3g} (±{r['mu_star_conf']:.2g})", f"{r['sigma']:.3g}"] for _, r in frame.iterrows()]
        return Table("Morris screening (ranked by mu*)", header, rows)
    header = ["measure", "rank", "parameter", "ST (CI half-width)", "S1 (CI half-width)"]
    rows = [[measure_label(r["measure"]), str(r["rank"]), r["parameter"], f"{r['ST']:.3g} (±{r['ST_conf']:.2g})",
             f"{r['S1']:.3g} (±{r['S1_conf']:.2g})"] for _, r in frame.iterrows()]
    return Table("Sobol indices (ranked by total index ST)", header, rows)


# --- rendering -----------------------------------------------------------------------------------------------

STYLE = ("body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;line-height:1.45}"
         "img{max-width:100%;border:1px solid #ddd}table{border-collapse:collapse;margin:.5em 0 1.5em;"
         "font-size:.9em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}th{background:#f3f3f3}"
         "em{color:#444}")


def anchor(heading: str) -> str:
    """The link target of a heading, as GitHub and the HTML report make it (lower case, spaces to dashes)."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(sections: list[Section], title: str) -> str:
    """The report as Markdown: the one rendering; the HTML report is this text converted."""
    lines = [f"# {title}", "", f"Generated {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC by `plc-sim report`.", ""]
    lines += [f"- [{s.name}](#{anchor(s.name)})" for s in sections] + [""]
    for s in sections:
        lines += [f"## {s.name}", ""]
        if s.question:
            lines += [f"**Question.** {s.question}", ""]
        lines += [f"- {fact}" for fact in s.facts] + [""]
        for caption, png, svg in s.figures:
            lines += [f"![{caption}]({png})", "", f"*{caption}*" + (f" ([SVG]({svg}))" if svg else ""), ""]
        for table in s.tables:
            lines += [f"**{table.caption}**", "", "| " + " | ".join(_cell(h) for h in table.header) + " |",
                      "|" + "---|" * len(table.header)]
            lines += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in table.rows]
            lines.append("")
        if s.links:
            lines += ["Data: " + ", ".join(f"[{name}]({path})" for name, path in s.links), ""]
    return "\n".join(lines)


def render_html(text: str, title: str) -> str:
    """The Markdown report ``text`` as a standalone HTML page (the ``markdown`` package, with tables and ids)."""
    body = markdown.markdown(text, extensions=["tables", "toc"], extension_configs={
        "toc": {"slugify": lambda value, separator: anchor(value)}}, output_format="html")
    return (f"<!doctype html>\n<html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
            f"<style>{STYLE}</style></head>\n<body>\n{body}\n</body></html>\n")


REPORT_TITLE = "plc-sim experiments"
REPORT_RECORD = "report.json"
"""The report's own record in the results folder: its provenance and the ledger of what it wrote."""


def _report_ledger(root: Path, formats: tuple[str, ...]) -> Ledger:
    """The ledger of the reports plc-sim wrote in ``root``; refuse (before any drawing) a report file or record
    that is not plc-sim's, or has changed since."""
    record = root / REPORT_RECORD
    if record.exists() and (own_record(root, REPORT_RECORD) or {}).get("command") != "report":
        raise InputError(f"--results: {record} was not written by plc-sim report; move it away to make the "
                         f"report (plc-sim never replaces what it did not write)")
    ledger = Ledger.of(root, REPORT_RECORD)
    try:
        ledger.check_free(f"report.{fmt}" for fmt in formats)
    except InputError as error:
        raise InputError(f"--results: {error}") from None
    return ledger


def write_report(root: Path = RESULTS_ROOT, formats: tuple[str, ...] = ("md", "html"),
                 refresh: bool = False) -> list[Path]:
    """Write ``root/report.md`` and/or ``root/report.html`` from every experiment folder under ``root``."""
    root = Path(root)
    ledger = _report_ledger(root, formats) if root.is_dir() else None
    folders = sorted(p.parent for p in root.glob(f"*/{MANIFEST}") if _is_sweep_manifest(p)) if root.is_dir() else []
    if not folders:
        raise InputError(f"--results: no experiment results in {root}/ (run `plc-sim sweep experiments/NAME.toml`)")
    sections = [experiment_section(folder, root, refresh) for folder in folders]
    sections += [other_report_section(folder, root) for folder in sorted(p.parent for p in root.glob("*/report.md"))
                 if folder not in folders]
    title = REPORT_TITLE
    text = render_markdown(sections, title)
    write_json_atomic(root / REPORT_RECORD, {**provenance(command="report"), LEDGER_KEY: ledger.files})
    return [ledger.write_text(f"report.{fmt}", text if fmt == "md" else render_html(text, title)) for fmt in formats]

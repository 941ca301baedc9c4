"""Figures, tables, the report, and the statistics under them (Kaplan-Meier, replication CIs)."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from sweep_helpers import TINY_GRID, write_spec

from plc_sim.cli import main
from plc_sim.core.stats import kaplan_meier, mean_ci, median_survival
from plc_sim.experiments.analysis.figures import (
    FIGURE_FUNCTIONS,
    default_figures,
    experiment_outputs,
    phase_diagram,
    save,
)
from plc_sim.experiments.analysis.report import write_report
from plc_sim.experiments.analysis.results import (
    load_sweep,
    point_summary,
    replication_means,
    series_bands,
    survival_curves,
)

pytestmark = pytest.mark.timeout(120)

WITH_FIGURES = TINY_GRID.replace("ticks = 20", "ticks = 24") + """
[figures.phase_diagram]
x = "leadership_distribution"
y = "initial_trust"

[figures.survival]
by = "initial_trust"
levels = [0.1, 0.6]

[figures.curves]
by = "leadership_distribution"
outcomes = ["health", "knowledge"]
mark_tick = 10
mark_label = "a shock"
where = { initial_trust = 0.6 }

[figures.effects]
x = "leadership_distribution"
by = "initial_trust"
measures = ["final_health", "persisting_share", "years_before_decay"]
"""


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """A tiny sweep with every figure kind, run through the command line (which draws the figures)."""
    folder = tmp_path_factory.mktemp("figures")
    path = write_spec(folder, WITH_FIGURES)
    assert main(["sweep", str(path), "--out", str(folder / "results" / "tiny"), "--workers", "1"]) == 0
    return folder / "results" / "tiny"


@pytest.mark.parametrize("stem", ["phase_diagram_leadership_distribution_x_initial_trust", "survival_by_initial_trust",
                                  "curves_by_leadership_distribution_at_initial_trust_0.6",
                                  "effects_of_leadership_distribution"])
def test_each_figure_is_written_as_png_and_svg(swept, stem):
    png = plt_image(swept / "figures" / f"{stem}.png")
    assert png.std() > 0.05, "not a blank image"
    svg = (swept / "figures" / f"{stem}.svg").read_text()
    assert svg.startswith("<?xml") and ("school year" in svg or "(share)" in svg), "axes are labelled with units"


def plt_image(path):
    from matplotlib.image import imread

    return imread(path)


def test_the_phase_diagram_shows_the_share_that_persists_the_share_never_formed_and_the_median(swept):
    data = load_sweep(swept)
    fig = phase_diagram(data, "leadership_distribution", "initial_trust")
    shares, never_formed, medians = (np.ma.filled(ax.images[0].get_array(), np.nan) for ax in fig.axes[:3])
    schools = data.with_factors("schools")
    for i, trust in enumerate((0.1, 0.6)):
        for j, leadership in enumerate((0.0, 1.0)):
            group = schools[(schools.initial_trust == trust) & (schools.leadership_distribution == leadership)]
            formed = group[group["first_formed_tick"] >= 0]
            expected = 100 * (formed["first_decay_tick"] < 0).mean() if len(formed) else np.nan
            assert shares[i, j] == pytest.approx(expected, nan_ok=True)  # persistence counts formed communities
            assert never_formed[i, j] == pytest.approx(100 * (group["first_formed_tick"] < 0).mean())
    assert fig.axes[0].get_xlabel().startswith("leadership distribution")
    assert fig.axes[0].get_ylabel().startswith("initial trust")
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["0", "1"]
    assert medians.shape == (2, 2)


def test_the_survival_figure_draws_one_kaplan_meier_curve_per_level(swept):
    data = load_sweep(swept)
    fig = FIGURE_FUNCTIONS["survival"](data, by="initial_trust", levels=(0.1, 0.6))
    ax = fig.axes[0]
    curves = survival_curves(data, "initial_trust")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == [f"{level:g} (n={int(curves[curves.initial_trust == level]['at_risk'].iloc[0])})"
                      for level in (0.1, 0.6)]
    steps = [line for line in ax.get_lines() if line.get_label() in labels]
    for line, level in zip(steps, (0.1, 0.6), strict=True):
        expected = curves[curves.initial_trust == level]
        assert np.allclose(line.get_ydata(), expected["survival"]) and np.allclose(line.get_xdata(), expected["year"])
        assert np.all(np.diff(line.get_ydata()) <= 0), "survival never rises"
    assert ax.get_ylabel() == "communities not yet decayed (share)" and ax.get_xlabel() == "school year"


def test_the_curves_figure_shows_each_outcome_by_level_with_the_marked_tick(swept):
    data = load_sweep(swept)
    where = {"initial_trust": 0.6}
    fig = FIGURE_FUNCTIONS["curves"](data, by="leadership_distribution", outcomes=("health", "knowledge"),
                                     mark_tick=10, mark_label="a shock", where=where)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_ylabel() for ax in visible][:2] == ["PLC health index (0-1)", "knowledge / practice quality (0-1)"]
    for ax, outcome in zip(visible, ("health", "knowledge"), strict=False):
        bands = series_bands(data, outcome, "leadership_distribution", where)
        lines = {line.get_label(): line for line in ax.get_lines()}
        assert np.allclose(lines["a shock"].get_xdata(), [1.0, 1.0]), "tick 10 is school year 1"
        for level in (0.0, 1.0):
            one = bands[bands.leadership_distribution == level]
            assert np.allclose(lines[f"{level:g}"].get_ydata(), one["mean"])


def test_the_effects_figure_plots_replication_means_with_their_intervals(swept):
    data = load_sweep(swept)
    measures = ["final_health", "persisting_share"]
    fig = FIGURE_FUNCTIONS["effects"](data, x="leadership_distribution", measures=measures, by="initial_trust")
    table = replication_means(data, measures, ["leadership_distribution", "initial_trust"])
    for ax, name in zip(fig.axes, measures, strict=True):
        for line in ax.get_lines():
            level = float(line.get_label()) if line.get_label()[0].isdigit() else None
            if level is None:
                continue
            rows = table[table.initial_trust == level]
            assert np.allclose(line.get_ydata(), rows[name])
        assert ax.get_legend().get_title().get_text().startswith("initial trust")


def test_the_tables_hold_replication_means_with_intervals(swept):
    points = (swept / "tables" / "points.csv").read_text().splitlines()
    assert len(points) == 1 + 4
    assert "persisting_share_low" in points[0] and "median_years_to_decay" in points[0]
    assert (swept / "tables" / "by_leadership_distribution.csv").exists()


def test_svg_output_is_reproducible(swept, tmp_path):
    data = load_sweep(swept)
    first = save(phase_diagram(data, "leadership_distribution", "initial_trust"), tmp_path / "a")
    second = save(phase_diagram(data, "leadership_distribution", "initial_trust"), tmp_path / "b")
    assert first[1].read_bytes() == second[1].read_bytes()


def test_a_spec_without_figures_gets_sensible_defaults(tmp_path):
    from plc_sim.experiments.specs.spec import parse_spec

    kinds = [kind for kind, _ in default_figures(parse_spec(TINY_GRID))]
    assert kinds == ["phase_diagram", "survival", "curves", "effects"]


def test_the_report_gathers_every_experiment(swept):
    root = swept.parent
    (root / "validation").mkdir(exist_ok=True)  # another command's folder with its own report: linked
    (root / "validation" / "report.md").write_text("# Validation\n")
    md, html = write_report(root)
    text, page = md.read_text(), html.read_text()
    for png in (swept / "figures").glob("*.png"):
        assert f"tiny/figures/{png.name}" in text and f"tiny/figures/{png.name}" in page
    assert "A tiny grid for tests" in text and "Replication means by leadership distribution" in text
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert "(validation/report.md)" in text


def test_the_html_report_is_the_markdown_rendered(swept):
    """One renderer: code spans, tables, figures and working section links in the HTML, no stray Markdown."""
    import re

    _, html = write_report(swept.parent, formats=("md", "html"))
    page = html.read_text()
    assert "<code>plc-sim report</code>" in page and "`" not in page
    assert page.count("<table>") >= 1 and "<th>leadership distribution" in page
    assert '<img alt="Kaplan-Meier survival of communities with 95% CI, by initial trust"' in page
    targets = set(re.findall(r'href="#([^"]+)"', page))
    assert "tiny" in targets and targets <= set(re.findall(r'id="([^"]+)"', page))


def test_the_report_leaves_out_a_table_the_user_changed_and_keeps_it(swept, tmp_path):
    """A table of plc-sim's that the user has since changed is theirs: the report does not read it (here it is not
    even text), says it left it out, and leaves its bytes as they are; the other tables are reported as before."""
    root = tmp_path / "results"
    shutil.copytree(swept, root / "tiny")
    changed = root / "tiny" / "tables" / "by_leadership_distribution.csv"
    changed.write_bytes(b"\x92x|\xca\xdb")
    md, _ = write_report(root)
    text = md.read_text()
    assert "Replication means by leadership distribution" not in text
    assert "Replication means by initial trust" in text
    assert "changed since plc-sim wrote them" in text and "`tables/by_leadership_distribution.csv`" in text
    assert changed.read_bytes() == b"\x92x|\xca\xdb"


def test_the_report_command_fails_clearly_without_results(tmp_path, capsys):
    assert main(["report", "--results", str(tmp_path)]) == 2
    assert "no experiment results" in capsys.readouterr().err


# --- the statistics under the figures ----------------------------------------------------------------------

def test_kaplan_meier_matches_a_hand_computed_example():
    km = kaplan_meier([1, 2, 2, 3, 4], [True, True, False, True, False])
    assert list(km["time"]) == [0, 1, 2, 3, 4]
    assert list(km["at_risk"]) == [5, 5, 4, 2, 1]
    assert np.allclose(km["survival"], [1, 0.8, 0.6, 0.3, 0.3])
    assert median_survival(km) == 3
    assert (km["low"] <= km["survival"]).all() and (km["survival"] <= km["high"]).all()
    assert km["low"].between(0, 1).all() and km["high"].between(0, 1).all()
    # Greenwood: var S(2) = 0.6^2 (1/(5*4) + 1/(4*3)); the log-log bound brackets S at that spread.
    se = 0.6 * np.sqrt(1 / 20 + 1 / 12)
    assert km["high"][2] - km["low"][2] == pytest.approx(2 * 1.96 * se, rel=0.25)


def test_kaplan_meier_without_censoring_is_the_share_still_surviving():
    durations = np.array([3, 1, 4, 1, 5, 9, 2, 6])
    km = kaplan_meier(durations, np.ones(8, bool))
    for time, survival in zip(km["time"], km["survival"], strict=True):
        assert survival == pytest.approx((durations > time).mean())
    assert np.isnan(median_survival(kaplan_meier([5, 5, 5], [False, False, False])))


def test_mean_ci_is_the_t_interval():
    mean, low, high = mean_ci([1.0, 2.0, 3.0])
    assert mean == 2 and high - mean == pytest.approx(4.302653 / np.sqrt(3), rel=1e-6)
    assert np.isnan(mean_ci([1.0])[1])


def test_summaries_use_the_replication_as_the_unit(swept):
    data = load_sweep(swept)
    by = replication_means(data, ["final_health"], ["leadership_distribution"])
    assert list(by["replications"]) == [3, 3]
    runs = data.runs
    level = runs[runs.leadership_distribution == 1.0]
    per_replication = level.groupby("replication")["final_health"].mean()
    expected = mean_ci(per_replication.to_numpy())
    row = by[by.leadership_distribution == 1.0].iloc[0]
    assert (row["final_health"], row["final_health_low"], row["final_health_high"]) == pytest.approx(expected)
    bands = series_bands(data, "health", "leadership_distribution")
    assert len(bands) == 2 * (data.spec.ticks + 1) and (bands["low"] <= bands["mean"]).all()
    curves = survival_curves(data, "initial_trust")
    assert set(curves["initial_trust"]) == {0.1, 0.6} and curves["survival"].between(0, 1).all()
    summary = point_summary(data)
    assert len(summary) == 4 and summary["runs"].eq(3).all()


def test_outputs_report_what_they_wrote(swept):
    outputs = experiment_outputs(swept)
    lines = outputs.lines()
    assert "communities that never decayed" in lines[0]
    assert len([p for p in outputs.figures if p.suffix == ".svg"]) == 4


def test_a_validation_panel_with_nothing_labelled_draws_no_legend_and_warns_nothing(recwarn):
    """A calibration point with no decays to plot used to print matplotlib's 'No artists with labels' per point."""
    from plc_sim.validation.figures import decorate, new_figure

    _, (ax,) = new_figure(1, "decays")
    decorate(ax, "no decays", "years", "share")
    assert ax.get_legend() is None
    ax.plot([0, 1], [0, 1], label="measured")
    decorate(ax, "one line", "years", "share")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["measured"]
    assert not [w for w in recwarn if "legend" in str(w.message).lower()]


def test_decays_by_cause_stand_beside_what_the_studies_report():
    """The sweep's tables/decay_causes.csv and pattern 9's report table: parts pooled into shares, most first, causes
    with no part left out, and each cause's reported reason from its one declaration (simulation.attribution)."""
    from plc_sim.experiments.analysis.results import decay_causes_table
    from plc_sim.validation.causes import reasons_note
    from simulation.attribution import CAUSES, NO_CAUSE, REPORTED

    table = decay_causes_table({"teacher turnover": 1.5, "outside initiative": 4.5, "principal succession": 0.0,
                                "lost time or budget": 0.0, NO_CAUSE: 2.0})
    assert table["cause"].tolist() == ["outside initiative", NO_CAUSE, "teacher turnover"]
    assert table["share"].tolist() == [0.5625, 0.25, 0.1875]
    assert table["what the studies report"].tolist() == [REPORTED[c] for c in table["cause"]]
    assert table.loc[0, "what counts"] == CAUSES["outside initiative"]
    assert decay_causes_table(dict.fromkeys(CAUSES, 0.0)).empty

    decays = pd.DataFrame({"principal succession": [0.5, 1.0, 0.0], "outside initiative": [0.0, 0.0, 1.0],
                           "teacher turnover": 0.0, "lost time or budget": 0.0, NO_CAUSE: [0.5, 0.0, 0.0]})
    (note,) = reasons_note(decays)
    assert "| principal succession | 1.5 | 50% | Hargreaves & Fink (2006)" in note
    assert "| outside initiative | 1 | 33% | Datnow (2005)" in note and "teacher turnover" not in note
    assert f"| {NO_CAUSE} | 0.5 | 17% | {REPORTED[NO_CAUSE]} |" in note
    assert reasons_note(decays.iloc[:0]) == ()


def test_a_survival_figure_with_no_formed_community_says_so(swept, recwarn):
    """A sweep where no community formed drew an empty chart and matplotlib's 'No artists with labels' warning."""
    import dataclasses

    from plc_sim.experiments.analysis.figures import survival_figure

    loaded = load_sweep(swept)
    data = dataclasses.replace(loaded, schools=loaded.schools.assign(never_formed=True, first_formed_tick=-1))
    for by in (None, "leadership_distribution"):
        (ax,) = survival_figure(data, by=by).axes
        assert ax.get_legend() is None and "no community formed" in ax.texts[0].get_text()
    assert not [w for w in recwarn if "legend" in str(w.message).lower()]

"""The workshop app without a browser: controls from the declaration, runs, shocks, drawing, wording, speed.

The last tests render the whole page with Solara in this process and press its
buttons, so every control is exercised in seconds; ``test_app_browser.py``
does the same through Chromium.
"""

from __future__ import annotations

import math
import re
import time
from types import SimpleNamespace

import ipyvuetify as v
import numpy as np
import pytest
import solara
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matplotlib.collections import PathCollection

from plc_sim.app.charts import SERIES, history, school_table_html, timeseries_figure
from plc_sim.app.command import server_command
from plc_sim.app.model import ALL_SCHOOLS, SHOCK_BUTTONS, WorkshopModel, schools_for_target, shock_marks, shock_targets
from plc_sim.app.network import (
    DETAIL_LIMIT,
    draws_every_member,
    network_figure,
    network_layout,
    school_centres,
    strong_ties,
)
from plc_sim.app.panels import explanation_html, png
from plc_sim.app.settings import (
    APP_CEILINGS,
    CONTROL_GROUPS,
    CONTROL_NAMES,
    MAX_SEED,
    RunSettings,
    control_range,
    control_spec,
    parse_seed,
    preset_values,
    slider_step,
)
from plc_sim.cli.main import COMMAND_MODULES, main
from simulation.events import Event, LogLine, describe_events, school_phrase, when
from simulation.model import PLCModel
from simulation.parameters import PARAMS_BY_NAME, TICKS_PER_YEAR, make_params
from simulation.presets import PRESETS, preset_params
from simulation.rules import LIVE_SHOCKS
from simulation.state import active_per_school

pytestmark = pytest.mark.timeout(300)

SMALL = RunSettings().with_value("n_schools", 4).with_value("teachers_per_school", 10)


def run(settings: RunSettings = SMALL, seed=3, ticks: int = 0) -> WorkshopModel:
    model = WorkshopModel(settings, seed)
    for _ in range(ticks):
        model.step()
    return model


# --- controls come from the parameter declaration ------------------------------------------------

def test_controls_are_declared_parameters_shown_once():
    assert len(CONTROL_NAMES) == len(set(CONTROL_NAMES))
    assert set(CONTROL_NAMES) <= set(PARAMS_BY_NAME)
    assert list(CONTROL_NAMES) == [name for names in CONTROL_GROUPS.values() for name in names]


@pytest.mark.parametrize("name", CONTROL_NAMES)
def test_each_control_takes_type_range_default_and_choices_from_the_declaration(name):
    param = PARAMS_BY_NAME[name]
    spec = control_spec(param, param.default)
    assert spec["value"] == param.default
    if param.kind is bool:
        assert spec["type"] == "Checkbox"
    elif param.kind is str:
        assert spec["type"] == "Select" and spec["values"] == list(param.choices)
    else:
        assert spec["type"] == ("SliderInt" if param.kind is int else "SliderFloat")
        assert spec["min"] == param.low
        assert spec["max"] == min(param.high, APP_CEILINGS.get(name, param.high))
        assert spec["min"] <= param.default <= spec["max"]


def test_only_network_size_is_capped_and_caps_lie_inside_the_declared_range():
    for name, ceiling in APP_CEILINGS.items():
        param = PARAMS_BY_NAME[name]
        assert param.low < ceiling <= param.high
        assert all(preset_params(p).as_dict()[name] <= ceiling for p in PRESETS)
    uncapped = [n for n in CONTROL_NAMES if PARAMS_BY_NAME[n].kind in (int, float) and n not in APP_CEILINGS]
    assert all(control_range(PARAMS_BY_NAME[n]) == (PARAMS_BY_NAME[n].low, PARAMS_BY_NAME[n].high) for n in uncapped)


@pytest.mark.parametrize("name", [n for n in CONTROL_NAMES if PARAMS_BY_NAME[n].kind is float])
def test_slider_steps_hit_the_default_and_every_preset_value(name):
    param = PARAMS_BY_NAME[name]
    step, low = slider_step(param), control_range(param)[0]
    for value in [param.default, *(p.overrides[name] for p in PRESETS.values() if name in p.overrides)]:
        assert math.isclose(round((value - low) / step) * step + low, value, abs_tol=1e-9)


@pytest.mark.parametrize("preset", PRESETS)
def test_picking_a_preset_sets_every_control_to_the_preset_value(preset):
    settings = RunSettings().with_value("meeting_time", 0.01).with_preset(preset)
    expected = preset_params(preset)
    assert settings.preset == preset
    assert settings.values == {name: getattr(expected, name) for name in CONTROL_NAMES}
    for name, value in PRESETS[preset].overrides.items():
        if name in CONTROL_NAMES:
            assert settings.values[name] == value
    assert run(settings).p == expected  # the run is the preset, bit for bit in its parameters


def test_settings_refuse_what_the_declaration_or_the_app_does_not_allow():
    base = RunSettings()
    assert base.with_preset("no-such-preset") is base
    assert base.with_value("meeting_time", 1.5) is base
    assert base.with_value("meeting_time", "lots") is base
    assert base.with_value("school_type", "boarding") is base
    assert base.with_value("n_schools", APP_CEILINGS["n_schools"] + 1) is base
    assert base.with_value("decay_span", 3) is base  # not a control
    changed = base.with_value("meeting_time", "0.25")
    assert changed.values["meeting_time"] == 0.25 and base.values["meeting_time"] == 0.6
    assert preset_values("baseline") == base.values


@pytest.mark.parametrize(("text", "seed", "noted"), [
    ("42", 42, False), (" 7 ", 7, False), (7, 7, False), ("", 0, False), (None, 0, False),
    ("abc", 0, True), ("-3", 0, True), ("1.5", 0, True), (str(MAX_SEED + 1), 0, True), (True, 0, True)])
def test_the_seed_box_text_becomes_a_seed_or_a_note(text, seed, noted):
    value, note = parse_seed(text)
    assert value == seed
    assert (note is not None) == noted
    if noted:
        assert str(text)[:3] in note


# --- the run: per session, reproducible, shockable, never raising -------------------------------

def test_a_workshop_run_is_the_model_with_the_same_seed_bit_for_bit():
    settings = SMALL.with_value("meeting_time", 0.35)
    ours = run(settings, "11", ticks=15)
    reference = PLCModel(preset="baseline", rng=11, **settings.values)
    for _ in range(15):
        reference.step()
    assert np.array_equal(ours.members.knowledge, reference.members.knowledge)
    assert np.array_equal(ours.members.trust, reference.members.trust)
    assert ours.events == reference.events


def test_reset_through_solaraviz_reads_the_settings_of_the_moment():
    holder = SimpleNamespace(value=SMALL)  # SolaraViz passes the session's reactive variable
    holder.value = SMALL.with_value("workload", 0.9)
    model = WorkshopModel(settings=holder, rng="5")
    assert model.p.workload == 0.9 and model.seed_value == 5 and model.seed_notice is None
    noted = WorkshopModel(settings=holder, rng="five")
    assert noted.seed_value == 0 and "five" in noted.seed_notice


def test_no_model_is_built_when_the_app_module_is_imported():
    import plc_sim.app.page as app

    assert not [name for name, value in vars(app).items() if isinstance(value, PLCModel)]


def test_shock_buttons_cover_every_live_shock():
    assert set(SHOCK_BUTTONS) == set(LIVE_SHOCKS)


def test_shock_targets_name_schools_from_one():
    assert shock_targets(3) == [ALL_SCHOOLS, "School 1", "School 2", "School 3"]
    assert schools_for_target("School 3", 5).tolist() == [2]
    assert schools_for_target("School 9", 5).tolist() == [0, 1, 2, 3, 4]  # a stale choice from a bigger run
    assert schools_for_target(ALL_SCHOOLS, 2).tolist() == [0, 1]


def test_a_live_shock_acts_is_logged_and_marked():
    model = run(ticks=3)
    before = model.schools.meeting_time.copy()
    model.shock_now("budget_cut", "School 2")
    assert model.schools.meeting_time[1] == pytest.approx(before[1] * (1 - model.p.budget_cut_size))
    assert np.array_equal(model.schools.meeting_time[[0, 2, 3]], before[[0, 2, 3]])
    assert (3, "budget_cut") in shock_marks(model)
    assert describe_events(model.events, model.p)[-1].text == (
        "Year 1, month 3: a budget cut removed 50% of the meeting time in School 2")


def test_scheduled_shocks_are_marked_once_they_have_happened():
    model = run(RunSettings().with_preset("champion-leaves").with_value("n_schools", 2), ticks=59)
    assert shock_marks(model) == []
    model.step()
    assert shock_marks(model) == [(60, "principal_leaves")]


def test_a_failing_step_stops_the_run_with_a_message_instead_of_raising():
    model = run()

    def broken(model):
        raise RuntimeError("a broken rule")

    model.rules = {**model.rules, "broken": broken}
    model.step()
    model.step()  # a stopped run ignores further steps
    assert model.running is False
    assert "a broken rule" in model.failure and "Reset" in model.failure


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_combination_of_controls_runs_shocks_and_draws(data):
    settings = RunSettings().with_preset(data.draw(st.sampled_from(list(PRESETS))))
    for name in CONTROL_NAMES:
        param = PARAMS_BY_NAME[name]
        if name in APP_CEILINGS:  # small networks keep this test fast; the big one is timed below
            value = data.draw(st.integers(int(param.low), 5 if name == "n_schools" else 12))
        elif param.kind is bool:
            value = data.draw(st.booleans())
        elif param.kind is str:
            value = data.draw(st.sampled_from(param.choices))
        else:
            low, high = control_range(param)
            value = data.draw(st.sampled_from([low, high]) | st.floats(low, high) if param.kind is float
                              else st.integers(int(low), int(high)))
        settings = settings.with_value(name, value)
    model = WorkshopModel(settings, data.draw(st.sampled_from(["0", "x", "123"])))
    for tick in range(TICKS_PER_YEAR + 2):
        model.step()
        if tick == 4:
            for shock in SHOCK_BUTTONS:
                model.shock_now(shock, data.draw(st.sampled_from(shock_targets(model.p.n_schools))))
    assert model.failure is None
    layout = network_layout(model)
    for colour in ("knowledge", "engagement"):
        assert png(network_figure(model, layout, colour)).startswith(b"\x89PNG")
    assert png(timeseries_figure(model, shock_marks(model))).startswith(b"\x89PNG")
    assert school_table_html(model).count("<tr>") == model.p.n_schools + 1
    assert describe_events(model.events, model.p)


# --- the network picture --------------------------------------------------------------------------

@pytest.mark.parametrize(("schools", "teachers", "every_member"),
                         [(6, 40, True), (7, 40, True), (8, 40, False), (20, 40, False), (1, 4, True)])
def test_large_networks_are_drawn_as_a_summary(schools, teachers, every_member):
    p = make_params({"n_schools": schools, "teachers_per_school": teachers})
    assert draws_every_member(p) is every_member
    assert (schools * teachers <= DETAIL_LIMIT) is every_member


def _scatters(fig) -> list:
    return [c for c in fig.axes[0].collections if isinstance(c, PathCollection)]


def _scatter_points(fig) -> list[int]:
    return [len(c.get_offsets()) for c in _scatters(fig)]


def test_the_summary_draws_one_disc_per_school_not_every_teacher():
    model = run(RunSettings(), ticks=2)  # 20 schools x 40 teachers
    fig = network_figure(model, network_layout(model))
    assert _scatter_points(fig) == [20]
    assert "one disc per school" in fig._suptitle.get_text()


def test_the_detail_draws_every_member_sized_by_leader_role():
    model = run(SMALL.with_value("include_support_staff", True), ticks=5)
    fig = network_figure(model, network_layout(model))
    active = model.active_slots.size
    members, staff = _scatters(fig)
    assert len(members.get_offsets()) == active  # every teacher and included staff member
    assert len(staff.get_offsets()) == model.p.support_staff * model.p.n_schools
    sizes = members.get_sizes()
    leaders = model.members.is_leader[model.active_slots]
    assert leaders.any() and (sizes[leaders] > sizes[~leaders].max()).all()


def test_layout_puts_each_school_in_its_own_cluster_and_touches_no_random_numbers():
    model = run(SMALL.with_value("school_type", "secondary").with_value("include_support_staff", True))
    state = model.rng.bit_generator.state
    layout = network_layout(model)
    network_figure(model, layout)
    assert model.rng.bit_generator.state == state  # drawing must not change the simulation
    xy, active = layout.member_xy, model.active_mask
    assert np.isfinite(xy[active]).all() and np.isnan(xy[~active]).all()
    distance = np.linalg.norm(xy[active] - layout.school_xy[model.members.school[active]], axis=1)
    assert distance.max() <= 1.13 * layout.radius
    gaps = np.linalg.norm(layout.school_xy[:, None] - layout.school_xy[None], axis=2)
    assert (gaps[~np.eye(len(gaps), dtype=bool)] > 2 * layout.radius).all()
    assert np.array_equal(network_layout(model).member_xy, xy, equal_nan=True)


@pytest.mark.parametrize("n", [1, 2, 3, 40])
def test_school_clusters_never_overlap(n):
    centres, radius = school_centres(n)
    if n > 1:
        gaps = np.linalg.norm(centres[:, None] - centres[None], axis=2)
        assert gaps[~np.eye(n, dtype=bool)].min() > 2 * radius


def test_strong_ties_are_mutual_trust_above_the_threshold_within_a_school():
    model = run(ticks=8)
    a, b, trust = strong_ties(model)
    m, p = model.members, model.p
    active = active_per_school(p)
    expected = 0
    for school in range(p.n_schools):
        block = m.trust[school, :active, :active]
        mutual = (block + block.T) / 2
        expected += int((mutual[np.triu_indices(active, 1)] >= p.strong_tie_threshold).sum())
    assert a.size == expected
    assert (m.school[a] == m.school[b]).all() and (trust >= p.strong_tie_threshold).all()


# --- charts, table, log, guide --------------------------------------------------------------------

def test_history_gives_every_tick_and_school_and_retention_from_leavers():
    model = run(ticks=12)
    series = history(model)
    assert set(series) == set(SERIES)
    assert all(values.shape == (13, 4) for values in series.values())
    left = model.observer.current["teachers_left"]
    assert np.allclose(series["retention"][-1], 1 - left / model.p.teachers_per_school)
    assert (series["retention"][:TICKS_PER_YEAR] == 1).all()


def test_time_series_name_the_shocks_in_the_legend():
    model = run(ticks=2)
    model.shock_now("turnover_wave")
    fig = timeseries_figure(model, shock_marks(model))
    labels = [text.get_text() for text in fig.legends[0].get_texts()]
    assert "shock: turnover wave" in labels and "range across schools" in labels


def test_the_school_table_flags_decayed_communities():
    model = run(ticks=1)
    model.observer.current["decayed"][:] = [0, 1, 0, 0]
    table = school_table_html(model)
    assert table.count("<tr>") == 5
    assert re.search(r"School 2 <span class='plc-decayed'>decayed", table)
    assert "School 1 <span" not in table


@pytest.mark.parametrize(("tick", "words"), [(0, "Before the first month"), (1, "Year 1, month 1"),
                                             (10, "End of year 1"), (13, "Year 2, month 3"), (20, "End of year 2")])
def test_ticks_read_as_school_months(tick, words):
    assert when(tick) == words


def test_school_phrases():
    assert school_phrase([2], 20) == "School 3"
    assert school_phrase([1, 4], 20) == "Schools 2 and 5"
    assert school_phrase([0, 1, 2, 3, 4], 20) == "5 schools"
    assert school_phrase(range(20), 20) == "all 20 schools"


def test_the_log_speaks_plain_words():
    p = make_params()
    events = [
        Event(13, "principal_left", (2,)),
        Event(20, "teachers_left", (1,), count=4, of=40, cause="year_end"),
        Event(30, "teachers_left", (0,), count=3, of=40, cause="year_end"),
        Event(30, "teachers_left", (4,), count=9, of=40, cause="year_end"),
        Event(31, "decay", (6,)),
        Event(32, "teachers_left", (0,), count=12, of=40, cause="turnover_wave"),
        Event(33, "recovery", (6, 7)),
        Event(34, "mystery_shock", (0,)),
    ]
    assert [line.text for line in describe_events(events, p)] == [
        "Year 2, month 3: the principal of School 3 left; a successor arrived",
        "End of year 2: 4 of 40 teachers left School 2",
        "End of year 3: 12 of 800 teachers left their schools (most from School 5: 9 of 40)",
        "Year 4, month 1: the community of School 7 decayed (its yearly PLC health more than 0.1 below its "
        "established level for 2 years)",
        "Year 4, month 2: a turnover wave: 12 of 40 teachers left School 1",
        "Year 4, month 3: the communities of Schools 7 and 8 recovered (each: its yearly PLC health back within "
        "0.04 of its established level for 2 years)",
        "Year 4, month 4: mystery shock (School 1)",
    ]
    assert isinstance(describe_events(events, p)[0], LogLine)


def test_a_real_year_end_reads_as_teachers_leaving_the_network():
    model = run(RunSettings(), ticks=TICKS_PER_YEAR)
    lines = [line.text for line in describe_events(model.events, model.p)]
    assert any(re.fullmatch(r"End of year 1: \d+ of 800 teachers left their schools \(most from School \d+: "
                            r"\d+ of 40\)", line) for line in lines)


def test_the_guide_explains_the_picture_shown_and_every_scenario():
    big, small = run(RunSettings()), run()
    assert "each disc is one school" in explanation_html(big)
    assert "Each dot is a teacher" in explanation_html(small)
    for preset in PRESETS.values():
        assert preset.story.replace("'", "&#x27;") in explanation_html(small)


# --- speed --------------------------------------------------------------------------------------------

def test_a_step_with_drawing_at_20_schools_of_40_teachers_takes_under_a_second():
    model = run(RunSettings(), ticks=60)  # five years of history in the charts
    layout = network_layout(model)
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        model.step()
        with model.lock:
            png(network_figure(model, layout))
            png(timeseries_figure(model, shock_marks(model)))
            school_table_html(model)
            describe_events(model.events, model.p)
        timings.append(time.perf_counter() - start)
    print(f"step with drawing at 20 x 40: best {min(timings):.3f} s, worst {max(timings):.3f} s")
    assert min(timings) < 1.0


# --- the page itself, rendered in this process ------------------------------------------------------

@pytest.fixture()
def page():
    from plc_sim.app.page import Page

    @solara.component
    def Wrapped():
        with solara.AppLayout():
            Page()

    box, rc = solara.render(Wrapped(), handle_error=False)
    yield box, rc
    rc.close()


def _texts(widget, out=None) -> list[str]:
    out = [] if out is None else out
    for child in getattr(widget, "children", None) or []:
        if isinstance(child, str):
            out.append(child)
        else:
            _texts(child, out)
    for attribute in ("unsafe_innerHTML",):
        if getattr(widget, attribute, None):
            out.append(getattr(widget, attribute))
    return out


def _screen(box) -> str:
    return "\n".join(_texts(box))


def _click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).widget.click()


def test_every_control_on_the_page_works_without_an_error(page):
    box, rc = page
    assert "step 0" in _screen(box)
    _click(rc, "Step")
    assert "step 1" in _screen(box)
    for label in SHOCK_BUTTONS.values():
        _click(rc, label)
    screen = _screen(box)
    assert "a budget cut removed 50% of the meeting time in all 20 schools" in screen
    assert "the principals of all 20 schools left" in screen
    rc.find(v.Btn, children=["engagement"]).widget.click()
    rc.find(v.Select, label="hits").widget.v_model = "School 3"
    _click(rc, "Budget cut")
    assert "in School 3" in _screen(box)

    # every slider of ours to one end, then the other, with every choice and switch changed; Reset builds each
    for end in ("max", "min"):
        ours = [k for k, w in enumerate(rc.find(v.Slider).widgets) if not w.label]  # SolaraViz's have labels
        for k in ours:
            slider = rc.find(v.Slider).widgets[k]  # found afresh: each change redraws the panel
            slider.v_model = getattr(slider, end)
        for k in range(len(rc.find(v.Checkbox).widgets)):
            checkbox = rc.find(v.Checkbox).widgets[k]
            if checkbox.label != "Use Threads":
                checkbox.v_model = not checkbox.v_model
        for k, select in enumerate(rc.find(v.Select).widgets):
            if select.label not in ("Scenario", "hits"):
                rc.find(v.Select).widgets[k].v_model = select.items[-1 if end == "max" else 0]
        assert "You changed the settings" in _screen(box)
        _click(rc, "Reset")
        assert "step 0" in _screen(box) and "You changed the settings" not in _screen(box)
        _click(rc, "Step")
        assert "step 1" in _screen(box)
        size = "Number of schools: 40" if end == "max" else "Number of schools: 1"
        assert size in _screen(box)

    seed_box = rc.find(v.TextField, label="Random seed (a whole number; applies at Reset)").widget
    seed_box.v_model = "not a seed"
    seed_box.fire_event("focusout", None)  # the box sends its text when it loses focus
    _click(rc, "Reset")
    assert "is not a whole number" in _screen(box)

    for preset in PRESETS:
        rc.find(v.Select, label="Scenario").widget.v_model = preset
        assert PRESETS[preset].story in _screen(box)
        _click(rc, "Step")
        assert "step 1" in _screen(box)


def test_the_app_command_serves_on_localhost_and_checks_its_port(capsys):
    assert "plc_sim.app.command" in COMMAND_MODULES
    command = server_command(8765)
    assert command[command.index("run"):] == ["run", "plc_sim.app.page:page", "--host", "127.0.0.1", "--port", "8765",
                                               "--production", "--no-open"]
    with pytest.raises(SystemExit) as stopped:
        main(["app", "--port", "80"])
    assert stopped.value.code == 2
    assert "--port: 80 is not allowed; expected an integer from 1024 to 65535" in capsys.readouterr().err

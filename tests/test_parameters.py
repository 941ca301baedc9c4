"""The parameter declaration: complete, consistent, strict about bad values, and mirrored in the ODD.

Every check reads ``simulation.parameters.PARAMETERS``; nothing here repeats a name, range or default.
"""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from simulation.parameters import (
    PARAMETERS,
    PARAMS_BY_NAME,
    TICKS_PER_YEAR,
    Param,
    ParameterError,
    Params,
    make_params,
    parse_assignment,
    suggest,
)
from simulation.presets import PRESETS, preset_params

NUMERIC = [p for p in PARAMETERS if p.kind in (int, float)]
INTS = [p for p in PARAMETERS if p.kind is int]
BOOLS = [p for p in PARAMETERS if p.kind is bool]
CHOICES = [p for p in PARAMETERS if p.kind is str]
ODD = Path(__file__).resolve().parent.parent / "docs" / "ODD.md"
REQUIRED_PRESETS = ("baseline", "champion-leaves", "distributed-leadership", "high-turnover-secondary",
                    "networked-schools", "congenial-collaboration")
"""Presets issue 2 asks for by name."""


def ids(params):
    return [p.name for p in params]


def assert_names_field_and_range(error: pytest.ExceptionInfo, param: Param) -> None:
    """The message starts with the parameter's name and says what is allowed."""
    message = str(error.value)
    assert message.startswith(f"{param.name}:"), message
    assert param.allowed() in message, message
    assert "\n" not in message


# --- the declaration itself ---------------------------------------------------------------------------------

def test_one_tick_is_a_school_month():
    assert TICKS_PER_YEAR == 10


def test_names_are_unique_identifiers():
    names = [p.name for p in PARAMETERS]
    assert len(names) == len(set(names))
    assert all(name.isidentifier() and name == name.lower() for name in names)
    assert PARAMS_BY_NAME == {p.name: p for p in PARAMETERS}


@pytest.mark.parametrize("param", PARAMETERS, ids=ids(PARAMETERS))
def test_every_param_has_meaning_group_and_source(param):
    assert param.kind in (int, float, bool, str)
    assert param.meaning.strip() and param.meaning[0].isupper(), "meaning should be a sentence"
    assert param.group.strip()
    assert param.source.strip(), "name the source, or mark the default as an assumption"


@pytest.mark.parametrize("param", NUMERIC, ids=ids(NUMERIC))
def test_numeric_params_have_a_range_that_holds_the_default(param):
    assert param.low is not None and param.high is not None
    assert param.low <= param.high
    assert param.low <= param.default <= param.high
    assert not param.choices
    assert param.unit.strip(), "numbers need a unit"


@pytest.mark.parametrize("param", CHOICES, ids=ids(CHOICES))
def test_choice_params_list_their_choices(param):
    assert len(param.choices) >= 2 and len(set(param.choices)) == len(param.choices)
    assert param.default in param.choices
    assert param.low is None and param.high is None


@pytest.mark.parametrize("param", PARAMETERS, ids=ids(PARAMETERS))
def test_default_coerces_to_itself_with_its_type(param):
    value = param.coerce(param.default)
    assert value == param.default
    assert type(value) is param.kind


def test_params_holds_the_defaults_and_is_frozen():
    params = Params()
    assert params.as_dict() == {p.name: p.default for p in PARAMETERS}
    with pytest.raises(dataclasses.FrozenInstanceError):
        params.meeting_time = 0.1


def test_replace_returns_a_validated_copy():
    params = Params()
    changed = params.replace(meeting_time=0.25, n_schools="3")
    assert (changed.meeting_time, changed.n_schools) == (0.25, 3)
    assert params.meeting_time == PARAMS_BY_NAME["meeting_time"].default
    with pytest.raises(ParameterError, match=r"^meeting_time: .*from 0 to 1"):
        params.replace(meeting_time=1.5)
    with pytest.raises(ParameterError, match=r"^no_such_thing: unknown parameter"):
        params.replace(no_such_thing=1)
    with pytest.raises(ParameterError, match=r"^meeting_time:"):
        Params(meeting_time=float("nan"))


def test_make_params_layers_overrides_on_a_base():
    base = make_params({"n_schools": 3})
    params = make_params({"meeting_time": 0.2}, base=base)
    assert (params.n_schools, params.meeting_time) == (3, 0.2)
    with pytest.raises(ParameterError, match=r"^meetng_time: unknown parameter.*plc-sim params"):
        make_params({"meetng_time": 0.2})


def test_suggest_names_the_closest_choice_and_nothing_unrelated():
    assert suggest("trust_growht", PARAMS_BY_NAME) == " (did you mean trust_growth_rate?)"
    assert suggest("meetng_time", PARAMS_BY_NAME) == " (did you mean meeting_time?)"
    assert suggest("champion_leaves", PRESETS) == " (did you mean champion-leaves?)"
    assert suggest("zzzz", PARAMS_BY_NAME) == ""
    with pytest.raises(ParameterError, match=r"^trust_growht: unknown parameter \(did you mean trust_growth_rate\?\)"):
        make_params({"trust_growht": 0.2})
    with pytest.raises(ParameterError, match=r"^preset: .champion-leave. is not a preset \(did you mean champion-le"):
        preset_params("champion-leave")


# --- coerce: what it accepts ------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(share=st.floats(0.0, 1.0))
@example(share=0.0)  # every parameter's low end
@example(share=1.0)  # and its high end
def test_coerce_accepts_any_point_of_every_range_as_a_number_and_as_text(share):
    for param in NUMERIC:
        value = param.low + share * (param.high - param.low)
        value = min(max(round(value) if param.kind is int else value, param.low), param.high)
        for given_as in (value, str(value)):
            coerced = param.coerce(given_as)
            assert coerced == value and type(coerced) is param.kind, (param.name, given_as, coerced)


def test_coerce_converts_whole_numbers_between_int_and_float():
    n_schools, meeting_time = PARAMS_BY_NAME["n_schools"], PARAMS_BY_NAME["meeting_time"]
    assert n_schools.coerce(3.0) == 3 and type(n_schools.coerce(3.0)) is int
    assert meeting_time.coerce(1) == 1.0 and type(meeting_time.coerce(1)) is float


@pytest.mark.parametrize("param", BOOLS, ids=ids(BOOLS))
def test_coerce_reads_booleans_in_words(param):
    for text in ("true", "True", "yes", "on", "1", True, 1):
        assert param.coerce(text) is True
    for text in ("false", "FALSE", "no", "off", "0", False, 0):
        assert param.coerce(text) is False


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_coerce_accepts_every_value_in_range(data):
    param = data.draw(st.sampled_from(NUMERIC))
    if param.kind is int:
        value = data.draw(st.integers(int(param.low), int(param.high)))
    else:
        value = data.draw(st.floats(param.low, param.high, allow_nan=False))
    assert param.coerce(value) == value


# --- coerce: what it rejects, with a message naming the field and the range --------------------------------

def examples(**lists):
    """``@example`` for every value of each list: the hand-picked cases always run, before the drawn ones."""
    def decorate(test):
        for name, values in lists.items():
            for value in reversed(values):
                test = example(**{name: value})(test)
        return test
    return decorate


def rejects(param: Param, value) -> None:
    """``param.coerce(value)`` raises one line naming the parameter and its range (and says which, if not)."""
    with pytest.raises(ParameterError) as error:
        param.coerce(value)
        pytest.fail(f"{param.name} accepted {value!r}")
    assert_names_field_and_range(error, param)


def not_a_number(text: str) -> bool:
    try:
        float(text.strip().lower())
    except ValueError:
        return True
    return False


@settings(max_examples=60, deadline=None)
@given(beyond=st.floats(1e-9, 1e9))
@example(beyond=1e-9)  # just outside (1 for integers)
@example(beyond=1000.0)
def test_coerce_rejects_values_outside_every_range(beyond):
    for param in NUMERIC:
        step = max(1, math.ceil(beyond)) if param.kind is int else beyond
        for value in (param.low - step, param.high + step):
            if param.low <= value <= param.high:  # a step lost to float rounding at a large bound
                continue
            rejects(param, value)


NOT_FINITE = [float("nan"), "nan", "NaN", float("inf"), "-inf", math.inf]


@settings(max_examples=40, deadline=None)
@given(value=st.sampled_from(["NAN", " nan ", "Infinity", "-Infinity", "+inf", "INF"]) | st.sampled_from(
    [float("nan"), float("-inf"), -math.inf]))
@examples(value=NOT_FINITE)
def test_coerce_rejects_nan_and_infinity_for_every_number(value):
    for param in NUMERIC:
        rejects(param, value)


WRONG_TYPES = [True, False, None, "abc", "", "0.5.1", [0.5], {"v": 1}, 1j]
"""Not numbers. A bool is not a number here: ``--set n_schools=true`` must not mean one school."""


@settings(max_examples=60, deadline=None)
@given(value=st.one_of(st.none(), st.booleans(), st.complex_numbers(), st.lists(st.floats(), max_size=3),
                       st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
                       st.text(max_size=8).filter(not_a_number)))
@examples(value=WRONG_TYPES)
def test_coerce_rejects_wrong_types_for_every_number(value):
    for param in NUMERIC:
        rejects(param, value)


@settings(max_examples=60, deadline=None)
@given(fraction=st.floats(0.001, 0.999))
@example(fraction=0.5)
def test_coerce_rejects_fractions_for_every_integer(fraction):
    for param in INTS:
        for value in (param.low + fraction, f"{param.low + fraction}"):
            rejects(param, value)


NOT_BOOLEANS = [2, -1, 0.5, "maybe", "", None, "nan", [True]]


@settings(max_examples=60, deadline=None)
@given(value=st.one_of(st.integers().filter(lambda n: n not in (0, 1)), st.floats().filter(lambda x: x not in (0, 1)),
                       st.text(max_size=8).filter(lambda t: t.strip().lower() not in (
                           "true", "yes", "1", "on", "false", "no", "0", "off")), st.none(),
                       st.lists(st.booleans(), min_size=1, max_size=2)))
@examples(value=NOT_BOOLEANS)
def test_coerce_rejects_non_booleans_for_every_switch(value):
    for param in BOOLS:
        rejects(param, value)
        with pytest.raises(ParameterError, match="true or false"):
            param.coerce(value)


NOT_CHOICES = ["no-such-choice", "", 1, None, True]


@settings(max_examples=60, deadline=None)
@given(value=st.one_of(st.text(max_size=12), st.integers(), st.none(), st.booleans()))
@examples(value=NOT_CHOICES)
def test_coerce_rejects_unknown_choices_and_names_the_choices(value):
    for param in CHOICES:
        if value in param.choices:
            continue
        rejects(param, value)
        with pytest.raises(ParameterError) as error:
            param.coerce(value)
        assert all(choice in str(error.value) for choice in param.choices)


def test_allowed_describes_the_range_in_words():
    assert PARAMS_BY_NAME["meeting_time"].allowed() == "a number from 0 to 1"
    assert PARAMS_BY_NAME["n_schools"].allowed().startswith("an integer from 1 to ")
    assert PARAMS_BY_NAME["network_facilitator"].allowed() == "true or false"
    assert PARAMS_BY_NAME["school_type"].allowed() == "one of primary, secondary, mixed"


# --- name=value from the command line ----------------------------------------------------------------------

def test_parse_assignment_validates_name_and_value():
    assert parse_assignment("meeting_time=0.4") == ("meeting_time", 0.4)
    assert parse_assignment(" n_schools = 3 ") == ("n_schools", 3)
    assert parse_assignment("network_facilitator=yes") == ("network_facilitator", True)
    assert parse_assignment("school_type=primary") == ("school_type", "primary")


@pytest.mark.parametrize("text", ["meeting_time", "=0.4", "meeting_time=", "meeting_time=  ", ""])
def test_parse_assignment_rejects_malformed_text(text):
    with pytest.raises(ParameterError, match=r"^--set .*expected name=value"):
        parse_assignment(text)


@pytest.mark.parametrize("text, field", [("nope=1", "nope"), ("meeting_time=2", "meeting_time"),
                                         ("meeting_time=nan", "meeting_time"), ("n_schools=2.5", "n_schools"),
                                         ("n_schools=true", "n_schools")])
def test_parse_assignment_names_the_field(text, field):
    with pytest.raises(ParameterError, match=rf"^{field}: "):
        parse_assignment(text)


# --- presets --------------------------------------------------------------------------------------------------

def test_required_presets_exist():
    assert set(REQUIRED_PRESETS) <= set(PRESETS)


@pytest.mark.parametrize("name", list(PRESETS))
def test_preset_overrides_are_valid(name):
    preset = PRESETS[name]
    assert preset.name == name
    assert preset.story.strip()
    for key, value in preset.overrides.items():
        assert key in PARAMS_BY_NAME, f"preset {name}: unknown parameter {key}"
        assert PARAMS_BY_NAME[key].coerce(value) == value, f"preset {name}: {key}={value!r} is not allowed"
    params = preset_params(name)
    assert all(getattr(params, key) == value for key, value in preset.overrides.items())


def test_preset_params_applies_overrides_on_top_and_rejects_unknown_presets():
    params = preset_params("champion-leaves", {"meeting_time": 0.3, "principal_leaves_tick": 20})
    assert (params.meeting_time, params.principal_leaves_tick) == (0.3, 20)
    with pytest.raises(ParameterError, match=r"^preset: 'nope' is not a preset; choose one of baseline"):
        preset_params("nope")


# --- the ODD's parameter table is the declaration -----------------------------------------------------------

ODD_TABLE = re.compile(r"<!-- parameter table: begin.*?-->\n(.*?)<!-- parameter table: end -->", re.S)


def test_odd_parameter_table_matches_the_declaration(capsys):
    """docs/ODD.md embeds the output of `plc-sim params --markdown`; regenerate it when the declaration changes."""
    from plc_sim.cli import main

    assert main(["params", "--markdown"]) == 0
    expected = capsys.readouterr().out
    found = ODD_TABLE.search(ODD.read_text(encoding="utf-8"))
    assert found, "docs/ODD.md has lost its parameter-table markers"
    assert found.group(1).strip() == expected.strip(), (
        "docs/ODD.md's parameter table is out of date; regenerate it as its section 'Parameters' explains")


# --- national scale ----------------------------------------------------------------------------------------------

def test_a_national_network_is_allowed_but_not_a_complete_one():
    """100,000 schools (about the US public schools) are allowed; a complete network only up to 2,000 schools,
    since its links grow with the square of the schools."""
    assert make_params({"n_schools": 100_000}).n_schools == 100_000
    assert make_params({"n_schools": 2000, "network_type": "complete"}).n_schools == 2000
    with pytest.raises(ParameterError) as error:
        make_params({"n_schools": 100_001})
    assert_names_field_and_range(error, PARAMS_BY_NAME["n_schools"])
    with pytest.raises(ParameterError) as error:
        make_params({"n_schools": 2001, "network_type": "complete"})
    message = str(error.value)
    assert message.startswith("n_schools: 2001 is not allowed with network_type complete; expected an integer "
                              "from 1 to 2000"), message
    assert "\n" not in message

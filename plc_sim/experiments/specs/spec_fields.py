"""Checking one field of an experiment spec: text, integers, tables, outcomes, parameters and their values.

Every check raises :class:`SpecError` naming the field and what is allowed; ``spec.parse_spec`` adds the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plc_sim.core.errors import InputError
from simulation.measures import NETWORK_MEASURES
from simulation.parameters import PARAMS_BY_NAME, Param, ParameterError, check_names, suggest


class SpecError(InputError):
    """A spec that cannot be run: the message names the file and the field."""


def text_field(data: Mapping, key: str, default: str) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise SpecError(f"{key}: {value!r} is not allowed; expected text in quotes")
    return value


def integer_field(data: Mapping, key: str, low: int, high: int, default: int | None) -> int | None:
    value = data.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SpecError(f"{key}: {value!r} is not allowed; expected an integer from {low} to {high}")
    return value


def table_field(data: Mapping, key: str) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise SpecError(f"{key}: expected a table ([{key}]), not {value!r}")
    return value


def unknown_key(where: str, key: str, allowed, what: str = "unknown key") -> SpecError:
    """The error for a key that is not allowed, with the closest allowed one suggested."""
    allowed = list(allowed)
    return SpecError(f"{where}: {what}{suggest(key, allowed)}; allowed: {', '.join(allowed) or 'none'}")


def outcomes_field(value: Any, field_name: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise SpecError(f"{field_name}: expected a list of measures, e.g. [\"health\", \"decayed_share\"]")
    for name in value:
        if name not in NETWORK_MEASURES:
            raise unknown_key(field_name, str(name), NETWORK_MEASURES, f"{name!r} is not a measure")
    if len(set(value)) != len(value):
        raise SpecError(f"{field_name}: a measure is listed twice")
    return tuple(value)


def param_named(name: str, where: str) -> Param:
    """The declared parameter ``name``, or a SpecError at ``where.name`` with the closest names."""
    if name not in PARAMS_BY_NAME:
        try:
            check_names([name])
        except ParameterError as error:
            raise SpecError(f"{where}.{error}") from None
    return PARAMS_BY_NAME[name]


def coerce_value(param: Param, value: Any, where: str) -> Any:
    if isinstance(value, dict | list):
        raise SpecError(f"{where}: {value!r} is not allowed; expected {param.allowed()}")
    try:
        return param.coerce(value)
    except ParameterError:
        raise SpecError(f"{where}: {value!r} is not allowed; expected {param.allowed()}") from None


def fixed_values(table: dict) -> dict[str, Any]:
    return {name: coerce_value(param_named(name, "fixed"), value, f"fixed.{name}") for name, value in table.items()}

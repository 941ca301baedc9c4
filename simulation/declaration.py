"""The machinery of the parameter declaration: a declared parameter and how its values are checked.

:class:`Param` names a parameter, its type, default, allowed range, unit, meaning and source;
:meth:`Param.coerce` turns a value (or command-line text) into that type or raises :class:`ParameterError`
with one line naming the field and what is allowed. The table of parameters itself is
:data:`simulation.parameters.PARAMETERS`.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

TICKS_PER_YEAR = 10
"""One tick is one school month; ten teaching months make a school year."""


class ParameterError(ValueError):
    """A parameter name, type or value that the declaration does not allow."""


@dataclass(frozen=True)
class Param:
    """Declaration of one model parameter.

    ``kind`` is one of ``float``, ``int``, ``bool`` or ``str``; a ``str``
    parameter is a named choice among ``choices``. Numeric parameters are
    bounded by ``low`` and ``high`` (inclusive).
    """

    name: str
    kind: type
    default: Any
    meaning: str
    group: str
    unit: str = ""
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    source: str = "assumption"
    sweepable: bool = True

    def allowed(self) -> str:
        """Describe the allowed values in words, for error messages and docs."""
        if self.kind is bool:
            return "true or false"
        if self.kind is str:
            return "one of " + ", ".join(self.choices)
        kind = "an integer" if self.kind is int else "a number"
        return f"{kind} from {_fmt(self.low)} to {_fmt(self.high)}"

    def coerce(self, value: Any) -> Any:
        """Return ``value`` converted to this parameter's type, or raise ParameterError."""
        if isinstance(value, str) and self.kind is not str:
            value = _parse_text(self, value)
        if self.kind is bool:
            if isinstance(value, bool | int) and value in (0, 1):
                return bool(value)
            raise self._error(value)
        if self.kind is str:
            if value not in self.choices:
                raise self._error(value)
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._error(value)
        if self.kind is int:
            if isinstance(value, float) and not value.is_integer():
                raise self._error(value)
            value = int(value)
        else:
            value = float(value)
            if math.isnan(value):
                raise self._error(value)
        if not self.low <= value <= self.high:
            raise self._error(value)
        return value

    def _error(self, value: Any) -> ParameterError:
        return ParameterError(f"{self.name}: {value!r} is not allowed; expected {self.allowed()}")


def _fmt(number: float | None) -> str:
    return f"{number:g}" if isinstance(number, float) else str(number)


def _parse_text(param: Param, text: str) -> Any:
    cleaned = text.strip().lower()
    if param.kind is bool:
        if cleaned in ("true", "yes", "1", "on"):
            return True
        if cleaned in ("false", "no", "0", "off"):
            return False
        raise param._error(text)
    try:
        number = float(cleaned)
    except ValueError:
        raise param._error(text) from None
    return number


def _p(name, kind, default, meaning, group, **kw) -> Param:
    return Param(name=name, kind=kind, default=default, meaning=meaning, group=group, **kw)



def suggest(word: str, choices: Iterable[str]) -> str:
    """A " (did you mean X?)" hint naming the choice closest to ``word``, or "" when none is close.

    The one "did you mean" of the project (difflib's similarity ratio, cutoff 0.6): ``trust_growht``
    suggests ``trust_growth_rate``, never an unrelated name that merely shares a prefix.
    """
    close = difflib.get_close_matches(str(word), list(choices), n=1)
    return f" (did you mean {close[0]}?)" if close else ""

"""Errors that mean "the input is wrong": the CLI prints them as one line and exits with status 2."""

from simulation.invariants import RuleError
from simulation.parameters import ParameterError


class InputError(ValueError):
    """Bad input to a tool (a spec, a path, an option) that names the field and what is allowed."""


USER_ERRORS = (InputError, ParameterError, RuleError)

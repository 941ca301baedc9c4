"""plc-sim's model package: professional learning communities in networks of schools.

The package knows nothing of files, sweeps or browsers; those live in ``plc_sim``.
"""

from simulation.invariants import RuleError
from simulation.measures import DIMENSIONS, network_frame, persistence_table, school_frame
from simulation.model import PLCModel
from simulation.parameters import PARAMETERS, TICKS_PER_YEAR, ParameterError, Params, make_params
from simulation.presets import PRESETS, preset_params

__all__ = [
    "DIMENSIONS", "PARAMETERS", "PRESETS", "TICKS_PER_YEAR", "PLCModel", "ParameterError", "Params",
    "RuleError", "make_params", "network_frame", "persistence_table", "preset_params", "school_frame",
]

"""Imported by a fork server (``plc_sim.experiments.execution.execute.PRELOAD``): loads the model's compiled
kernels once in the server, so that every worker it forks starts with them instead of loading them on its first run."""

from simulation.model import load_kernels

load_kernels()

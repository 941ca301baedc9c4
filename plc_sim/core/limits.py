"""Bounds every tool applies to run length and seeds, declared once."""

MAX_TICKS = 100_000
"""Longest run any tool accepts (10,000 school years)."""

MAX_SEED = 2**63 - 1
"""Largest seed: numpy's ``SeedSequence`` takes any non-negative integer; specs and tables store seeds as int64."""

"""Bounds every tool applies to run length, seeds and experiment size, declared once."""

MAX_TICKS = 100_000
"""Longest run any tool accepts (10,000 school years)."""

MAX_SEED = 2**63 - 1
"""Largest seed: numpy's ``SeedSequence`` takes any non-negative integer; specs and tables store seeds as int64."""

MAX_RUNS = 10_000_000
"""Most runs one experiment may hold; a design's run count is checked against it before anything is built."""

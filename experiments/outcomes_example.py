"""Example outcome functions and a stop condition for a spec's ``[outcomes]`` table.

``experiments/own_outcomes.toml`` uses them; ``experiments/README.md`` explains the format. An outcome takes
``series`` (the run's network measures, one row per tick) or ``model`` (the finished run) and returns one number;
a stop condition takes the ``model`` and returns True to end the run early.
"""

from simulation import school_frame


def peak_health(series):
    """The highest PLC health the network reached (mean over schools), at any tick of the run."""
    return series["health"].max()


def years_healthy(series):
    """School years (ten ticks each) the network's mean PLC health spent at or above 0.5."""
    return (series["health"].iloc[1:] >= 0.5).sum() / 10


def health_gap(model):
    """How far apart the schools end: the strongest school's PLC health minus the weakest's, at the last tick."""
    last = school_frame(model).query("tick == tick.max()")
    return last["health"].max() - last["health"].min()


def most_eroded(model):
    """Stop the run once more than half the communities have eroded (fallen well below the level each had
    established): how high health peaked and how long it stayed up are settled."""
    return model.network_now["eroded_share"] > 0.5

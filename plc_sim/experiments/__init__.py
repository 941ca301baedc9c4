"""Experiments on the model: single runs, specs, sweeps and their result store, analysis, figures, sensitivity,
reports."""

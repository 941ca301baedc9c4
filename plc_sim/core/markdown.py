"""Markdown tables for the reports that the analysis writes (discover, robustness): one layout for both."""

from __future__ import annotations

import numpy as np
import pandas as pd


def markdown_table(frame: pd.DataFrame, header: list[str]) -> str:
    """``frame`` as a Markdown table under ``header``; floats to three significant digits."""

    def cell(value) -> str:
        return f"{value:.3g}" if isinstance(value, float | np.floating) else str(value)
    rows = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    rows += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(rows)

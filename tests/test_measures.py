"""The compiled measurement (issue 21): its sums are numpy's, bit for bit, at every network size."""

from __future__ import annotations

import numpy as np
import pytest

from simulation import PLCModel
from simulation.measures import _row_sum


@pytest.mark.parametrize("sizes", [range(1, 300), (1_000, 2_047, 8_193, 100_000)])
def test_row_sums_are_numpys_pairwise_sums_bit_for_bit(sizes):
    rng = np.random.default_rng(1)
    for n in sizes:
        table = rng.random((3, n)) * np.array([[1e-3], [1.0], [1e3]])
        table[2] = np.round(table[2])  # counts, as the count measures are
        expected = np.add.reduce(table, axis=1)
        assert [_row_sum(row) for row in table] == expected.tolist(), n


def test_a_run_longer_than_the_series_allocation_keeps_every_tick():
    """The series are kept in blocks of ticks: the ticks of every block are all kept, unchanged."""
    model = PLCModel(rng=3, n_schools=2, teachers_per_school=6)
    seen = []
    for _ in range(200):
        model.step()
        seen.append(model.observer.table.copy())
    tables = np.asarray(model.datacollector.model_vars["schools"])
    assert model.observer.series.ticks > 2 * model.observer.series.block  # three blocks at least
    np.testing.assert_array_equal(tables[1:], np.stack(seen))
    assert model.datacollector.get_model_vars_dataframe().shape[0] == 201

"""Seeded runs give the same outputs, bit for bit, as before the measurement was fused (issue 21).

The digests in ``tests/data/run_digests.json`` were written by ``tests/run_digests.py`` before the change; every
output of every case (both series, the DataCollector's named columns, the persistence table, the events, the
final trust) must still hash to them.
"""

from __future__ import annotations

import json

import pytest
from run_digests import CASES, DIGESTS, digests


@pytest.mark.parametrize("name", CASES)
def test_seeded_runs_are_bit_identical_to_the_digests_written_before_the_change(name):
    assert digests(CASES[name]) == json.loads(DIGESTS.read_text())[name]

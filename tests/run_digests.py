"""SHA-256 digests of seeded runs' outputs, to show that a change to the engine leaves every result as it was.

``tests/data/run_digests.json`` holds the digests of :data:`CASES`, computed before the measurement was fused into
one compiled pass (issue 21). The test compares them; to write them again after a change that is meant to change
results, run ``.venv/bin/python tests/run_digests.py --write`` and say why in the commit. The trust summary sums
with SIMD lanes (``fastmath``), so on a processor of another vector width the digests may differ in the last bit
of a mean; the machine the suite runs on (Debian, x86-64) is the one that wrote them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from simulation import PLCModel, network_frame, persistence_table, school_frame
from simulation.interventions import INTERVENTIONS, Intervention

DIGESTS = Path(__file__).resolve().parent / "data" / "run_digests.json"

_EVERY_INTERVENTION = tuple(Intervention(name, start_year=1 + i % 3, end_year=None if i % 2 else 4,
                                         schools=None if i % 2 else (0, 2))
                            for i, name in enumerate(INTERVENTIONS))

CASES: dict[str, dict] = {
    "baseline": {"rng": 1},
    "baseline-parallel": {"rng": 1, "parallel_schools": True},
    "one-school": {"rng": 4, "n_schools": 1, "ticks": 72},
    "champion-leaves": {"rng": 2, "preset": "champion-leaves", "n_schools": 6},
    "secondary-support-staff": {"rng": 3, "n_schools": 5, "school_type": "secondary", "include_support_staff": True},
    "protocols-complete": {"rng": 5, "n_schools": 6, "memory_rule": "protocols", "network_type": "complete"},
    "every-strong-tie": {"rng": 6, "n_schools": 3, "strong_tie_threshold": 0.0, "decay_span": 1},
    "interventions": {"rng": 7, "n_schools": 4, "interventions": _EVERY_INTERVENTION},
    "high-turnover": {"rng": 9, "preset": "high-turnover-secondary", "n_schools": 6, "ticks": 240},
    "decay-and-recovery": {"rng": 9, "n_schools": 6, "ticks": 240},
}
"""Seeded runs over the rule variants, the interventions, the parallel kernels and the edge sizes, with decays,
erosions and a recovery among them (the last two); 60 ticks unless ``ticks`` says otherwise."""


def _bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, float_format="%.17g").encode()


def digests(case: dict) -> dict[str, str]:
    """The digest of each output of one run of ``case`` (:func:`outputs`)."""
    options = dict(case)
    ticks = options.pop("ticks", 60)
    model = PLCModel(**options)
    for _ in range(ticks):
        model.step()
    return {name: hashlib.sha256(data).hexdigest() for name, data in outputs(model).items()}


def outputs(model: PLCModel) -> dict[str, bytes]:
    """A finished run's outputs as bytes: both series, the Mesa DataCollector's frame (its named columns), the
    persistence table, the events and the final trust."""
    return {
        "network": _bytes(network_frame(model)),
        "schools": _bytes(school_frame(model)),
        "collector": _bytes(model.datacollector.get_model_vars_dataframe().drop(columns=["network", "schools"])),
        "persistence": _bytes(persistence_table(model)),
        "events": repr(model.events).encode(),
        "trust": np.ascontiguousarray(model.members.trust).tobytes(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="print (or --write) the digests of the seeded cases")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    result = {name: digests(case) for name, case in CASES.items()}
    text = json.dumps(result, indent=1, sort_keys=True) + "\n"
    if args.write:
        DIGESTS.write_text(text)
    print(text)


if __name__ == "__main__":
    main()

"""Kernel refactors keep results bit-identical: short seeded runs hash to digests saved before the change.

The digests were computed with the kernels as they were before their arguments became named tuples (commit
6e8f207); a refactor that changes one floating-point operation or one random draw changes them. A deliberate change
of the model's maths updates them in the same commit (run this file's ``__main__`` and paste the output).
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from simulation import PLCModel, network_frame, school_frame

SMALL = {"n_schools": 6, "teachers_per_school": 12, "support_staff": 2}

VARIANTS = {
    "baseline": {"preset": "baseline"},
    "champion-leaves": {"preset": "champion-leaves", "principal_leaves_tick": 12},
    "networked-schools": {"preset": "networked-schools"},
    "high-turnover-secondary": {"preset": "high-turnover-secondary"},
    "protocols-with-staff": {"preset": "baseline", "memory_rule": "protocols", "include_support_staff": True},
    "parallel-schools": {"preset": "baseline", "parallel_schools": True},
}

DIGESTS = {
    "baseline": "5fce7dd9efc54f001c76167d7895d80a3de4cb871ee490cc86abea0fe6b5c8d0",
    "champion-leaves": "1c8f9f57a5d1c7252a6552adb0938af88e419b3447533f7f6bed5b910a8d3501",
    "networked-schools": "26e0c963d4e3743c118ae47afa9c9a4491ca4ffd03206875a9907a4f667e3b02",
    "high-turnover-secondary": "e292bd58d9106615bdbd2059d8d9dc107c5ed20c6904ce80e577fa1aca414e87",
    "protocols-with-staff": "3d42738caa801b52878a8341a4c81311beda25c066201ddfb51b890d446be992",
    "parallel-schools": "5fce7dd9efc54f001c76167d7895d80a3de4cb871ee490cc86abea0fe6b5c8d0",
}


def run_digest(variant: str, rules: dict | None = None, ticks: int = 25, seed: int = 5) -> str:
    """SHA-256 of a seeded run's network and school series and of its final state arrays."""
    settings = dict(VARIANTS[variant])
    preset, parallel = settings.pop("preset"), settings.pop("parallel_schools", False)
    model = PLCModel(preset=preset, rng=seed, parallel_schools=parallel, rules=rules, **SMALL, **settings)
    for _ in range(ticks):
        model.step()
    digest = hashlib.sha256()
    for frame in (network_frame(model), school_frame(model)):
        digest.update(frame.to_csv(float_format="%.17g").encode())
    for state in (model.members, model.schools):
        for name, values in sorted(vars(state).items()):
            digest.update(name.encode() + np.ascontiguousarray(values).tobytes())
    return digest.hexdigest()


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_seeded_runs_match_the_digests_saved_before_the_kernel_refactor(variant):
    assert run_digest(variant) == DIGESTS[variant], f"{variant}: results changed"


def test_the_digest_sees_a_one_ulp_change():
    """The check can fail: nudging one knowledge value by one ulp each month changes the digest."""
    from simulation import rules

    def nudged(model):
        rules.learning(model)
        model.members.knowledge[0] = np.nextafter(model.members.knowledge[0], 0.0)

    assert run_digest("baseline", rules={"learning": nudged}) != DIGESTS["baseline"]


if __name__ == "__main__":
    for name in VARIANTS:
        print(f'    "{name}": "{run_digest(name)}",')

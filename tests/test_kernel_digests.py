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
    "baseline": "e790c2678e42e0adac8f285ba25108d54bade1414ebe28ad981782380ed9f420",
    "champion-leaves": "81ab0ac7048bcc9ffd967932e217069ff1038ef5e614f15b36df07711ea7e65d",
    "networked-schools": "da90ec1289dba621993e6d9cf7bc22ce68fc9c7bec81702b8bfe4fdbe8fb3ec2",
    "high-turnover-secondary": "5d7bb0d0277b7dfb54eafdc40d9e4283e18ab83733d3e90657bf12a2d09265ff",
    "protocols-with-staff": "62aaaeb6940a5de02a949f6664d158438d2930af227d0f656ec00baa2883bc19",
    "parallel-schools": "e790c2678e42e0adac8f285ba25108d54bade1414ebe28ad981782380ed9f420",
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

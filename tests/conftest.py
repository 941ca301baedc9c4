"""Suite set-up: the report-strength validation starts on the idle core once the tests are collected
(``tests/background_validation.py``)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from background_validation import BACKGROUND, Background


def pytest_collection_finish(session: pytest.Session) -> None:
    if any("full_results" in getattr(item, "fixturenames", ()) for item in session.items):
        session.config.stash[BACKGROUND] = Background(Path(tempfile.mkdtemp(prefix="plc-sim-validation-")))


def pytest_sessionfinish(session: pytest.Session) -> None:
    background = session.config.stash.get(BACKGROUND, None)
    if background is not None:
        background.stop()
        shutil.rmtree(background.folder, ignore_errors=True)

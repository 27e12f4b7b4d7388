"""The engine's tests also run without Django (``-p no:django``, see docs/matching.md); the few modules that test
the Django side of the app (reports) are then left out instead of failing to import."""

from __future__ import annotations

from pathlib import Path

import pytest

DJANGO_SIDE = frozenset({"test_reports.py"})


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if collection_path.name in DJANGO_SIDE and not config.pluginmanager.hasplugin("django"):
        return True
    return None

"""Running ``peerway match`` as a user would, for the command's tests. Free of Django, so that the engine's tests that
use it also run without Django (``-p no:django``, see docs/matching.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# What a bare shell lacks: production mode by default and none of the secrets it requires, no database.
SECRET_PREFIXES = ("PEERWAY_", "DATABASE_URL", "DJANGO_", "SECRET_KEY", "FIELD_ENCRYPTION", "BLIND_INDEX")


def run_match(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """``peerway match ARGUMENTS`` in ``tmp_path``, in a bare shell (no settings, secrets or database)."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith(SECRET_PREFIXES)}
    return subprocess.run(
        [sys.executable, "-m", "peerway.cli", "match", *arguments],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

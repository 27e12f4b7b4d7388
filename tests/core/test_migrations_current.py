"""The migrations describe the models: a model changed without its migration fails here, not on someone's
database. (The SQLite suite's test database is copied from a really migrated one, see tests/conftest.py, so this
is what keeps its schema and the models' the same.)"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_is_missing_its_migration() -> None:
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exited:
        pytest.fail(
            f"makemigrations --check exited {exited.code}: a model changed without its migration.\n{out.getvalue()}"
        )

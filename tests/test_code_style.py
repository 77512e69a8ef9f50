"""The code stays ruff-clean (format and lint), as STYLE.md asks."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers import BASE_DIR


@pytest.mark.parametrize("command", [["format", "--check"], ["check"]], ids=["format", "lint"])
def test_ruff_is_clean(command):
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "--no-cache", "."],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stdout + result.stderr

"""tests/data/ must be exactly what scripts/samples/make_test_samples.py produces."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_samples_are_up_to_date():
    script = ROOT / "scripts" / "samples" / "make_test_samples.py"

    result = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stdout + result.stderr

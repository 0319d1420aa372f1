"""examples/bcg_viechtbauer2010.py runs and reproduces Viechtbauer (2010)'s published values."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "bcg_viechtbauer2010.py"


def test_bcg_example_reproduces_the_published_analysis():
    out = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True,
                         check=True).stdout
    assert out.startswith("Random-Effects Model (k = 13; tau^2 estimator: REML)")
    assert "REML: estimate -0.7145, tau² 0.3132 = Viechtbauer (2010) -0.7145, 0.3132" in out
    assert "DL: estimate -0.7141, tau² 0.3088 = Viechtbauer (2010) -0.7141, 0.3088" in out
    assert "Back-transformed (RR):" in out and "Mixed-Effects Model" in out

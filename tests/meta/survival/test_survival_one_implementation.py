"""One Kaplan–Meier and one Cox fit, at the bottom of ``reports -> meta -> extraction``.

The reconstruction checks (extraction.km), the audit (extraction.audit), the statistics library
(meta.survival, meta.ipd_comparison) and the figures all use extraction.survival; extraction
never imports meta.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import extraction.survival as low
import meta.survival as lib
from extraction.audit.reconstruction import cox_hr_binary
from extraction.km import km_step
from meta.ipd_comparison import ArmIPD, one_stage_cox


def test_extraction_imports_no_meta():
    code = ("import sys, extraction.survival, extraction.km, extraction.audit.reconstruction; "
            "bad = sorted(m for m in sys.modules if m == 'meta' or m.startswith('meta.') "
            "or m.startswith('reports')); print(bad); sys.exit(1 if bad else 0)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_no_extraction_module_imports_meta_or_reports_even_lazily():
    # dependencies point reports -> meta -> extraction; survival estimators for extraction code
    # are in extraction.survival
    root = Path(__file__).resolve().parents[3] / "extraction"
    pattern = re.compile(r"^\s*(from|import)\s+(meta|reports)(\.|\s|$).*$", re.M)
    bad = [f"{p.relative_to(root.parent)}: {m.group(0).strip()}"
           for p in sorted(root.rglob("*.py")) for m in pattern.finditer(p.read_text())]
    assert bad == [], "use extraction.survival instead of meta.survival: " + "; ".join(bad)


def test_meta_survival_reexports_the_one_implementation():
    for name in ("kaplan_meier", "cox_hr", "log_rank", "median_survival", "landmark_survival",
                 "rmst"):
        assert getattr(lib, name) is getattr(low, name)


@pytest.fixture
def two_arms():
    rng = np.random.default_rng(7)
    t = np.round(rng.exponential(10, 300), 1)  # ties on purpose
    e = (rng.uniform(size=300) < 0.8).astype(int)
    g = np.repeat([1.0, 0.0], 150)
    return t, e, g


def test_km_step_is_the_drops_of_kaplan_meier(two_arms):
    t, e, _ = two_arms
    step, fit = km_step(t, e), low.kaplan_meier(t, e)
    drops = fit.n_event > 0
    np.testing.assert_array_equal(step.time[1:], fit.time[drops])
    np.testing.assert_array_equal(step.surv[1:], fit.surv[drops])


def test_audit_and_one_stage_cox_are_the_breslow_cox(two_arms):
    t, e, g = two_arms
    ref = low.cox_hr(t, e, g, ties="breslow")
    assert cox_hr_binary(t, e, g) == ref.hr
    one = one_stage_cox([ArmIPD("a", t[g == 1], e[g == 1], "sim")],
                        [ArmIPD("b", t[g == 0], e[g == 0], "sim")])
    assert (one.hr, one.ci_lb, one.ci_ub, one.se_log_hr) == (ref.hr, ref.lower, ref.upper,
                                                              ref.se)


def test_robust_variance_needs_breslow(two_arms):
    t, e, g = two_arms
    with pytest.raises(ValueError, match="cluster: the robust variance"):
        low.cox_hr(t, e, g, cluster=np.arange(t.size) % 4)

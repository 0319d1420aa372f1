"""The bundled report gives each calibrated p-value with its Monte Carlo SE and names the
comparisons whose p-value is within 2.58 of them of alpha (statistics review, finding 1)."""

from __future__ import annotations

import json
import math

import pytest

from reports.analysis.verdict import ReasonCode, Verdict


def test_bundled_report_flags_pvalues_within_monte_carlo_error_of_alpha(bundled_report):
    result, _, html = bundled_report
    data = json.loads((result.out / "results.json").read_text())
    alpha = data["alpha"]
    flagged = set()
    for c in data["comparisons"]:
        d = c["decision_test"]
        if d is None:
            continue
        for s in d["scenarios"]:
            se = math.sqrt(s["pval"] * (1 - s["pval"]) / d["draws"])
            assert s["pval_mcse"] == pytest.approx(se, rel=1e-12)
            assert s["mc_settled"] is (abs(s["pval"] - alpha) > 2.5758 * se)
        if d["mc_unsettled"]:
            flagged.add((c["outcome"], c["group"]))
            assert "monte_carlo_error" in [r["code"] for r in c["reasons"]]
    # the bundled library's p-values near 0.05 at 1000 draws (0.052-0.059 and 0.069)
    assert flagged == {("pfs_median", "ici_1l_phase3"), ("ae_g3", "tki"), ("ae_g3", "sorafenib")}
    for a in result.analyses:
        if any(r.code is ReasonCode.MONTE_CARLO_ERROR for r in a.reasons):
            assert not a.verdict.decisive and a.verdict in (Verdict.NOT_DIFFERENT,
                                                            Verdict.INCONCLUSIVE)
    assert "p = 0.054, within Monte Carlo error of alpha" in html
    assert "Monte Carlo SE of p ≤ 0.007" in html
    assert "do not settle whether there is a difference" in html


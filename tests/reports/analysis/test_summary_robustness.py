"""The summary states whether the deciding (predictive) test's verdict survives Knapp–Hartung
and every tau² estimator, recomputed here from the per-estimator benchmarks (bundled library)."""

from __future__ import annotations

from pathlib import Path

from meta.comparison import predictive
from reports.context import robustness_text, summary_line

ROOT = Path(__file__).resolve().parents[3]


def test_summary_says_fragile_exactly_when_an_estimator_or_knha_flips_the_verdict(bundled_report):
    seen = {"fragile": 0, "holds": 0}
    for a in bundled_report[0].analyses:  # every outcome x group of the default plan
        c = a.comparison
        kh = a.comparison_knha
        moved = kh is not None and c is not None and kh.position not in ("n/a", c.position)
        if c is None or c.predictive is None:
            text = robustness_text(a)
            assert (text == f"; Knapp–Hartung places the index {kh.position} its prediction "
                    "interval") if moved else text == ""
            continue
        assert ("Knapp–Hartung places the index" in robustness_text(a)) == moved
        d = a.decision_test
        if d is None or d.unanimous is None:  # no calibrated verdict: nothing to be robust
            continue
        verdict = d.unanimous != "within"  # the calibrated verdict, checked by the z tests
        pvals = [predictive(c.index_yi, c.index_vi, b, c.level).pval for b, _ in c.by_estimator]
        if kh is not None and kh.predictive is not None:
            pvals.append(kh.predictive.pval)
        flips = [p for p in pvals if (p < 0.05) != verdict]
        line = summary_line(a)
        assert line is not None
        assert (a.robustness.robust is False) == bool(flips)
        if flips:
            assert "fragile:" in line and line.count(" p ") + line.count("p <") >= 1
            seen["fragile"] += 1
        else:
            assert "the verdict holds with" in line
            assert ("Knapp–Hartung and all" in line) == (kh is not None)
            seen["holds"] += 1
    assert seen["fragile"] >= 1 and seen["holds"] >= 1  # the bundled library has both kinds

"""Time the report's analysis layer with the calibrated decision test (prints, never asserts).

Usage: ``.venv/bin/python benchmarks/bench_verdict_layer.py``. Prints the cold and warm time of
:func:`reports.analysis.analyse` on the bundled library (warm: the decision test's simulated
fits are cached per set of historical arms), the time of one ``decision_test`` with and without
the cache, and the era slope of the sorafenib/lenvatinib arms' median OS with the
publication-year proxy (issue 16's comparison with the published +4.5 months over 2005–2019).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from meta import decision
from reports.analysis import analyse
from reports.build import _load


def main() -> None:
    plan, _, records, _ = _load(Path("studies"), None)
    t = time.perf_counter()
    result = analyse(records, plan, survival=False)
    cold = time.perf_counter() - t
    t = time.perf_counter()
    analyse(records, plan, survival=False)
    warm = time.perf_counter() - t
    tested = [a for a in result.comparisons if a.decision_test is not None]
    print(f"analyse (no survival), draws={plan.decision_draws}: cold {cold:.2f} s, warm "
          f"{warm:.2f} s; {len(tested)} calibrated comparisons, "
          f"{sum(len(a.decision_test.tests) for a in tested)} scenario tests")
    rng = np.random.default_rng(1)
    yi, vi = rng.normal(0, 0.3, 15), rng.uniform(0.01, 0.05, 15)
    for draws in (1000, 4000):
        decision._CACHE.clear()
        t = time.perf_counter()
        decision.decision_test(yi, vi, 0.5, 0.02, draws=draws, check_size=False)
        first = time.perf_counter() - t
        t = time.perf_counter()
        decision.decision_test(yi, vi, 0.6, 0.03, draws=draws, check_size=False)
        again = time.perf_counter() - t
        print(f"decision_test k=15 draws={draws}: {first:.3f} s, cached arms {again:.4f} s")
    proxy = plan.model_copy(update={"era_missing": "publication_year"})
    res = analyse(records, proxy, survival=False)
    for a in res.comparisons:
        e = a.era_adjusted
        if a.outcome.id == "os_median" and a.group.id == "tki" and e is not None:
            r = e.result
            if not r.done:
                print("sorafenib/lenvatinib OS era regression:", r.reason)
                continue
            s = r.slopes[0]
            lo, hi = r.covariate_range[0]
            span = np.exp(s.estimate * (hi - lo))
            print(f"TKI arms, median OS on enrolment mid-point (publication year − "
                  f"{plan.era_lag_years:g} as proxy where missing; k = {r.k}): slope "
                  f"{s.estimate:+.4f} log-months/year [{s.ci_lb:+.4f}, {s.ci_ub:+.4f}], "
                  f"p = {s.pval:.3f}; ratio of medians over {lo:.1f}–{hi:.1f}: {span:.2f}; "
                  f"proxies: {len(e.proxies)} of {r.k}")


if __name__ == "__main__":
    main()

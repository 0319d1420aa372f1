"""Reproduce the BCG vaccine analysis of Viechtbauer (2010) with hccmeta's ``meta`` library.

Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. J Stat Softw
36(3):1-48, section 4: the log relative risks of 13 BCG trials (metadat ``dat.bcg``, Colditz et
al. 1994, JAMA 271:698), pooled with REML (estimate -0.7145, tau² 0.3132) and DerSimonian-Laird
(estimate -0.7141, tau² 0.3088). The published values are checked at the end (to the 4 decimals
printed in the paper). Run: ``.venv/bin/python examples/bcg_viechtbauer2010.py``
"""

from __future__ import annotations

import numpy as np

from meta import confint, leave1out, rma, trimfill

# dat.bcg 2x2 tables (vaccinated TB+ / TB-, control TB+ / TB-) and absolute latitude (ablat),
# printed from R metadat 1.2.0 (as tests/meta/test_model_published.py)
TPOS = np.array([4, 6, 3, 62, 33, 180, 8, 505, 29, 17, 186, 5, 27], dtype=float)
TNEG = np.array([119, 300, 228, 13536, 5036, 1361, 2537, 87886, 7470, 1699, 50448, 2493, 16886.0])
CPOS = np.array([11, 29, 11, 248, 47, 372, 10, 499, 45, 65, 141, 3, 29], dtype=float)
CNEG = np.array([128, 274, 209, 12619, 5761, 1079, 619, 87892, 7232, 1600, 27197, 2338, 17825.0])
ABLAT = np.array([44, 55, 42, 52, 13, 44, 19, 13, 27, 42, 18, 33, 33], dtype=float)

PUBLISHED = {"REML": (-0.7145, 0.3132), "DL": (-0.7141, 0.3088)}


def log_rr() -> tuple[np.ndarray, np.ndarray]:
    """metafor's ``escalc(measure = "RR")``: log RR and ``1/a - 1/n1 + 1/c - 1/n2``."""
    n1, n2 = TPOS + TNEG, CPOS + CNEG
    return np.log((TPOS / n1) / (CPOS / n2)), 1 / TPOS - 1 / n1 + 1 / CPOS - 1 / n2


def main() -> None:
    """Print the analysis and check the published values."""
    yi, vi = log_rr()
    res = rma(yi, vi, method="REML", measure="RR")  # the fit knows its scale: RR
    print(res, end="\n\n")
    print("Q-profile CI of tau²:", confint(res), end="\n\n")
    print(rma(yi, vi, method="DL", measure="RR"), end="\n\n")
    print(rma(yi, vi, mods=ABLAT, mod_names=["ablat"]), end="\n\n")
    print("Leave-one-out (REML):")
    print(leave1out(yi, vi).round(4).to_string(), end="\n\n")
    print("Trim-and-fill: k0 =", trimfill(yi, vi).k0)
    for method, (estimate, tau2) in PUBLISHED.items():
        fit = rma(yi, vi, method=method)
        assert abs(fit.estimate - estimate) < 5e-5 and abs(fit.tau2 - tau2) < 5e-5, method
        print(f"{method}: estimate {fit.estimate:.4f}, tau² {fit.tau2:.4f} "
              f"= Viechtbauer (2010) {estimate}, {tau2}")


if __name__ == "__main__":
    main()

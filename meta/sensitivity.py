"""Sensitivity analyses: leave-one-out, influence diagnostics, cumulative meta-analysis, and the
result under every tau² estimator side by side. Each returns a tidy frame, one row per study
(or step, or estimator), with metafor's column names (``ci.lb`` -> ``ci_lb``, ``Qp`` ->
``Q_pval``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from meta.inputs import labels as _labels
from meta.model import check_yi_vi, rma
from meta.results import RmaResult
from meta.tau2 import METHODS

_FIT_COLUMNS = ("k", "estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "Q", "Q_pval", "tau2",
                "I2", "H2")


def _row(fit: RmaResult) -> dict[str, float]:
    return {c: float(getattr(fit, c)) for c in _FIT_COLUMNS}


def leave1out(yi: Any, vi: Any, *, study: Sequence[str] | None = None, method: str = "REML",
              test: str = "z", level: float = 95.0) -> pd.DataFrame:
    """Leave-one-out analysis (metafor ``leave1out``): the model refitted k times, each time
    without one study (named in ``study``); tau² is re-estimated in each fit.

    With k = 2 each fit has one study (a common-effect result, see :func:`meta.model.rma`).
    Returns columns ``study`` (the study left out), ``k, estimate, se, zval, pval, ci_lb, ci_ub,
    Q, Q_pval, tau2, I2, H2``.
    """
    y, v = check_yi_vi(yi, vi)
    k = y.size
    if k < 2:
        raise ValueError(f"yi: leave-one-out needs at least 2 studies, got k={k}")
    labels = _labels(study, k)
    rows = []
    for i in range(k):
        keep = np.arange(k) != i
        fit = rma(y[keep], v[keep], method=method, test=test, level=level)
        rows.append({"study": labels[i], **_row(fit)})
    return pd.DataFrame(rows)


def influence(yi: Any, vi: Any, *, study: Sequence[str] | None = None, method: str = "REML",
              level: float = 95.0) -> pd.DataFrame:
    """Case-deletion diagnostics of the random-effects model (Viechtbauer & Cheung 2010,
    Res Synth Methods 1:112, section 3; metafor ``influence``), Wald (``test="z"``) version.

    With ``μ̂_(-i)``, ``τ̂²_(-i)`` and ``var(μ̂_(-i))`` from the fit without study i, the full-model
    weights ``w_i = 1/(v_i + τ̂²)`` and hat values ``h_i = w_i / Σw`` (intercept-only model):

    * ``rstudent``: ``(y_i - μ̂_(-i)) / sqrt(v_i + τ̂²_(-i) + var(μ̂_(-i)))`` (eq. 7),
    * ``dffits``: ``(μ̂ - μ̂_(-i)) / sqrt(h_i (τ̂²_(-i) + v_i))`` (eq. 9),
    * ``cook_d``: ``(μ̂ - μ̂_(-i))² / var(μ̂)`` (eq. 10),
    * ``cov_r``: ``var(μ̂_(-i)) / var(μ̂)`` (eq. 11),
    * ``tau2_del``, ``QE_del``: tau² and Cochran's Q without study i,
    * ``hat`` and ``weight`` (percent) of the full model.

    Needs k >= 3 (a deleted fit must keep 2 studies). metafor's ``inf`` flag and DFBETAS are
    not computed here.
    """
    y, v = check_yi_vi(yi, vi)
    k = y.size
    if k < 3:
        raise ValueError(f"yi: influence diagnostics need at least 3 studies, got k={k}")
    labels = _labels(study, k)
    full = rma(y, v, method=method, level=level)
    w = 1.0 / (v + full.tau2)
    hat = w / w.sum()
    var_full = float(full.vcov[0, 0])
    rows = []
    for i in range(k):
        keep = np.arange(k) != i
        fit = rma(y[keep], v[keep], method=method, level=level)
        var_del = float(fit.vcov[0, 0])
        diff = full.estimate - fit.estimate
        rows.append({
            "study": labels[i],
            "rstudent": (y[i] - fit.estimate) / np.sqrt(v[i] + fit.tau2 + var_del),
            "dffits": diff / np.sqrt(hat[i] * (fit.tau2 + v[i])),
            "cook_d": diff ** 2 / var_full,
            "cov_r": var_del / var_full,
            "tau2_del": fit.tau2,
            "QE_del": fit.Q,
            "hat": hat[i],
            "weight": 100 * hat[i],
        })
    return pd.DataFrame(rows)


def cumulative(yi: Any, vi: Any, *, order: Sequence[Any] | None = None,
               study: Sequence[str] | None = None, method: str = "REML", test: str = "z",
               level: float = 95.0) -> pd.DataFrame:
    """Cumulative meta-analysis (metafor ``cumul``; Lau et al. 1992, NEJM 327:248).

    Studies are sorted by ``order`` (e.g. publication year; stable, so ties keep their input
    order; input order when None) and the model is refitted to the first 1, 2, ..., k studies.
    Returns ``study`` (the study added at that step), ``order`` and the fit columns. A step that
    cannot be fitted (``test="knha"`` with one study) has NaN results and the reason in ``note``.
    """
    y, v = check_yi_vi(yi, vi)
    k = y.size
    labels = _labels(study, k)
    key = list(range(k)) if order is None else list(order)
    if len(key) != k:
        raise ValueError(f"order: expected {k} values, got {len(key)}")
    idx = sorted(range(k), key=lambda i: key[i])
    rows = []
    for j in range(1, k + 1):
        sel = np.array(idx[:j])
        base = {"study": labels[idx[j - 1]], "order": key[idx[j - 1]]}
        try:
            fit = rma(y[sel], v[sel], method=method, test=test, level=level)
        except ValueError as exc:
            rows.append({**base, **dict.fromkeys(_FIT_COLUMNS, np.nan), "k": j,
                         "note": str(exc)})
            continue
        rows.append({**base, **_row(fit), "note": ""})
    return pd.DataFrame(rows)


def by_estimator(yi: Any, vi: Any, *, methods: Sequence[str] = METHODS, test: str = "z",
                 level: float = 95.0) -> pd.DataFrame:
    """The pooled result under each tau² estimator, one row per ``method`` (FE, DL, REML, ML, PM,
    HS, SJ, EB, HE by default), with the fit columns plus ``tau``."""
    y, v = check_yi_vi(yi, vi)
    rows = []
    for m in methods:
        fit = rma(y, v, method=m, test=test, level=level)
        rows.append({"method": m, **_row(fit), "tau": float(np.sqrt(fit.tau2))})
    return pd.DataFrame(rows)

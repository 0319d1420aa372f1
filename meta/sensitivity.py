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

from meta.errors import MetaInputError, NotComputedWarning, Note
from meta.fastfit import cumulative_subsets, fit_rows, leave_one_out_subsets
from meta.inputs import labels as _labels
from meta.model import check_options, check_yi_vi, rma
from meta.tau2 import METHODS

_FIT_COLUMNS = ("k", "estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "Q", "Q_pval", "tau2",
                "I2", "H2")


def _raise_first(errors: dict[int, ValueError]) -> None:
    """Raise the error of the first failed refit (the one a loop over rma() would meet)."""
    if errors:
        raise errors[min(errors)]


def leave1out(yi: Any, vi: Any, *, study: Sequence[str] | None = None, method: str = "REML",
              test: str = "z", level: float = 95.0) -> pd.DataFrame:
    """Leave-one-out analysis (metafor ``leave1out``): the model refitted k times, each time
    without one study (named in ``study``); tau² is re-estimated in each fit.

    With k = 2 each fit has one study (a common-effect result, see :func:`meta.model.rma`).
    Returns columns ``study`` (the study left out), ``k, estimate, se, zval, pval, ci_lb, ci_ub,
    Q, Q_pval, tau2, I2, H2``. The k fits are computed together by :func:`meta.fastfit.fit_rows`
    (the same results as k calls of ``rma``).
    """
    y, v = check_yi_vi(yi, vi)
    k = y.size
    if k < 2:
        raise MetaInputError(f"yi: leave-one-out needs at least 2 studies, got k={k}")
    labels = _labels(study, k)
    lev = check_options(method, test, level)
    if test == "knha" and k == 2:
        rma(y[1:], v[1:], method=method, test=test, level=level)  # raises rma's message
    cols, errors = fit_rows(leave_one_out_subsets(y, v), method, test, lev)
    _raise_first(errors)
    return pd.DataFrame({"study": list(labels), **{c: cols[c] for c in _FIT_COLUMNS}})


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
    not computed here. The k deleted fits are computed together (:func:`meta.fastfit.fit_rows`).
    """
    y, v = check_yi_vi(yi, vi)
    k = y.size
    if k < 3:
        raise MetaInputError(f"yi: influence diagnostics need at least 3 studies, got k={k}")
    labels = _labels(study, k)
    full = rma(y, v, method=method, level=level)
    w = 1.0 / (v + full.tau2)
    hat = w / w.sum()
    var_full = float(full.vcov[0, 0])
    cols, errors = fit_rows(leave_one_out_subsets(y, v), method, "z", full.level)
    _raise_first(errors)
    est, tau2, var_del = cols["estimate"], cols["tau2"], cols["var_wald"]
    diff = full.estimate - est
    return pd.DataFrame({
        "study": list(labels),
        "rstudent": (y - est) / np.sqrt(v + tau2 + var_del),
        "dffits": diff / np.sqrt(hat * (tau2 + v)),
        "cook_d": diff ** 2 / var_full,
        "cov_r": var_del / var_full,
        "tau2_del": tau2,
        "QE_del": cols["Q"],
        "hat": hat,
        "weight": 100 * hat,
    })


def cumulative(yi: Any, vi: Any, *, order: Sequence[Any] | None = None,
               study: Sequence[str] | None = None, method: str = "REML", test: str = "z",
               level: float = 95.0) -> pd.DataFrame:
    """Cumulative meta-analysis (metafor ``cumul``; Lau et al. 1992, NEJM 327:248).

    Studies are sorted by ``order`` (e.g. publication year; stable, so ties keep their input
    order; input order when None) and the model is refitted to the first 1, 2, ..., k studies.
    Returns ``study`` (the study added at that step), ``order`` and the fit columns. A step that
    cannot be fitted (``test="knha"`` with one study) has NaN results and the reason in ``note``.
    The k fits are computed together (:func:`meta.fastfit.fit_rows`).
    """
    y, v = check_yi_vi(yi, vi)
    k = y.size
    labels = _labels(study, k)
    key = list(range(k)) if order is None else list(order)
    if len(key) != k:
        raise MetaInputError(f"order: expected {k} values, got {len(key)}")
    idx = sorted(range(k), key=lambda i: key[i])
    notes = [""] * k
    try:
        lev = check_options(method, test, level)
    except ValueError as exc:  # every step fails the same way
        notes = [Note(str(exc), NotComputedWarning)] * k
    if test == "knha" and not notes[0]:
        try:
            rma(y[idx[:1]], v[idx[:1]], method=method, test=test, level=level)
        except ValueError as exc:
            notes[0] = Note(str(exc), NotComputedWarning)
    cols: dict[str, np.ndarray] = {c: np.full(k, np.nan) for c in _FIT_COLUMNS}
    ok = np.array([not n for n in notes])
    if ok.any():
        subsets = cumulative_subsets(y[idx], v[idx])
        rows = np.flatnonzero(ok)
        fitted, errors = fit_rows(subsets.take(rows), method, test, lev)
        for c in _FIT_COLUMNS:
            cols[c][rows] = fitted[c]
        for j, err in errors.items():
            notes[int(rows[j])] = Note(str(err), NotComputedWarning)
    failed = np.array([bool(n) for n in notes])
    steps = np.arange(1, k + 1)
    for c in _FIT_COLUMNS:
        cols[c][failed] = np.nan
    cols["k"] = steps if failed.all() else np.where(failed, steps, cols["k"])
    return pd.DataFrame({"study": [labels[i] for i in idx], "order": [key[i] for i in idx],
                         **cols, "note": notes})


def by_estimator(yi: Any, vi: Any, *, methods: Sequence[str] = METHODS, test: str = "z",
                 level: float = 95.0) -> pd.DataFrame:
    """The pooled result under each tau² estimator, one row per ``method`` (FE, DL, REML, ML, PM,
    HS, SJ, EB, HE by default), with the fit columns plus ``tau``.

    One full ``rma`` fit per method: for a single fit that is faster than the batched path."""
    y, v = check_yi_vi(yi, vi)
    rows = []
    for m in methods:
        fit = rma(y, v, method=m, test=test, level=level)
        rows.append({"method": m, **{c: float(getattr(fit, c)) for c in _FIT_COLUMNS},
                     "tau": float(np.sqrt(fit.tau2))})
    return pd.DataFrame(rows)

"""Meta-regression on continuous moderators (metafor ``rma(yi, vi, mods = ~ x)``).

A thin layer over :func:`meta.model.rma` that keeps moderator names, gives a coefficient table
and predicts the effect at new moderator values (metafor ``predict(fit, newmods = ...)``):
``pred = x'beta``, ``se = sqrt(x' V x)``, CI with the fit's quantile (z, or t(k - p) for
knha) and PI ``pred ± crit sqrt(se² + tau²)`` (Viechtbauer 2010 J Stat Softw section 3.3;
Thompson & Higgins 2002 Stat Med 21:1559 for the method; Knapp & Hartung 2003 Stat Med 22:2693
for the t test). R² is metafor's pseudo-R² (Raudenbush 2009, eq. 16.26).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from meta.errors import MetaInputError
from meta.model import rma
from meta.results import RmaResult


@dataclass(frozen=True)
class Prediction:
    """Predicted effects at new moderator values (effect-size units)."""

    pred: np.ndarray
    se: np.ndarray
    ci_lb: np.ndarray
    ci_ub: np.ndarray
    pi_lb: np.ndarray
    pi_ub: np.ndarray


@dataclass(frozen=True, eq=False)
class MetaRegression:
    """A meta-regression fit with named moderators.

    Attributes
    ----------
    fit : RmaResult
        The underlying mixed-effects model.
    names : tuple of str
        ``("intrcpt", *moderator names)``, metafor's coefficient names.
    """

    fit: RmaResult
    names: tuple[str, ...]

    @property
    def R2(self) -> float | None:  # noqa: N802 (metafor name)
        """Pseudo-R² (%), see :attr:`meta.results.RmaResult.R2`."""
        return self.fit.R2

    def table(self) -> list[dict[str, Any]]:
        """One row per coefficient: name, estimate, se, zval, pval, ci_lb, ci_ub."""
        f = self.fit
        return [
            {
                "name": name,
                "estimate": float(f.beta[i]),
                "se": float(f.se_beta[i]),
                "zval": float(f.zval_beta[i]),
                "pval": float(f.pval_beta[i]),
                "ci_lb": float(f.ci_lb_beta[i]),
                "ci_ub": float(f.ci_ub_beta[i]),
            }
            for i, name in enumerate(self.names)
        ]

    def predict(self, newmods: Any) -> Prediction:
        """Predicted effect at moderator values ``newmods`` (n x m, or length n for m = 1)."""
        f = self.fit
        m = np.asarray(newmods, dtype=float)
        if m.ndim == 1:
            m = m[:, None] if f.p == 2 else m[None, :]
        if m.ndim != 2 or m.shape[1] != f.p - 1 or not np.all(np.isfinite(m)):
            raise MetaInputError(
                f"newmods: expected finite values for {f.p - 1} moderator(s) per row, "
                f"got shape {np.asarray(newmods).shape}"
            )
        X = np.column_stack([np.ones(m.shape[0]), m])
        pred = X @ f.beta
        se = np.sqrt(np.einsum("ij,jk,ik->i", X, f.vcov, X))
        crit = f.crit
        half_pi = crit * np.sqrt(se * se + f.tau2)
        return Prediction(pred, se, pred - crit * se, pred + crit * se, pred - half_pi,
                          pred + half_pi)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready ``moderator`` block with names."""
        f = self.fit
        return {
            "names": list(self.names),
            "coefficients": self.table(),
            "QM": f.QM,
            "QM_df": list(f.QM_df),
            "QM_pval": f.QM_pval,
            "R2": f.R2,
            "tau2": f.tau2,
            "QE": f.Q,
            "QE_df": f.Q_df,
            "QE_pval": f.Q_pval,
        }


def meta_regression(
    yi: Any,
    vi: Any,
    mods: Any,
    names: Sequence[str] | None = None,
    *,
    method: str = "REML",
    test: str = "z",
    level: float = 95.0,
    knha_adhoc: bool = False,
    control: dict[str, Any] | None = None,
) -> MetaRegression:
    """Fit a meta-regression of ``yi`` on moderators ``mods`` (intercept added).

    Parameters
    ----------
    yi, vi : array-like, shape (k,)
        Effects and sampling variances (> 0).
    mods : array-like, shape (k,) or (k, m)
        Continuous moderators (any units; coefficients are per unit of the moderator).
    names : sequence of str, optional
        Moderator names (default ``x1, x2, ...``).
    method, test, level, knha_adhoc, control
        As for :func:`meta.model.rma`.
    """
    m = np.asarray(mods, dtype=float)
    n_mods = 1 if m.ndim == 1 else m.shape[1]
    if names is None:
        names = [f"x{i + 1}" for i in range(n_mods)]
    if len(names) != n_mods:
        raise MetaInputError(f"names: expected {n_mods} moderator name(s), got {len(names)}")
    fit = rma(yi, vi, mods=m, method=method, test=test, level=level, knha_adhoc=knha_adhoc,
              control=control)
    return MetaRegression(fit, ("intrcpt", *names))

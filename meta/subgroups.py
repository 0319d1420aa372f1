"""Subgroup analysis: common-tau² mixed-effects model and separate-tau² subgroup fits.

Two analyses, both reported:

* **Common tau²** (metafor ``rma(yi, vi, mods = ~ factor(g))``): one mixed-effects model with
  group dummies; the omnibus QM test of the dummies tests subgroup differences
  (Borenstein et al. 2009, Introduction to Meta-Analysis, ch. 19, "pooled tau²"; Viechtbauer
  2010 J Stat Softw section 3.3). Per-group estimates are the cell means of that model
  (``mods = ~ factor(g) - 1``).
* **Separate tau²** (R meta ``subgroup`` with ``tau.common = FALSE``; RevMan): each subgroup gets
  its own random-effects fit; the test for subgroup differences is Cochran's Q of the subgroup
  estimates with weights ``1/SE_g²``, on G - 1 df (Borenstein et al. 2009 ch. 19, eq. 19.14;
  Deeks, Higgins & Altman, Cochrane Handbook 10.11.3.1). The SE of each subgroup is the one of
  its own fit under the chosen ``test``. A subgroup with one study has tau² = 0 and the Wald SE
  ``sqrt(vi)`` (see :func:`meta.model.rma`), also with ``test="knha"``, as R meta does.

Group labels are sorted (``sorted(set(groups))``), like R's factor levels in the C locale; the
first is the reference level of the dummy coding (the QM test does not depend on that choice).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import chdtrc

from meta.errors import MetaInputError
from meta.model import check_yi_vi, rma
from meta.results import RmaResult


@dataclass(frozen=True)
class GroupEstimate:
    """A subgroup's pooled effect (effect-size units)."""

    group: str
    k: int
    estimate: float
    se: float
    ci_lb: float
    ci_ub: float


@dataclass(frozen=True, eq=False)
class SubgroupResult:
    """Both subgroup analyses of one data set.

    Attributes
    ----------
    levels : tuple of str
        Sorted group labels.
    mixed : RmaResult
        Common-tau² mixed-effects model (intercept = first level, dummies for the others).
    common : tuple of GroupEstimate
        Per-group estimates under the common tau².
    separate : dict of str -> RmaResult
        Independent random-effects fit per group (own tau²).
    Q_between, Q_between_df, Q_between_pval : float, int, float
        Test for subgroup differences with separate tau² (chi-square, G - 1 df).
    """

    levels: tuple[str, ...]
    mixed: RmaResult
    common: tuple[GroupEstimate, ...]
    separate: dict[str, RmaResult]
    Q_between: float
    Q_between_df: int
    Q_between_pval: float

    @property
    def tau2_common(self) -> float:
        """The common (residual) tau² of the mixed model."""
        return self.mixed.tau2

    @property
    def QM(self) -> float:  # noqa: N802 (metafor name)
        """Omnibus test of subgroup differences under the common tau² (F for knha)."""
        return self.mixed.QM

    @property
    def QM_pval(self) -> float:  # noqa: N802 (metafor name)
        """p-value of ``QM``."""
        return self.mixed.QM_pval

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (metafor / R meta names)."""
        return {
            "levels": list(self.levels),
            "common_tau2": {
                "tau2": self.mixed.tau2,
                "QM": self.mixed.QM,
                "QM_df": list(self.mixed.QM_df),
                "QM_pval": self.mixed.QM_pval,
                "QE": self.mixed.Q,
                "QE_pval": self.mixed.Q_pval,
                "groups": [g.__dict__ for g in self.common],
            },
            "separate_tau2": {
                "groups": [
                    {"group": lv, **_group_summary(fit)} for lv, fit in self.separate.items()
                ],
                "Q_between": self.Q_between,
                "Q_between_df": self.Q_between_df,
                "Q_between_pval": self.Q_between_pval,
            },
        }


def _group_summary(fit: RmaResult) -> dict[str, Any]:
    return {
        "k": fit.k,
        "estimate": fit.estimate,
        "se": fit.se,
        "ci_lb": fit.ci_lb,
        "ci_ub": fit.ci_ub,
        "tau2": fit.tau2,
        "I2": fit.I2,
        "Q": fit.Q,
    }


def subgroup_analysis(
    yi: Any,
    vi: Any,
    groups: Sequence[Any],
    *,
    method: str = "REML",
    test: str = "z",
    level: float = 95.0,
    knha_adhoc: bool = False,
    control: dict[str, Any] | None = None,
) -> SubgroupResult:
    """Subgroup analysis with a common and with separate tau².

    Parameters
    ----------
    yi, vi : array-like, shape (k,)
        Effects and sampling variances (> 0).
    groups : sequence, length k
        Subgroup label of each study (converted with ``str``); at least 2 distinct labels.
    method, test, level, knha_adhoc, control
        As for :func:`meta.model.rma`.

    Raises
    ------
    ValueError
        ``groups`` of the wrong length, missing labels or fewer than 2 groups; and everything
        :func:`meta.model.rma` rejects.
    """
    y, v = check_yi_vi(yi, vi)
    labels: list[str | None] = [None if g is None else str(g) for g in groups]
    if len(labels) != y.size:
        raise MetaInputError(
            f"groups: expected one label per study ({y.size}), got {len(labels)}"
        )
    missing = [i for i, g in enumerate(labels) if g is None or g.strip() == ""]
    if missing:
        raise MetaInputError(f"groups: label missing for study index {missing[0]}; fill it in")
    levels: tuple[str, ...] = tuple(sorted({g for g in labels if g is not None}))
    if len(levels) < 2:
        raise MetaInputError(f"groups: need at least 2 subgroups, got only {levels!r}")
    lab = np.array(labels, dtype=object)
    dummies = np.column_stack([(lab == lv).astype(float) for lv in levels[1:]])
    mixed = rma(y, v, mods=dummies, test=test, method=method, level=level,
                knha_adhoc=knha_adhoc, control=control)
    L = np.zeros((len(levels), mixed.p))
    L[:, 0] = 1.0
    L[1:, 1:] = np.eye(len(levels) - 1)
    est = L @ mixed.beta
    se = np.sqrt(np.einsum("ij,jk,ik->i", L, mixed.vcov, L))
    common = tuple(
        GroupEstimate(
            lv,
            int((lab == lv).sum()),
            float(est[i]),
            float(se[i]),
            float(est[i] - mixed.crit * se[i]),
            float(est[i] + mixed.crit * se[i]),
        )
        for i, lv in enumerate(levels)
    )
    separate: dict[str, RmaResult] = {}
    for lv in levels:
        mask = lab == lv
        sub_test = test if mask.sum() > 1 else "z"
        separate[lv] = rma(y[mask], v[mask], test=sub_test, method=method, level=level,
                           knha_adhoc=knha_adhoc, control=control)
    ests = np.array([f.estimate for f in separate.values()])
    w = 1.0 / np.array([f.se for f in separate.values()]) ** 2
    mean = np.dot(w, ests) / w.sum()
    q_b = float(np.dot(w, (ests - mean) ** 2))
    df_b = len(levels) - 1
    return SubgroupResult(
        levels=levels,
        mixed=mixed,
        common=common,
        separate=separate,
        Q_between=q_b,
        Q_between_df=df_b,
        Q_between_pval=float(chdtrc(df_b, q_b)),
    )

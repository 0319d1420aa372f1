"""The frozen result of :func:`meta.model.rma`, its printed summary and its JSON form (metafor's
names); :func:`confint` computes the Q-profile CI of tau² on request."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import chdtrc, fdtrc, ndtr, stdtr

from meta.level import critical_value
from meta.prediction import PredictionInterval, higgins_interval, prediction_interval
from meta.qprofile import QProfileCI, qprofile_ci
from meta.tau2 import Tau2Control
from meta.transforms import backtransform


@dataclass(frozen=True)
class KnhaBlock:
    """Hartung–Knapp–Sidik–Jonkman inference for the intercept (pooled effect).

    ``se = sqrt(s² Var_Wald)``, t(k - p) quantile; ``pi_lb/pi_ub`` use the same t quantile and
    SE (metafor ``predict`` on a ``test = "knha"`` fit).
    """

    estimate: float
    se: float
    tval: float
    df: int
    pval: float
    ci_lb: float
    ci_ub: float
    pi_lb: float | None
    pi_ub: float | None
    adhoc: bool


def _two_sided(stat: np.ndarray, df: int | None) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        a = np.abs(stat)
        return 2.0 * (ndtr(-a) if df is None else stdtr(df, -a))


@dataclass(frozen=True, eq=False)
class RmaResult:
    """A fitted random-/mixed-effects model (metafor ``rma.uni`` object).

    Attributes
    ----------
    yi, vi : ndarray, shape (k,)
        Input effects and sampling variances.
    X : ndarray, shape (k, p)
        Design matrix with the intercept column first.
    method, test : str
        tau² estimator and inference (``"z"`` or ``"knha"``).
    level : float
        Confidence level (%).
    knha_adhoc : bool
        Whether the Knapp–Hartung scale is floored at 1.
    beta : ndarray, shape (p,)
        Coefficients; ``beta[0]`` is the pooled effect (intercept).
    vcov_wald : ndarray, shape (p, p)
        ``(X'WX)^-1``, the Wald covariance.
    s2w : float
        Knapp–Hartung scale ``sum w r² / (k - p)`` (after the ad hoc floor); NaN when k = p.
    tau2 : float
        Between-study variance (squared effect units).
    Q, Q_df, Q_pval : float, int, float
        Cochran's (residual) Q test.
    vt : float
        Typical within-study variance.
    I2, H2 : float
        metafor's I² (%) and H² (tau²-based; Q-based for ``method="FE"``).
    I2_higgins, H2_higgins : float
        Higgins & Thompson (2002) Q-based I² (%) and H².
    weights : ndarray, shape (k,)
        Relative model weights ``w_i / sum w``, summing to 1.
    iterations : int
        Iterations of the tau² estimator.
    control : Tau2Control
        Convergence settings used.
    R2 : float or None
        Pseudo-R² (%) of the moderators (:func:`meta.model.pseudo_r2`); None without moderators.
    measure : str
        Scale of ``yi`` (``GEN``, ``RATIO``/``HR``/``OR``/``RR``, ``PLO``, ``PFT``, ``PAS``,
        ``PR``, ``MED``), used by :meth:`backtransformed` and the printed summary.
    ni : ndarray or None
        Study sizes (``PFT`` back-transformation only).
    mod_names : tuple of str or None
        Moderator names for the printed summary and :meth:`to_frame`.
    """

    yi: np.ndarray
    vi: np.ndarray
    X: np.ndarray
    method: str
    test: str
    level: float
    knha_adhoc: bool
    beta: np.ndarray
    vcov_wald: np.ndarray
    s2w: float
    tau2: float
    Q: float
    Q_df: int
    Q_pval: float
    vt: float
    I2: float
    H2: float
    I2_higgins: float
    H2_higgins: float
    weights: np.ndarray
    iterations: int
    control: Tau2Control
    R2: float | None = None
    measure: str = "GEN"
    ni: np.ndarray | None = None
    mod_names: tuple[str, ...] | None = None

    # ----- shape -------------------------------------------------------------------------
    @property
    def k(self) -> int:
        """Number of studies."""
        return int(self.yi.size)

    @property
    def p(self) -> int:
        """Number of coefficients including the intercept."""
        return int(self.X.shape[1])

    @property
    def tau(self) -> float:
        """sqrt(tau²) (effect units)."""
        return math.sqrt(self.tau2)

    @property
    def ddf(self) -> int | None:
        """t degrees of freedom (k - p) for ``test="knha"``, else None."""
        return self.k - self.p if self.test == "knha" else None

    # ----- coefficients (for the chosen test) --------------------------------------------
    @cached_property
    def vcov(self) -> np.ndarray:
        """Covariance of ``beta`` for the chosen test."""
        return self.vcov_wald * self.s2w if self.test == "knha" else self.vcov_wald

    @cached_property
    def se_beta(self) -> np.ndarray:
        """Standard errors of ``beta``."""
        return np.sqrt(np.diag(self.vcov))

    @cached_property
    def zval_beta(self) -> np.ndarray:
        """``beta / se`` (a t statistic when ``test="knha"``)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.beta / self.se_beta

    @cached_property
    def pval_beta(self) -> np.ndarray:
        """Two-sided p-values (normal or t(k - p))."""
        return _two_sided(self.zval_beta, self.ddf)

    @property
    def crit(self) -> float:
        """Quantile of the coefficient CIs."""
        return critical_value(self.level, self.ddf)

    @property
    def ci_lb_beta(self) -> np.ndarray:
        """Lower CI bounds of ``beta``."""
        return self.beta - self.crit * self.se_beta

    @property
    def ci_ub_beta(self) -> np.ndarray:
        """Upper CI bounds of ``beta``."""
        return self.beta + self.crit * self.se_beta

    @property
    def estimate(self) -> float:
        """Pooled effect (intercept), effect units."""
        return float(self.beta[0])

    @property
    def se(self) -> float:
        """SE of the pooled effect for the chosen test."""
        return float(self.se_beta[0])

    @property
    def zval(self) -> float:
        """Test statistic of the pooled effect (z, or t for knha)."""
        return float(self.zval_beta[0])

    @property
    def pval(self) -> float:
        """Two-sided p-value of the pooled effect."""
        return float(self.pval_beta[0])

    @property
    def ci_lb(self) -> float:
        """Lower CI bound of the pooled effect."""
        return float(self.ci_lb_beta[0])

    @property
    def ci_ub(self) -> float:
        """Upper CI bound of the pooled effect."""
        return float(self.ci_ub_beta[0])

    # ----- omnibus moderator test --------------------------------------------------------
    @cached_property
    def _qm(self) -> tuple[float, int, int | None, float]:
        idx = np.arange(1, self.p) if self.p > 1 else np.array([0])
        b = self.beta[idx]
        V = self.vcov[np.ix_(idx, idx)]
        m = idx.size
        try:
            qm = float(b @ np.linalg.solve(V, b))
        except np.linalg.LinAlgError:
            return float("nan"), m, self.ddf, float("nan")
        if self.test == "knha":
            qm /= m
            return qm, m, self.ddf, float(fdtrc(m, self.ddf, qm))
        return qm, m, None, float(chdtrc(m, qm))

    @property
    def QM(self) -> float:  # noqa: N802 (metafor name)
        """Omnibus test of the moderators (of the intercept when there are none); F for knha."""
        return self._qm[0]

    @property
    def QM_df(self) -> tuple[int, int | None]:  # noqa: N802 (metafor name)
        """(numerator df, denominator df or None for the chi-square test)."""
        return self._qm[1], self._qm[2]

    @property
    def QM_pval(self) -> float:  # noqa: N802 (metafor name)
        """p-value of ``QM``."""
        return self._qm[3]

    # ----- Knapp–Hartung block -----------------------------------------------------------
    @cached_property
    def knha(self) -> KnhaBlock | None:
        """HKSJ inference for the pooled effect; None when k <= p."""
        df = self.k - self.p
        if df < 1:
            return None
        se = math.sqrt(self.s2w * self.vcov_wald[0, 0])
        est = self.estimate
        with np.errstate(divide="ignore", invalid="ignore"):
            tval = float(np.float64(est) / np.float64(se))
        crit = critical_value(self.level, df)
        pi_lb = pi_ub = None
        if self.p == 1:
            pi = prediction_interval(est, se, self.tau2, self.level, df)
            pi_lb, pi_ub = pi.lb, pi.ub
        return KnhaBlock(
            estimate=est,
            se=se,
            tval=tval,
            df=df,
            pval=float(_two_sided(np.array(tval), df)),
            ci_lb=est - crit * se,
            ci_ub=est + crit * se,
            pi_lb=pi_lb,
            pi_ub=pi_ub,
            adhoc=self.knha_adhoc,
        )

    # ----- prediction intervals ----------------------------------------------------------
    @cached_property
    def pi(self) -> PredictionInterval | None:
        """metafor's prediction interval (z, or t(k - p) for knha); None with moderators."""
        if self.p != 1:
            return None
        return prediction_interval(self.estimate, self.se, self.tau2, self.level, self.ddf)

    @cached_property
    def pi_higgins(self) -> PredictionInterval | None:
        """Higgins et al. (2009) t(k - 2) interval, Wald SE; None with moderators or k < 3."""
        if self.p != 1:
            return None
        return higgins_interval(
            self.estimate, math.sqrt(self.vcov_wald[0, 0]), self.tau2, self.k, self.level
        )

    # ----- heterogeneity CI --------------------------------------------------------------
    @cached_property
    def qprofile(self) -> QProfileCI | None:
        """:func:`confint` of this fit, computed on first use and kept (root searches)."""
        return confint(self)

    # ----- natural scale -------------------------------------------------------------------
    def backtransformed(self) -> dict[str, float | None] | None:
        """Estimate, CI and prediction interval on the natural scale of :attr:`measure`
        (:func:`meta.transforms.backtransform`: exp for ratios, expit / inverse Freeman–Tukey /
        inverse arcsine for proportions); None for ``GEN`` and with moderators."""
        if self.measure == "GEN" or self.p != 1:
            return None
        pi = self.pi
        values = [self.estimate, self.ci_lb, self.ci_ub,
                  pi.lb if pi else float("nan"), pi.ub if pi else float("nan")]
        out = backtransform(self.measure, np.asarray(values), ni=self.ni)
        keys = ("estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub")
        return {key: (float(v) if math.isfinite(v) else None)
                for key, v in zip(keys, out.tolist(), strict=True)}

    # ----- tables --------------------------------------------------------------------------
    @property
    def coef_names(self) -> list[str]:
        """``intrcpt`` then the moderator names (``mod1, mod2, ...`` unless given)."""
        return ["intrcpt", *(self.mod_names or [f"mod{j}" for j in range(1, self.p)])]

    def to_frame(self) -> pd.DataFrame:
        """Coefficient table (metafor's ``coef(summary(res))``): one row per coefficient,
        columns ``estimate, se, zval, pval, ci_lb, ci_ub`` (``zval`` is a t value for knha)."""
        return pd.DataFrame({"estimate": self.beta, "se": self.se_beta, "zval": self.zval_beta,
                             "pval": self.pval_beta, "ci_lb": self.ci_lb_beta,
                             "ci_ub": self.ci_ub_beta}, index=pd.Index(self.coef_names))

    def __str__(self) -> str:
        from meta.summary import format_summary  # printing only

        return format_summary(self)

    def __repr__(self) -> str:
        return (f"<RmaResult k={self.k} method={self.method} test={self.test} "
                f"estimate={self.estimate:.4g} tau2={self.tau2:.4g}>")

    # ----- JSON --------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with metafor's names (design.md contract); no NaN (None instead)."""
        qp = self.qprofile
        pi = self.pi
        hig = self.pi_higgins
        kn = self.knha
        out: dict[str, Any] = {
            "model": "rma.uni",
            "method": self.method,
            "test": self.test,
            "level": self.level,
            "k": self.k,
            "p": self.p,
            "estimate": self.estimate,
            "se": self.se,
            "zval": self.zval,
            "pval": self.pval,
            "ci_lb": self.ci_lb,
            "ci_ub": self.ci_ub,
            "tau2": self.tau2,
            "tau": self.tau,
            "tau2_ci_lb": qp.tau2_lb if qp else None,
            "tau2_ci_ub": qp.tau2_ub if qp else None,
            "tau_ci_lb": qp.tau_lb if qp else None,
            "tau_ci_ub": qp.tau_ub if qp else None,
            "I2": self.I2,
            "I2_ci_lb": qp.I2_lb if qp else None,
            "I2_ci_ub": qp.I2_ub if qp else None,
            "H2": self.H2,
            "H2_ci_lb": qp.H2_lb if qp else None,
            "H2_ci_ub": qp.H2_ub if qp else None,
            "I2_higgins": self.I2_higgins,
            "H2_higgins": self.H2_higgins,
            "Q": self.Q,
            "Q_df": self.Q_df,
            "Q_pval": self.Q_pval,
            "pi_lb": pi.lb if pi else None,
            "pi_ub": pi.ub if pi else None,
            "pi_higgins": (
                {"lb": hig.lb, "ub": hig.ub, "df": hig.df} if hig is not None else None
            ),
            "weights_pct": [100.0 * w for w in self.weights.tolist()],
            "knha": (
                {
                    "estimate": kn.estimate,
                    "se": kn.se,
                    "tval": kn.tval,
                    "df": kn.df,
                    "pval": kn.pval,
                    "ci_lb": kn.ci_lb,
                    "ci_ub": kn.ci_ub,
                    "pi_lb": kn.pi_lb,
                    "pi_ub": kn.pi_ub,
                    "adhoc": kn.adhoc,
                }
                if kn is not None
                else None
            ),
            "moderator": self._moderator_dict(),
        }
        return json_clean(out)

    def _moderator_dict(self) -> dict[str, Any] | None:
        if self.p == 1:
            return None
        qm_df = self.QM_df
        return {
            "beta": self.beta.tolist(),
            "se": self.se_beta.tolist(),
            "zval": self.zval_beta.tolist(),
            "pval": self.pval_beta.tolist(),
            "ci_lb": self.ci_lb_beta.tolist(),
            "ci_ub": self.ci_ub_beta.tolist(),
            "QM": self.QM,
            "QM_df": [qm_df[0], qm_df[1]],
            "QM_pval": self.QM_pval,
            "R2": self.R2,
        }


def json_clean(obj: Any) -> Any:
    """Replace NaN/inf by None recursively (JSON has no NaN); numpy scalars -> Python."""
    if isinstance(obj, dict):
        return {key: json_clean(val) for key, val in obj.items()}
    if isinstance(obj, list | tuple):
        if all(type(val) is float for val in obj):  # fast path for long columns (pool, k = 1e6)
            isfinite = math.isfinite
            return [val if isfinite(val) else None for val in obj]
        return [json_clean(val) for val in obj]
    if isinstance(obj, float | np.floating):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def confint(res: RmaResult) -> QProfileCI | None:
    """Q-profile confidence intervals for tau², tau, I² and H² (Viechtbauer 2007, Stat Med
    26:37), metafor's ``confint(res)``; None for FE models and when k <= p. Root searches, so
    computed only when asked (``res.qprofile`` keeps the result)."""
    if res.method == "FE" or res.k <= res.p:
        return None
    return qprofile_ci(res.yi, res.vi, res.X, res.vt, res.tau2, res.level)

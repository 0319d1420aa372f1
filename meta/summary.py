"""The printed summary of a fit (``print(res)``), laid out as metafor's ``print.rma.uni``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from meta.results import RmaResult

__all__ = ["format_summary"]


def _pval_text(p: float) -> str:
    return "< .0001" if p < 1e-4 else f"= {p:.4f}"


def _p(p: float) -> str:
    return "<.0001" if p < 1e-4 else f"{p:.4f}"


def format_summary(res: RmaResult) -> str:
    """metafor-style printed summary of a fit (``print(res)``); no Q-profile CI (see
    :func:`confint`), so printing is cheap."""
    kind = ("Fixed-Effects" if res.method == "FE" else
            "Random-Effects" if res.p == 1 else "Mixed-Effects")
    head = f"{kind} Model (k = {res.k}; "
    head += "common effect)" if res.method == "FE" else f"tau^2 estimator: {res.method})"
    lines = [head, ""]
    if res.method != "FE":
        het, var = ("residual", "unaccounted") if res.p > 1 else ("total", "total")
        lines += [
            f"tau^2 (estimated amount of {het} heterogeneity): {res.tau2:.4f}",
            f"tau (square root of estimated tau^2 value): {res.tau:.4f}",
            f"I^2 ({het} heterogeneity / {var} variability): {res.I2:.2f}%",
            f"H^2 ({var} variability / sampling variability): {res.H2:.2f}",
        ]
        if res.R2 is not None:
            lines.append(f"R^2 (amount of heterogeneity accounted for): {res.R2:.2f}%")
        elif res.p > 1:
            lines.append("R^2 (amount of heterogeneity accounted for): not defined (tau^2 of "
                         "the model without moderators is 0)")
        lines.append("")
    if res.Q_df > 0:
        what = "Residual Heterogeneity" if res.p > 1 else "Heterogeneity"
        lines += [f"Test for {what}:",
                  f"Q{'E' if res.p > 1 else ''}(df = {res.Q_df}) = {res.Q:.4f}, "
                  f"p-val {_pval_text(res.Q_pval)}",
                  ""]
    if res.p > 1:
        m, ddf = res.QM_df
        stat = f"F(df1 = {m}, df2 = {ddf})" if ddf is not None else f"QM(df = {m})"
        lines += [f"Test of Moderators (coefficients 2:{res.p}):",
                  f"{stat} = {res.QM:.4f}, p-val {_pval_text(res.QM_pval)}",
                  ""]
    stat_name = "tval" if res.test == "knha" else "zval"
    lines += ["Model Results:", ""]
    rows = [["", "estimate", "se", stat_name, "pval", "ci.lb", "ci.ub"]]
    for j, name in enumerate(res.coef_names):
        rows.append([name if res.p > 1 else "", f"{res.beta[j]:.4f}", f"{res.se_beta[j]:.4f}",
                     f"{res.zval_beta[j]:.4f}", _p(float(res.pval_beta[j])),
                     f"{res.ci_lb_beta[j]:.4f}", f"{res.ci_ub_beta[j]:.4f}"])
    widths = [max(len(r[c]) for r in rows) for c in range(7)]
    for r in rows:
        lines.append("  ".join(cell.rjust(w) if c else cell.ljust(w)
                               for c, (cell, w) in enumerate(zip(r, widths, strict=True))).rstrip())
    if res.p == 1 and res.pi is not None and res.method != "FE":
        pi = res.pi
        lines += ["", f"Prediction interval ({res.level:g}%): [{pi.lb:.4f}, {pi.ub:.4f}]"]
    bt = res.backtransformed()
    if bt is not None:
        text = (f"Back-transformed ({res.measure}): {bt['estimate']:.4f} "
                f"[{bt['ci_lb']:.4f}, {bt['ci_ub']:.4f}]")
        if bt["pi_lb"] is not None and res.method != "FE":
            text += f"; prediction interval [{bt['pi_lb']:.4f}, {bt['pi_ub']:.4f}]"
        lines += ["", text]
    return "\n".join(lines)

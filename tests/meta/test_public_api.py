"""meta as a library (issue 14): the public names, ``print(res)``, ``res.to_frame()``, the
measure a fit carries, ``confint(res)`` and the error/warning classes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from _fixture_io import load_fixture

import meta
from meta import MetaInputError, confint, proportions, ratios, rma
from meta.transforms import expit

SUB = load_fixture("metafor_rma_subgroups")
BCG = SUB["datasets"]["bcg"]


def test_every_public_name_resolves():
    assert "rma" in meta.__all__ and "confint" in meta.__all__
    for name in meta.__all__:
        assert getattr(meta, name) is not None
    with pytest.raises(AttributeError):
        meta.no_such_name  # noqa: B018


def test_python_c_from_meta_import_rma_prints_a_summary():
    code = "from meta import rma; print(rma(yi=[0.1, 0.3, -0.2], vi=[0.01, 0.02, 0.03]))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.startswith("Random-Effects Model (k = 3; tau^2 estimator: REML)")
    assert "Test for Heterogeneity:" in out and "Model Results:" in out


def test_summary_shows_the_fit_values():
    res = rma(BCG["yi"], BCG["vi"])
    text = str(res)
    for value in (res.tau2, res.estimate, res.se, res.ci_lb, res.ci_ub, res.Q):
        assert f"{value:.4f}" in text
    assert f"Q(df = {res.Q_df})" in text and f"{res.I2:.2f}%" in text
    assert "array(" not in repr(res)


def test_summary_with_moderators_and_names():
    res = rma(BCG["yi"], BCG["vi"], mods=BCG["x"], mod_names=["ablat"], test="knha")
    text = str(res)
    assert text.startswith("Mixed-Effects Model")
    assert "Test of Moderators (coefficients 2:2):" in text and "F(df1 = 1, df2 = 11)" in text
    assert "ablat" in text and "tval" in text and f"{res.R2:.2f}%" in text


def test_to_frame_is_the_coefficient_table():
    res = rma(BCG["yi"], BCG["vi"], mods=BCG["x"])
    frame = res.to_frame()
    assert list(frame.index) == ["intrcpt", "mod1"]
    assert list(frame.columns) == ["estimate", "se", "zval", "pval", "ci_lb", "ci_ub"]
    np.testing.assert_array_equal(frame["estimate"], res.beta)
    np.testing.assert_array_equal(frame["ci_ub"], res.ci_ub_beta)


def test_a_fit_carries_its_measure_and_back_transforms_once():
    table = ratios([0.8, 0.7, 0.9, 0.6], [0.6, 0.5, 0.7, 0.4], [1.07, 0.98, 1.16, 0.9])
    res = rma(table)
    assert res.measure == table.measure
    bt = res.backtransformed()
    assert bt["estimate"] == pytest.approx(np.exp(res.estimate))
    assert bt["pi_ub"] == pytest.approx(np.exp(res.pi.ub))
    assert f"Back-transformed ({res.measure}): {bt['estimate']:.4f}" in str(res)
    props = rma(proportions([10, 12, 30], [50, 40, 60], "PLO"))
    assert props.backtransformed()["ci_lb"] == pytest.approx(float(expit(props.ci_lb)))
    assert rma([0.1, 0.2], [0.01, 0.02]).backtransformed() is None  # GEN: nothing to undo


def test_confint_is_explicit_and_equals_the_cached_property():
    res = rma(BCG["yi"], BCG["vi"])
    ci = confint(res)
    assert ci is not None and ci.tau2_lb < res.tau2 < ci.tau2_ub
    assert res.qprofile == ci
    assert confint(rma(BCG["yi"], BCG["vi"], method="FE")) is None


def test_input_errors_share_one_base_and_stay_value_errors():
    with pytest.raises(MetaInputError, match="vi: expected sampling variances"):
        rma([0.1, 0.2])
    assert issubclass(MetaInputError, ValueError)
    with pytest.raises(MetaInputError, match="mod_names: expected 1 names"):
        rma([0.1, 0.2, 0.3], [0.1, 0.1, 0.1], mods=[1, 2, 4], mod_names=["a", "b"])
    assert issubclass(meta.ConvergenceWarning, meta.MetaWarning)


def test_model_and_results_import_without_a_cycle():
    import ast

    import meta.results as results

    tree = ast.parse(Path(results.__file__).read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert "meta.model" not in imported

"""meta.transforms against metafor's transf.* functions (fixture metafor_effects.json)."""

from __future__ import annotations

import numpy as np
import pytest
from _fixture_io import load_fixture

from meta.transforms import backtransform, expit, iarcsine, ipft, ipft_hm, logit, pft

REF = load_fixture("metafor_effects")
# Closed-form functions: 1e-10 relative allows only for libm differences.
RTOL = 1e-10


def test_ilogit_against_metafor():
    np.testing.assert_allclose(expit(REF["ilogit"]["x"]), REF["ilogit"]["y"], rtol=RTOL)


def test_ipft_hm_against_metafor_including_boundaries():
    r = REF["ipft_hm"]
    np.testing.assert_allclose(ipft_hm(r["x"], r["ni"]), r["y"], rtol=RTOL, atol=1e-15)
    r = REF["ipft_n"]
    np.testing.assert_allclose(ipft(r["x"], r["n"]), r["y"], rtol=RTOL, atol=1e-15)


def test_pft_forward_against_metafor():
    r = REF["pft_fwd"]
    np.testing.assert_allclose(pft(r["p"], r["n"]), r["y"], rtol=RTOL)


def test_iarcsin_against_metafor():
    r = REF["iarcsin"]
    np.testing.assert_allclose(iarcsine(r["x"]), r["y"], rtol=RTOL, atol=1e-15)


def test_ipft_inverts_pft_for_integer_counts():
    # Miller (1978): the inverse is exact at the observed proportions x/n for the study's own n.
    n = 37
    p = np.arange(n + 1) / n
    np.testing.assert_allclose(ipft(pft(p, n), n), p, atol=1e-12)


def test_backtransform_dispatch():
    ci = np.array([-1.0, 0.2, 1.1])
    np.testing.assert_allclose(backtransform("PLO", ci), expit(ci))
    np.testing.assert_allclose(backtransform("HR", ci), np.exp(ci))
    np.testing.assert_allclose(backtransform("MED", ci), np.exp(ci))
    np.testing.assert_allclose(backtransform("PR", ci), ci)
    np.testing.assert_allclose(logit(backtransform("PLO", ci)), ci)
    with pytest.raises(ValueError, match="ni"):
        backtransform("PFT", ci)
    with pytest.raises(ValueError, match="measure"):
        backtransform("SMD", ci)

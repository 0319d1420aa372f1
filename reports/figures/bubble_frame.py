"""The bubble plot's frame: one era / case-mix meta-regression of the analysis layer, on the
display scale (:func:`reports.figures.bubble.plot_bubble` draws it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from meta.transforms import backtransform
from reports import fmt

if TYPE_CHECKING:
    from reports.analysis.groups import GroupAnalysis


def bubble_frame(a: GroupAnalysis, adj: Any) -> pd.DataFrame:
    """The drawn frame of one era / case-mix regression (:func:`meta.adjusted.bubble_frame`,
    back-transformed to the display scale): arms sized by weight, the fitted line with its CI,
    the index at its covariate value with its interval."""
    from meta.adjusted import bubble_frame as meta_frame

    factor, _ = fmt.scale(a.outcome.kind)
    c = a.comparison
    assert c is not None
    f = meta_frame(adj.result)
    ni = c.ni

    def bt(v: Any) -> np.ndarray:
        return backtransform(c.measure, np.asarray(v, float), ni=ni) * factor

    study = pd.DataFrame({"label": f.arms["arm"], "x": f.arms["x"], "y": bt(f.arms["y"]),
                          "size": f.arms["weight"], "kind": "study"})
    fit = pd.DataFrame({"label": "fit", "x": f.line["x"], "y": bt(f.line["fit"]),
                        "size": 0.0, "kind": "fit", "lb": bt(f.line["ci_lb"]),
                        "ub": bt(f.line["ci_ub"])})
    index = pd.DataFrame({"label": ["index" + (" (extrapolated)" if bool(
        f.index["extrapolated"].iloc[0]) else "")], "x": f.index["x"], "y": bt(f.index["y"]),
        "size": [0.0], "kind": ["index"], "lb": bt(f.index["lb"]), "ub": bt(f.index["ub"])})
    return pd.concat([study, fit, index], ignore_index=True)

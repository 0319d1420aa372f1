"""KM overlay of a comparator group, on the sorafenib-control library (13 sorafenib arms of the
reconstructed IPD in studies/ipd/): the frame drawn, labels never cut, user text literal,
exponential curves labelled as assumptions in the figure itself, vector output."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

from extraction.ipd import arms_named
from meta.survival import index_median_position, pooled_km_curve, survival_benchmark
from reports.figures.km_benchmark import (
    ASSUMPTION_NOTE,
    draw_km_benchmark,
    km_benchmark_frame,
    km_group_figure,
    plot_km_benchmark,
)

IPD = Path(__file__).resolve().parents[3] / "studies" / "ipd"
INDEX_MEDIAN = 17.0  # the index study's reported median OS (seed abstract), months


@pytest.fixture(scope="module")
def sorafenib() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    arms = arms_named(IPD, "sorafenib")
    assert len(arms) == 13
    return arms


def _inside(fig) -> bool:
    """Everything drawn (tick labels in view, legend, titles, notes) lies inside the figure."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    tight = fig.get_tightbbox(canvas.get_renderer())  # inches
    box = fig.bbox_inches
    return (tight.x0 >= box.x0 - 0.01 and tight.y0 >= box.y0 - 0.01
            and tight.x1 <= box.x1 + 0.01 and tight.y1 <= box.y1 + 0.01)


def test_sorafenib_library_frame_is_what_is_drawn(sorafenib, tmp_path):
    frame = km_group_figure(tmp_path / "km.svg", sorafenib, index_median=INDEX_MEDIAN,
                            index_interval=(13.0, float("nan")),  # illustrative interval
                            index_label="index", title="Sorafenib arms: overall survival")
    arms = frame[frame.layer == "arm"]
    assert arms.curve.nunique() == 13 and (arms.groupby("curve").survival.first() == 1).all()
    curve = pooled_km_curve(sorafenib)
    pooled = frame[frame.layer == "pooled"]
    ok = np.isfinite(curve.surv)
    np.testing.assert_allclose(pooled.survival, curve.surv[ok])
    np.testing.assert_allclose(pooled.lower, curve.ci_lb[ok])
    np.testing.assert_allclose(frame[frame.layer == "pi"].upper, curve.pi_ub[ok])
    index = frame[frame.layer == "index"].iloc[0]
    assert (index.time, index.survival, index.time_lower) == (17.0, 0.5, 13.0)
    assert np.isnan(index.time_upper) and "13.0–NR" in index.label
    assert "assumed" not in set(frame.layer)  # every arm has IPD: no exponential picture
    svg = (tmp_path / "km.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "ASSUMPTION" not in svg
    risk = frame[frame.layer == "at_risk"]
    assert risk.value.iloc[0] == sum(len(t) for t, _ in sorafenib.values())


def test_sorafenib_library_benchmark_table(sorafenib):
    bench = survival_benchmark(sorafenib)
    table = bench.to_frame()
    assert list(table.statistic) == ["S(6)", "S(12)", "S(18)", "S(24)", "RMST(24)", "median"]
    # follow-up: SHARP (16.0) and IMbrave150 (16.1) end before 18 months, Asia-Pacific (20.2)
    # before 24; IMbrave150's median CI has no upper bound
    assert list(table.k) == [13, 13, 11, 10, 10, 12]
    assert all(table.pi_lb <= table.ci_lb) and all(table.ci_ub <= table.pi_ub)
    assert (table.estimate.iloc[:4].diff().dropna() < 0).all()  # landmarks fall with time
    per_arm = bench.arms_frame()
    assert len(per_arm) == 13 and {"median_lower", "se_S(12)", "n_risk(24)"} <= set(per_arm)
    pos = index_median_position(sorafenib, INDEX_MEDIAN)
    assert pos.n_evaluable == 11 and pos.n_longer == 0 and pos.position == "index longer"


def test_labels_never_cut_and_user_text_is_literal(sorafenib, tmp_path):
    odd = {"arm $x_1$ with a very long name " * 3: sorafenib["sharp"],
           "50% \\alpha_{2}": sorafenib["reflect"],
           "broken $\\frac{$ mathtext": sorafenib["light"]}  # raises if parsed as mathtext
    frame = km_benchmark_frame(odd, index_median=9.5, index_interval=(8.0, 11.0),
                               index_label="$index$", assumed={"no-IPD arm $y$": 7.5},
                               risk_times=[0, 6, 12])
    fig = draw_km_benchmark(frame, title="title with $\\frac{$ and _underscores_",
                            ylabel="OS $\\frac{$")
    assert _inside(fig)
    plot_km_benchmark(frame, tmp_path / "odd.svg")
    svg = (tmp_path / "odd.svg").read_text()
    assert "arm $x_1$" in svg and "$index$" in svg and "50% \\alpha_{2}" in svg


def test_exponential_curves_are_labelled_assumptions_in_the_figure(sorafenib, tmp_path):
    frame = km_group_figure(tmp_path / "a.pdf", {"sharp": sorafenib["sharp"]},
                            assumed={"trial without IPD": 10.0}, index_median=INDEX_MEDIAN)
    assumed = frame[frame.layer == "assumed"]
    assert "ASSUMPTION" in assumed.label.iloc[0]
    np.testing.assert_allclose(assumed.survival, 2.0 ** (-assumed.time / 10.0))
    assert frame[frame.layer == "note"].label.iloc[0] == ASSUMPTION_NOTE
    assert "pooled" not in set(frame.layer)  # one arm: nothing to pool
    assert (tmp_path / "a.pdf").read_bytes().startswith(b"%PDF")
    fig = draw_km_benchmark(frame)
    texts = [t.get_text() for t in fig.findobj(Text)]
    assert ASSUMPTION_NOTE in texts and any("ASSUMPTION" in t for t in texts if t !=
                                            ASSUMPTION_NOTE)


def test_bad_inputs_name_the_argument(sorafenib, tmp_path):
    frame = km_benchmark_frame({"sharp": sorafenib["sharp"]})
    with pytest.raises(ValueError, match=r"expected a \.svg, \.pdf or \.png"):
        plot_km_benchmark(frame, tmp_path / "x.jpg")
    with pytest.raises(ValueError, match="missing columns"):
        plot_km_benchmark(frame.drop(columns="layer"))
    with pytest.raises(ValueError, match=r"assumed\['b'\]: expected a median"):
        km_benchmark_frame({}, assumed={"b": 0})


def test_group_survival_feeds_the_figure(sorafenib, tmp_path):
    from meta.survival import group_survival

    gs = group_survival(sorafenib, index_median=INDEX_MEDIAN, index_interval=(14.0, 20.0))
    assert gs.benchmark.to_frame().equals(survival_benchmark(sorafenib).to_frame())
    assert gs.position is not None and gs.position.fraction_longer == 0.0
    # at its lower bound (14.0) some sorafenib arms (e.g. CheckMate 459, median 14.6) are longer
    assert 0 < gs.position.fraction_longer_at_lower < 1
    assert gs.position.fraction_longer_at_upper == 0.0
    frame = km_group_figure(tmp_path / "g.svg", sorafenib, curve=gs.curve,
                            index_median=INDEX_MEDIAN, index_interval=(14.0, 20.0))
    np.testing.assert_allclose(frame[frame.layer == "pooled"].survival,
                               gs.curve.surv[np.isfinite(gs.curve.surv)])
    assert group_survival({"sharp": sorafenib["sharp"]}).curve is None


def test_report_approximate_curves_say_assumption_in_the_figure(tmp_path):
    from reports.figures.km import ASSUMPTION_NOTE as NOTE
    from reports.figures.km import plot_km

    t = np.linspace(0, 36, 73)
    frame = pd.DataFrame({"curve": "group, pooled median 11.2 mo — approximate", "time": t,
                          "survival": 2.0 ** (-t / 11.2), "kind": "approximate"})
    plot_km(frame, tmp_path / "approx.svg")
    assert NOTE in (tmp_path / "approx.svg").read_text() and "ASSUMPTION" in NOTE

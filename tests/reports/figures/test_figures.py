"""Figures are tested through the frames they draw (labels and values from one frame)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reports.analysis.data import outcome_data
from reports.analysis.groups import analyse_group, benchmark_only
from reports.figures.bubble import plot_bubble
from reports.figures.forest import plot_forest
from reports.figures.forest_frame import forest_frame
from reports.figures.funnel import plot_funnel
from reports.figures.km import plot_km
from reports.plan import load_plan

STUDIES = Path(__file__).parents[3] / "studies"


@pytest.fixture(scope="module")
def orr_rt_ici(bundled_records):
    records = bundled_records
    plan, _ = load_plan()
    outcome = next(o for o in plan.outcomes if o.id == "orr")
    data = outcome_data(records, plan, outcome)
    group = next(g for g in plan.groups if g.id == "rt_ici")
    a = analyse_group(data, group, plan)
    index_row = data.frame[data.frame["is_index"]].iloc[0]
    bench = benchmark_only(a, plan)
    return a, bench, forest_frame(a, bench, "Zhai 2025", index_row, [], plan.level, "design")


def test_forest_frame_rows_match_the_analysis(orr_rt_ici):
    a, bench, frame = orr_rt_ici
    studies = frame[frame["kind"] == "study"]
    assert len(studies) == len(a.arms) == bench.k
    weights = studies["weight"].str.rstrip("%").astype(float)
    assert weights.sum() == pytest.approx(100, abs=0.1 * len(weights))
    overall = frame[frame["kind"] == "overall"].iloc[0]
    assert overall["est"] == pytest.approx(100 * a.comparison.benchmark_bt[0])
    assert overall["right"].startswith(f"{100 * a.comparison.benchmark_bt[0]:.1f} [")
    index = frame[frame["kind"] == "index"].iloc[0]
    assert index["left"] == "81/108"
    assert index["right"].startswith("75.0 [")
    pi = frame[frame["kind"] == "pi"].iloc[0]
    assert pi["lb"] == pytest.approx(100 * a.comparison.pi_bt[0])


def test_forest_plot_draws_its_frame(tmp_path, orr_rt_ici):
    _, _, frame = orr_rt_ici
    drawn = plot_forest(frame, tmp_path / "f.svg", xlabel="ORR (%)")
    assert list(drawn["label"]) == list(frame["label"])
    assert drawn["y"].is_monotonic_decreasing
    svg = (tmp_path / "f.svg").read_text()
    for label in frame.loc[frame["kind"].isin(["study", "index"]), "left"]:
        assert label in svg  # svg.fonttype none: the frame's text is in the SVG


def test_forest_frame_rejects_unknown_kind(tmp_path):
    bad = pd.DataFrame([{"kind": "bogus", "label": "x", "left": "", "est": 1.0, "lb": 0.0,
                         "ub": 2.0, "right": "", "weight": ""}])
    with pytest.raises(ValueError, match="unknown kinds"):
        plot_forest(bad, tmp_path / "x.svg")


def test_funnel_bubble_km_return_their_frames(tmp_path):
    funnel = pd.DataFrame({"label": ["a", "b", "c"], "yi": [0.1, 0.3, -0.2],
                           "sei": [0.1, 0.2, 0.3], "kind": ["study", "study", "filled"]})
    assert plot_funnel(funnel, tmp_path / "fu.svg", centre=0.1, egger=(0.0, 1.0)).equals(funnel)
    bubble = pd.DataFrame({"label": ["a", "fit", "index"], "x": [10.0, 20.0, 30.0],
                           "y": [30.0, 40.0, 50.0], "size": [50.0, 0.0, 0.0],
                           "kind": ["study", "fit", "index"]})
    assert plot_bubble(bubble, tmp_path / "b.svg").drop(columns="area").equals(bubble)
    t = np.linspace(0, 24, 5)
    km = pd.DataFrame({"curve": "A — approximate", "time": t, "survival": 2 ** (-t / 10),
                       "kind": "approximate"})
    assert plot_km(km, tmp_path / "k.svg").equals(km)
    assert "A — approximate" in (tmp_path / "k.svg").read_text()


def test_km_refuses_to_mix_approximate_and_reconstructed(tmp_path):
    t = np.linspace(0, 24, 5)
    mixed = pd.DataFrame({"curve": ["a"] * 5 + ["b"] * 5, "time": [*t, *t],
                          "survival": [*2 ** (-t / 10), *2 ** (-t / 12)],
                          "kind": ["approximate"] * 5 + ["reconstructed"] * 5})
    with pytest.raises(ValueError, match="approximate and reconstructed"):
        plot_km(mixed, tmp_path / "m.svg")


def test_bubble_frame_fit_line_against_metafor_predict():
    """The bubble plot's fitted line passes through metafor's predict() at the index's PVTT."""
    import json

    from meta import effects
    from meta.adjusted import adjusted_benchmark
    from meta.comparison import compare
    from reports.analysis.adjusted import AdjustedComparison
    from reports.analysis.groups import GroupAnalysis
    from reports.figures.bubble_frame import bubble_frame

    ref = json.loads((Path(__file__).parents[2] / "reference" / "fixtures"
                      / "comparison.json").read_text())["plo"]
    plan, _ = load_plan()
    table = effects.proportions(ref["xi"], ref["ni"], "PLO")
    arms = pd.DataFrame({"label": [f"s{i}" for i in range(len(ref["xi"]))], "yi": table.yi,
                         "vi": table.vi, "pvtt": ref["pvtt"], "total": ref["ni"]})
    c = compare(table.yi, table.vi, ref["index_yi"], ref["index_vi"], "PLO")
    a = GroupAnalysis(plan.outcomes[0], plan.groups[0], arms, (), ref["index_yi"],
                      ref["index_vi"], "", c, None, "", (), 0.05)
    res = adjusted_benchmark(table.yi, table.vi, {"pvtt": ref["pvtt"]}, ref["index_yi"],
                             ref["index_vi"], {"pvtt": ref["pvtt0"]},
                             labels=list(arms["label"]), draws=200)
    frame = bubble_frame(a, AdjustedComparison("casemix", "pvtt", "PVTT (%)", res))
    fit = frame[frame["kind"] == "fit"]
    at_index = np.interp(ref["pvtt0"], fit["x"], fit["y"])
    expit = 100 / (1 + np.exp(-ref["metareg"]["pred"]))
    # the line is drawn through 30 points: linear interpolation of a logistic curve between
    # grid points 2.6 PVTT-% apart errs by < 0.1 percentage point here
    assert at_index == pytest.approx(expit, abs=0.1)
    studies = frame[frame["kind"] == "study"]
    assert list(studies["label"]) == list(arms["label"])
    assert studies["size"].sum() == pytest.approx(100)
    assert frame[frame["kind"] == "index"]["y"].iloc[0] == pytest.approx(75.0)


@pytest.mark.parametrize("workers", [1, 2])
def test_figure_jobs_return_the_drawn_frames_in_order(tmp_path, workers):
    from reports.figure_jobs import FigureJobs

    t = np.linspace(0, 24, 5)
    frames = [pd.DataFrame({"curve": f"c{i} — approximate", "time": t,
                            "survival": 2 ** (-t / (8 + i)), "kind": "approximate"})
              for i in range(3)]
    with FigureJobs(workers) as jobs:
        for i, f in enumerate(frames):
            jobs.submit("plot_km", f, tmp_path / f"k{i}.svg", ylabel="OS")
        drawn = jobs.wait()
    assert all(d.equals(f) for d, f in zip(drawn, frames, strict=True))
    assert all((tmp_path / f"k{i}.svg").stat().st_size > 1000 for i in range(3))


def test_a_fresh_figure_worker_imports_every_plot_module_itself():
    """The workers' warm-up, in an interpreter that has not imported matplotlib. In the test
    session the plot modules are imported before any build forks its workers (tests/conftest.py
    saves ~1 s of CPU per build that way), so the builds there no longer exercise it."""
    import json

    code = ("import json, sys; from reports.figure_jobs import PLOT_MODULES, _warm_up; "
            "before = 'matplotlib' in sys.modules; _warm_up(); "
            "print(json.dumps([before, [m for m in PLOT_MODULES if m not in sys.modules]]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [False, []]


def test_funnel_section_wires_egger_and_trimfill(tmp_path, orr_rt_ici):
    """With the plan's threshold lowered, the funnel section draws the studies plus the
    trim-and-fill imputations and reports meta.bias's Egger test for the same data."""
    from meta import bias
    from reports.analysis.bias import small_study_effects
    from reports.figure_jobs import FigureJobs
    from reports.sensitivity_figures import funnels

    a, _, _ = orr_rt_ici
    plan, _ = load_plan()
    low = plan.model_copy(update={"sensitivity": plan.sensitivity.model_copy(
        update={"min_k_bias": 3})})
    (tmp_path / "figures").mkdir()
    with FigureJobs(1) as jobs:
        out = funnels([a], low, tmp_path, jobs, {(a.outcome.id, a.group.id):
                                                 small_study_effects(a, low)})
        (drawn,) = jobs.wait()
    section = out[(a.outcome.id, a.group.id)]
    egger = bias.egger_test(a.arms["yi"], a.arms["vi"])
    tf = bias.trimfill(a.arms["yi"], a.arms["vi"], method=plan.estimator)
    assert f"{fmt_p(egger.pval)} (k = {len(a.arms)})" in section["rows"][0][1]
    assert section["rows"][1][1].startswith(f"{tf.k0} imputed on the {tf.side}")
    assert (drawn["kind"] == "study").sum() == len(a.arms)
    assert (drawn["kind"] == "filled").sum() == tf.k0
    assert (tmp_path / section["figures"][0]["figure"]).exists()
    default = funnels([a], plan, tmp_path, FigureJobs(1), {(a.outcome.id, a.group.id):
                                                           small_study_effects(a, plan)})
    assert "not shown: k = " in default[(a.outcome.id, a.group.id)]["note"]


def fmt_p(p: float) -> str:
    from reports.fmt import pval

    return pval(p)


def test_bubble_plot_areas_follow_weight_and_draw_band_and_index_interval(tmp_path):
    """Bubble AREA ∝ weight; the fit's CI band and the index's interval are drawn; text is
    literal (no mathtext)."""
    xs = np.linspace(0, 60, 7)
    frame = pd.concat([
        pd.DataFrame({"label": ["a", "b", "c"], "x": [10.0, 30.0, 50.0], "y": [20.0, 30.0, 35.0],
                      "size": [50.0, 30.0, 20.0], "kind": "study"}),
        pd.DataFrame({"label": "fit", "x": xs, "y": 20 + 0.3 * xs, "size": 0.0, "kind": "fit",
                      "lb": 15 + 0.3 * xs, "ub": 25 + 0.3 * xs}),
        pd.DataFrame({"label": ["Zhai 2025 ($index$)"], "x": [40.0], "y": [75.0], "size": [0.0],
                      "kind": ["index"], "lb": [66.0], "ub": [82.3]}),
    ], ignore_index=True)
    drawn = plot_bubble(frame, tmp_path / "b.svg", xlabel="PVTT (%)", ylabel="ORR (%)")
    studies = drawn[drawn["kind"] == "study"]
    assert (studies["area"] / studies["size"]).to_numpy() == pytest.approx([6.4] * 3)
    svg = (tmp_path / "b.svg").read_text()
    assert "Zhai 2025 ($index$)" in svg
    assert "95% CI of the fit" in svg and "index study (not in the fit)" in svg
    assert 'id="FillBetweenPolyCollection_1"' in svg or 'id="PolyCollection_1"' in svg


def test_a_process_with_other_threads_draws_in_process():
    """Forking a multi-threaded process can deadlock the child (a test runner's I/O thread did:
    pytest-xdist workers hung); FigureJobs then uses no worker pool."""
    import threading

    from reports.figure_jobs import FigureJobs

    stop = threading.Event()
    helper = threading.Thread(target=stop.wait)
    helper.start()
    try:
        with FigureJobs(workers=2) as jobs:
            assert jobs._pool is None
            assert jobs.map(abs, [-1, 2, -3]) == [1, 2, 3]
    finally:
        stop.set()
        helper.join()


def test_threads_started_without_the_threading_module_are_counted():
    """pytest-xdist's worker runs an I/O thread started with _thread, which
    threading.active_count() does not see; a figure worker forked beside it hung. Counted in a
    fresh process: in the test worker, threads left by earlier tests may end meanwhile."""
    code = textwrap.dedent("""
        import _thread, threading
        from reports.figure_jobs import running_threads
        before = running_threads()
        release = threading.Event()
        _thread.start_new_thread(release.wait, ())
        print(before, running_threads(), threading.active_count())
        release.set()
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    before, after, seen_by_threading = map(int, done.stdout.split())
    assert after == before + 1
    assert seen_by_threading == 1  # what threading.active_count() alone would have missed

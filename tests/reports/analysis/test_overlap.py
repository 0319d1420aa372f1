"""Overlapping cohorts (reports/analysis/overlap.py, extraction/links.py): the main analysis
keeps one arm per cluster of linked studies; the sensitivity analysis pools all of them.

The clustering and the choice of the arm kept are checked on small hand-made inputs; the
numbers are checked against a direct :func:`meta.comparison.compare` on each set of arms
(itself checked against metafor in test_comparison_against_metafor.py); the table is checked in
the PDF text (pypdf) and the HTML of the bundled library, whose RT + ICI group contains linked
studies from one hospital (li2022_rt_pd1, li2022_sbrt_camrelizumab, he2024).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from extraction.links import clusters
from meta.comparison import compare
from reports import fmt, overlap_section
from reports.analysis import overlap
from reports.plan import DEFAULT_PLAN, PlanError, load_plan

ROOT = Path(__file__).parents[3]
STUDIES = ROOT / "studies"
HOSPITAL = {"li2022_rt_pd1", "li2022_sbrt_camrelizumab", "he2024"}


def _arms(rows: list[tuple[str, str, int, int]]) -> pd.DataFrame:
    """Benchmark arms ``(study, arm, year, total)`` with labels ``study:arm``."""
    return pd.DataFrame([{"study": s, "arm": a, "label": f"{s}:{a}", "year": y, "total": n}
                         for s, a, y, n in rows])


# --- clustering --------------------------------------------------------------------------------

def test_clusters_are_connected_components_of_links_declared_in_either_direction():
    pairs = [("a", "b"), ("c", "b"), ("x", "y"), ("b", "a"), ("p", "q"), ("q", "p")]
    assert clusters(pairs) == [frozenset("abc"), frozenset("pq"), frozenset("xy")]


def test_clusters_join_chains_transitively_and_drop_self_links():
    # d-e declared only by d, e-f only by f: one cluster; a self-link is not a cluster
    assert clusters([("d", "e"), ("f", "e"), ("s", "s")]) == [frozenset("def")]
    assert clusters([]) == []


def test_bundled_library_links_the_three_hospital_series_into_one_cluster(bundled_records):
    records = bundled_records
    pairs = overlap.links(records)
    assert ("he2024", "li2022_rt_pd1") in pairs and ("li2022_rt_pd1", "he2024") in pairs
    # updated_by / updated_analysis_of are not overlap relations (handled as superseded)
    assert not any("imbrave150" in a for a, _ in pairs)
    assert HOSPITAL in clusters(pairs)


# --- the arm kept ---------------------------------------------------------------------------------

def test_the_largest_arm_of_each_cluster_is_kept_in_original_order():
    arms = _arms([("a", "x", 2020, 40), ("z", "x", 2019, 10), ("b", "x", 2021, 90),
                  ("c", "x", 2022, 60), ("p", "x", 2018, 5), ("q", "x", 2018, 7)])
    rest, dropped, kept = overlap.reduce_arms(arms, [frozenset("abc"), frozenset("pq")])
    assert list(rest["label"]) == ["z:x", "b:x", "q:x"]
    assert dropped == ("a:x", "c:x", "p:x") and kept == ("b:x", "q:x")


def test_ties_in_n_go_to_the_most_recent_year_then_the_first_id():
    arms = _arms([("a", "x", 2020, 50), ("b", "x", 2023, 50), ("c", "x", 2023, 50)])
    _, dropped, kept = overlap.reduce_arms(arms, [frozenset("abc")])
    assert kept == ("b:x",) and dropped == ("a:x", "c:x")


def test_two_arms_of_one_linked_study_count_as_one_cohort():
    arms = _arms([("a", "x", 2020, 30), ("a", "y", 2020, 35), ("b", "x", 2021, 20)])
    _, dropped, kept = overlap.reduce_arms(arms, [frozenset("ab")])
    assert kept == ("a:y",) and set(dropped) == {"a:x", "b:x"}


def test_a_cluster_with_a_single_arm_in_the_benchmark_drops_nothing():
    arms = _arms([("a", "x", 2020, 30), ("z", "x", 2021, 20)])
    rest, dropped, kept = overlap.reduce_arms(arms, [frozenset("ab")])
    assert dropped == () and kept == () and len(rest) == 2


# --- the bundled report ---------------------------------------------------------------------------

@pytest.fixture
def bundled(bundled_report):
    return bundled_report


def test_only_groups_with_linked_arms_get_a_row(bundled):
    result, _, _ = bundled
    by = {(r.outcome.id, r.group.id): r for r in result.overlaps}
    assert ("orr", "rt_ici") in by  # the RT + ICI response benchmark has two linked series
    for a in result.analyses:
        dropped = [e for e in a.exclusions if e.rule == "overlap"]
        has_row = (a.outcome.id, a.group.id) in by
        assert has_row == (bool(dropped) and a.comparison is not None), (a.outcome.id,
                                                                          a.group.id)
        present = set(a.arms["study"]) if not a.arms.empty else set()
        assert len(present & HOSPITAL) <= 1  # the main analysis keeps one arm per cluster
    assert ("orr", "tki") not in by  # no linked studies among the TKI arms


def test_main_keeps_the_largest_arm_and_the_sensitivity_pools_all(bundled):
    result, _, _ = bundled
    plan, _ = load_plan()
    for r in result.overlaps:
        a = next(x for x in result.analyses
                 if (x.outcome.id, x.group.id) == (r.outcome.id, r.group.id))
        assert a.overlap is r and r.main is a.comparison
        dropped = [e for e in a.exclusions if e.rule == "overlap"]
        assert {e.study for e in dropped} == set(r.dropped_ids)
        kept = a.arms[a.arms["study"].isin(HOSPITAL)]
        assert tuple(kept["study"]) == r.kept_ids
        assert r.comparison.benchmark.k == a.comparison.benchmark.k + len(dropped)
        main = compare(a.arms["yi"], a.arms["vi"], a.index_yi, a.index_vi, a.outcome.measure,
                       method=plan.estimator, test=plan.inference, level=plan.level)
        for name in ("estimate", "se", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2"):
            assert getattr(a.comparison.benchmark, name) == pytest.approx(
                getattr(main.benchmark, name), rel=1e-12, abs=1e-14), name
        assert r.comparison.predictive is not None and main.predictive is not None


def test_table_is_in_the_pdf_and_html_with_the_all_arms_numbers(bundled):
    result, text, html = bundled
    assert result.overlaps
    for doc in (text, html):
        assert "Pooling all overlapping cohorts" in doc
    for r in result.overlaps:
        c = r.comparison
        factor = 1 if r.outcome.kind == "median" else 100
        bench = f"{factor * c.benchmark_bt[0]:.1f}"
        ci = fmt.interval(factor * c.benchmark_bt[1], factor * c.benchmark_bt[2])
        k = f"{c.benchmark.k} (main: {r.main.benchmark.k})"
        for doc in (text, html):
            i = doc.index("Pooling all overlapping cohorts The main analysis"
                          if doc is text else "<h3>Pooling all overlapping cohorts</h3>")
            section = doc[i:i + 3000]
            assert bench in section and ci in section and k in section
            for sid in r.dropped_ids:
                assert sid.split("_")[0] in section
            if c.predictive is not None:
                assert fmt.pval(c.predictive.pval) in section


def test_reading_says_whether_a_verdict_changes(bundled):
    result, text, _ = bundled
    reading = result.context["reading"]
    assert "Pooling every arm of overlapping cohorts" in reading
    assert "Pooling every arm of overlapping cohorts" in text  # page 1
    changed = [r for r in result.overlaps if r.verdict_changes]
    if changed:
        assert "the predictive test's verdict at p < 0.05 changes for" in reading
        assert changed[0].outcome.label in reading
    else:
        assert "no verdict of the predictive test at p < 0.05 changes" in reading
    main = {(r.main.predictive.pval < 0.05) != (r.comparison.predictive.pval < 0.05)
            for r in result.overlaps if r.comparison.predictive is not None}
    assert bool(changed) == (True in main)


# --- the plan option ------------------------------------------------------------------------------

def test_plan_option_off_keeps_one_arm_per_cluster_without_the_sensitivity(bundled,
                                                                            bundled_records):
    from reports.analysis import analyse

    result, _, _ = bundled
    plan, _ = load_plan()
    assert plan.sensitivity.exclude_overlapping is True
    off = plan.model_copy(update={"sensitivity": plan.sensitivity.model_copy(
        update={"exclude_overlapping": False})})
    got = analyse(bundled_records, off, survival=False)
    assert got.overlaps == ()
    assert [a.arms["study"].tolist() for a in got.comparisons] == [
        a.arms["study"].tolist() for a in result.analyses]
    assert overlap_section.section([], off) is None
    assert overlap_section.reading([], 0.05) == ""


def test_plan_rejects_a_non_boolean_exclude_overlapping_with_its_line(tmp_path):
    old = "  exclude_overlapping: true"
    text = DEFAULT_PLAN.read_text()
    line = text.splitlines().index(old) + 1
    path = tmp_path / "plan.yaml"
    path.write_text(text.replace(old, "  exclude_overlapping: sometimes", 1))
    with pytest.raises(PlanError) as info:
        load_plan(path)
    msgs = [i.format() for i in info.value.issues]
    assert any(f":{line}:" in m and "exclude_overlapping" in m for m in msgs), msgs

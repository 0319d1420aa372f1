"""A later data cut takes the baseline characteristics it does not report from the same arm of the
analysis it updates (reports.analysis.baseline): the rule, its limits (own value wins, only
``analysis.updates``, arms matched by id, chains nearest first), the regression on the values it
fills in, and what it changes on the bundled library."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
from minimal_study import write_library

from meta.adjusted import adjusted_benchmark
from reports.analysis import analyse
from reports.analysis.baseline import (
    arm_moderator,
    characteristic_value,
    inherited_text,
    updated_chain,
)
from reports.analysis.calibrated import SEED
from reports.analysis.data import moderator_value, superseded
from reports.context import adjusted_text, caveats
from reports.plan import Moderator, Plan, load_plan
from reports.results_file import results
from reports.tables.audit import appendix, inputs_block

SRC = {"location": "abstract"}
PVTT = Moderator(id="pvtt", label="PVTT or MVI (%)", characteristic="pvtt",
                 fallback="macrovascular_invasion")
EHS = Moderator(id="ehs", label="EHS (%)", characteristic="extrahepatic_spread")


def study(sid: str, arms: dict[str, int], population: list[tuple[str, str | None, float]] = (),
          updates: str | None = None, related: list[dict] | None = None, year: int = 2020
          ) -> dict:
    """A trial file: ``arms`` {arm id: ORR events of 100}; ``population`` rows
    ``(characteristic, arm or None, percent)``."""
    doc = {"schema_version": 1, "id": sid,
           "citation": {"title": "T", "authors": [f"{sid.capitalize()} A"], "journal": "J",
                        "year": year},
           "design": "rct", "setting": {"disease": ["advanced"], "line": "first"},
           "arms": [{"id": a, "label": a.upper(), "treatment_class": "ici", "n": 100,
                     "source": dict(SRC)} for a in arms],
           "population": [{"characteristic": c, **({"arm": arm} if arm else {}), "percent": p,
                           "source": dict(SRC)} for c, arm, p in population],
           "outcomes": {"binary": [{"endpoint": "orr", "arm": a, "criteria": "recist_1.1",
                                    "events": e, "total": 100, "source": dict(SRC)}
                                   for a, e in arms.items()], "time_to_event": []},
           "curation": {"extracted_by": "test"}}
    if updates:
        doc["analysis"] = {"kind": "updated", "updates": updates}
    if related:
        doc["related"] = related
    return doc


EARLY = study("early", {"a": 20, "b": 30}, [("pvtt", "a", 20.0), ("macrovascular_invasion", None,
                                                                  40.0),
                                            ("extrahepatic_spread", "b", 30.0)])


def lib(tmp_path: Path, *docs: dict):
    records = write_library(tmp_path, list(docs))
    return records, {r.id: r for r in records}


def test_a_missing_characteristic_is_inherited_with_its_provenance(tmp_path: Path) -> None:
    records, by = lib(tmp_path, EARLY, study("late", {"a": 22, "b": 31}, updates="early"))
    got = characteristic_value(records, by["late"], "a", "pvtt")
    assert (got.value, got.characteristic, got.chain) == (20.0, "pvtt", ("late", "early"))
    assert got.provenance.study == "early" and got.provenance.used_for == "late"
    assert got.provenance.file.endswith("early.yaml")
    assert got.provenance.derived == "inherited by late (same arm id), which updates this file"
    # a whole-study row of the earlier file serves each arm, as it serves the earlier file's own
    for arm in ("a", "b"):
        mvi = characteristic_value(records, by["late"], arm, "macrovascular_invasion")
        assert mvi.value == moderator_value(by["early"], arm, "macrovascular_invasion")[0] == 40


def test_the_updating_files_own_value_wins(tmp_path: Path) -> None:
    late = study("late", {"a": 22, "b": 31}, [("pvtt", "a", 25.0)], updates="early")
    records, by = lib(tmp_path, EARLY, late)
    got = characteristic_value(records, by["late"], "a", "pvtt")
    assert (got.value, got.chain) == (25.0, ()) and got.provenance.used_for == ""
    # the earlier file is unchanged by it
    assert characteristic_value(records, by["early"], "a", "pvtt").value == 20.0


def test_no_inheritance_through_other_relations(tmp_path: Path) -> None:
    others = [study(f"o_{rel}", {"a": 22}, related=[{"study": "early", "relation": rel}])
              for rel in ("overlapping_cohort", "same_trial", "same_institution",
                          "updated_analysis_of")]
    records, by = lib(tmp_path, EARLY, *others)
    for doc in others:
        rec = by[doc["id"]]
        assert updated_chain(records, rec) == ()
        got = arm_moderator(records, rec, "a", PVTT)
        assert got.value is None and got.chain == () and got.not_inherited == ""


def test_a_different_arm_id_inherits_nothing_and_says_so(tmp_path: Path) -> None:
    records, by = lib(tmp_path, EARLY, study("late", {"c": 22}, updates="early"))
    got = arm_moderator(records, by["late"], "c", PVTT)
    # not even the earlier file's whole-study MVI: its arms are not matched to this one
    assert got.value is None and got.chain == ()
    assert got.not_inherited == ("nothing inherited from early (the analysis late updates): it "
                                 "has no arm 'c' (arms are matched by id)")


def test_a_chain_is_followed_nearest_first(tmp_path: Path) -> None:
    mid = study("mid", {"a": 21, "b": 30}, [("extrahepatic_spread", "a", 35.0)],
                updates="early")
    last = study("last", {"a": 23, "b": 32}, updates="mid")
    records, by = lib(tmp_path, EARLY, mid, last)
    assert [r.id for r in updated_chain(records, by["last"])] == ["mid", "early"]
    ehs = characteristic_value(records, by["last"], "a", "extrahepatic_spread")
    assert (ehs.value, ehs.chain) == (35.0, ("last", "mid"))  # mid's, not early's
    pvtt = characteristic_value(records, by["last"], "a", "pvtt")
    assert (pvtt.value, pvtt.chain) == (20.0, ("last", "mid", "early"))
    assert pvtt.provenance.derived == ("inherited by last (same arm id), which updates this file "
                                       "through mid")
    assert inherited_text(pvtt.chain) == "early (the analysis mid updates; last updates it " \
        "through mid)"
    # arm b: early has its EHS (mid has none for b)
    assert characteristic_value(records, by["last"], "b", "extrahepatic_spread").chain == (
        "last", "mid", "early")


def test_a_cycle_ends_the_chain(tmp_path: Path) -> None:
    x = study("x", {"a": 20}, updates="y")
    y = study("y", {"a": 21}, updates="x")
    records, by = lib(tmp_path, x, y)
    assert [r.id for r in updated_chain(records, by["x"])] == ["y"]
    assert arm_moderator(records, by["x"], "a", PVTT).value is None


def test_the_primary_characteristic_of_an_earlier_cut_comes_before_an_own_fallback(
        tmp_path: Path) -> None:
    late = study("late", {"a": 22, "b": 31}, [("macrovascular_invasion", "a", 45.0)],
                 updates="early")
    records, by = lib(tmp_path, EARLY, late)
    a = arm_moderator(records, by["late"], "a", PVTT)
    assert (a.value, a.characteristic, a.chain) == (20.0, "pvtt", ("late", "early"))
    # arm b: no data cut reports its PVTT, so the fallback: late's own? none for b -> early's
    b = arm_moderator(records, by["late"], "b", PVTT)
    assert (b.value, b.characteristic, b.chain) == (40.0, "macrovascular_invasion",
                                                    ("late", "early"))


# ---- the regression on inherited values equals meta.adjusted on those values -------------------

# five trials with a later data cut that repeats no baseline table, two single analyses; each
# earlier file reports ORR too (the later one replaces it)
PAIRS = [("t1", 18, 22, 10.0), ("t2", 25, 27, 25.0), ("t3", 30, 33, 35.0), ("t4", 38, 40, 50.0),
         ("t5", 45, 47, 60.0)]
SINGLE = [("s1", 28, 30.0), ("s2", 41, 55.0)]


def regression_library(tmp_path: Path):
    docs = [study("index", {"a": 50}, [("pvtt", None, 45.0)], year=2025)]
    for sid, early_orr, late_orr, pct in PAIRS:
        docs.append(study(f"{sid}_early", {"a": early_orr}, [("pvtt", None, pct)], year=2018))
        docs.append(study(f"{sid}_late", {"a": late_orr}, updates=f"{sid}_early", year=2021))
    docs += [study(sid, {"a": orr}, [("pvtt", "a", pct)]) for sid, orr, pct in SINGLE]
    return write_library(tmp_path, docs)


def test_the_adjusted_benchmark_on_inherited_values_is_meta_adjusted_on_them(
        tmp_path: Path) -> None:
    records = regression_library(tmp_path)
    plan = Plan(title="t", index={"study": "index", "arm": "a"},
                groups=[{"id": "g", "label": "G", "treatment_classes": ["ici"]}],
                outcomes=[{"id": "orr", "label": "ORR", "kind": "proportion", "endpoint": "orr"}],
                moderators=[PVTT.model_dump()], decision_draws=300)
    result = analyse(records, plan, survival=False)
    (a,) = result.comparisons
    (mix,) = a.casemix_adjusted
    r = mix.result
    # the pooled arms are the later cuts and the single analyses; the earlier cuts are replaced
    assert set(superseded(records)) == {f"{s}_early" for s, *_ in PAIRS}
    assert sorted(a.arms["study"]) == sorted([f"{s}_late" for s, *_ in PAIRS]
                                             + [s for s, *_ in SINGLE])
    assert r.done and r.k == 7 and mix.not_inherited == ()
    inherited = {i.arm: i.chain for i in mix.inherited}
    assert inherited == {f"{s.capitalize()}_late 2021": (f"{s}_late", f"{s}_early")
                         for s, *_ in PAIRS}
    # independently: logit ORR and its variance per arm, PVTT as the files state it
    rows = [(late, pct) for _, _, late, pct in PAIRS] + [(orr, pct) for _, orr, pct in SINGLE]
    yi = [math.log(e / (100 - e)) for e, _ in rows]
    vi = [1 / e + 1 / (100 - e) for e, _ in rows]
    x = [pct for _, pct in rows]
    labels = [f"{s.capitalize()}_late 2021" for s, *_ in PAIRS] + [
        f"{s.capitalize()} 2020" for s, *_ in SINGLE]
    order = [r.arms.index(lab) for lab in labels]
    assert np.allclose(np.asarray(r.yi)[order], yi)
    direct = adjusted_benchmark(yi, vi, {"pvtt": x}, math.log(50 / 50), 1 / 50 + 1 / 50,
                                {"pvtt": 45.0}, method=plan.estimator, test=plan.inference,
                                level=plan.level, min_k=plan.min_studies_metareg,
                                draws=plan.decision_draws, seed=SEED)
    assert direct.done
    for name in ("predicted", "se", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2",
                 "pval_adjusted"):
        assert math.isclose(getattr(r, name), getattr(direct, name), rel_tol=1e-9,
                            abs_tol=1e-12), name
    assert r.verdict_adjusted == direct.verdict_adjusted
    assert math.isclose(r.slopes[0].estimate, direct.slopes[0].estimate, rel_tol=1e-9)
    # without the rule only the two single analyses have a value: too few for the regression
    assert len(mix.sources) - len(mix.inherited) == len(SINGLE) < plan.min_studies_metareg
    text = adjusted_text(a, mix)
    assert "INHERITED from an earlier data cut" in text and "5 of the 7 arm(s)" in text
    assert ("T3_late 2021: portal vein tumour thrombosis from t3_early (the analysis t3_late "
            "updates)") in text
    js = json.loads(json.dumps(results(result), allow_nan=False))["comparisons"][0]
    (rec,) = js["casemix_adjusted"]
    assert {"arm": "T1_late 2021", "characteristic": "pvtt", "from": "t1_early",
            "chain": ["t1_late", "t1_early"]} in rec["inherited"]
    assert rec["not_inherited"] == []
    index = next(x for x in records if x.id == "index")
    assert any(c.startswith("Case-mix values from an earlier data cut") and
               "t2_late from t2_early" in c for c in caveats(index, plan, [a]))
    # the audit appendix lists an inherited number as used (by the later cut's arm), in the
    # earlier file's block, with the derivation
    audit = appendix(result, {x.id: x.id for x in records}, tmp_path / "out")
    assert audit["not_used"] == []
    block = next(b for b in audit["studies"] if b["label"] == "t4_early")
    assert any("inherited by t4_late (same arm id)" in d for row in block["rows"]
               for d in row["derived"])
    # and the inputs block of the comparison shows it under the later cut's arm
    inputs = str(inputs_block(a, result.outcomes[0].provenance))
    assert "T4_late 2021: events 40, total 100, percent 50" in inputs


def test_a_later_cut_with_other_arm_ids_is_shown_not_guessed(tmp_path: Path) -> None:
    docs = [study("index", {"a": 50}, [("pvtt", None, 45.0)], year=2025)]
    for i, (sid, early_orr, late_orr, pct) in enumerate(PAIRS):
        docs.append(study(f"{sid}_early", {"a": early_orr}, [("pvtt", None, pct)], year=2018))
        docs.append(study(f"{sid}_late", {"b" if i == 0 else "a": late_orr},
                          updates=f"{sid}_early", year=2021))
    docs += [study(sid, {"a": orr}, [("pvtt", "a", pct)]) for sid, orr, pct in SINGLE]
    plan = Plan(title="t", index={"study": "index", "arm": "a"},
                groups=[{"id": "g", "label": "G", "treatment_classes": ["ici"]}],
                outcomes=[{"id": "orr", "label": "ORR", "kind": "proportion", "endpoint": "orr"}],
                moderators=[PVTT.model_dump()], decision_draws=300)
    result = analyse(write_library(tmp_path, docs), plan, survival=False)
    (a,) = result.comparisons
    (mix,) = a.casemix_adjusted
    # t1's later cut (arm b) is pooled without a value: left out of the regression, and why;
    # its earlier cut's arm a is not replaced (no arm a in the later cut) and keeps its own value
    assert "t1_early" in set(a.arms["study"])
    assert mix.result.k == 7 and mix.result.dropped == ("T1_late 2021",)
    assert "T1_late 2021" not in {i.arm for i in mix.inherited}
    assert mix.not_inherited == (("T1_late 2021", "nothing inherited from t1_early (the analysis "
                                  "t1_late updates): it has no arm 'b' (arms are matched by "
                                  "id)"),)
    assert "NOT INHERITED: T1_late 2021: nothing inherited from t1_early" in adjusted_text(a, mix)
    js = json.loads(json.dumps(results(result), allow_nan=False))["comparisons"][0]
    assert js["casemix_adjusted"][0]["not_inherited"][0]["arm"] == "T1_late 2021"


# ---- the bundled library -------------------------------------------------------------------------

def _own_or_inherited(records, plan):
    """Per (study, arm) of an updating file: the moderators it inherits, computed from the
    files (the arm reports neither characteristic; the updated file's same arm does)."""
    by = {r.id: r for r in records}
    out = {}
    for rec in records:
        early = by.get(rec.study.analysis.updates or "")
        if early is None:
            continue
        for arm in rec.study.arms:
            if arm.id not in {x.id for x in early.study.arms}:
                continue
            for m in plan.moderators:
                chars = [c for c in (m.characteristic, m.fallback) if c]
                if any(moderator_value(rec, arm.id, c)[1] for c in chars):
                    continue
                got = next((c for c in chars if moderator_value(early, arm.id, c)[1]), None)
                if got:
                    out[(rec.id, arm.id, m.id)] = got
    return out


def test_the_bundled_library_counts_the_inherited_arms(bundled_report, bundled_records) -> None:
    result, _pdf, html = bundled_report
    plan, _ = load_plan(None)
    expect = _own_or_inherited(bundled_records, plan)
    # IMbrave150's later analysis (cheng2022) takes MVI and EHS from finn2020, for both arms
    assert {(s, a) for s, a, _ in expect} >= {("cheng2022_imbrave150", "atezo_bev"),
                                              ("cheng2022_imbrave150", "sorafenib")}
    seen = 0
    for a in result.analyses:
        ids = dict(zip(a.arms["label"], zip(a.arms["study"], a.arms["arm"], strict=True),
                       strict=True)) if not a.arms.empty else {}
        for mix in a.casemix_adjusted or ():
            got = {i.arm: i.characteristic for i in mix.inherited if i.arm != "index"}
            want = {lab: expect[(*ids[lab], mix.covariate)] for lab in ids
                    if (*ids[lab], mix.covariate) in expect}
            assert got == want, (a.outcome.id, a.group.id, mix.covariate)
            seen += len(got)
            # the inherited arms are counted in k (the regression's arms with a value)
            assert mix.result.k == len(mix.sources) >= len(got)
            if mix.result.done or not got:
                continue
            # not estimated: the reason names the count, lists the arms and the inherited ones
            text = adjusted_text(a, mix)
            assert f"{mix.result.k} arm(s) have a value" in text or (
                f"{mix.result.k} arm(s) report" in text)
            listed = text.split(f"arms with a value ({len(got)} inherited from an earlier "
                                "data cut): ", 1)[1]
            assert listed.startswith(", ".join(
                arm + (" [from finn2020_imbrave150]" if arm in got else "")
                for arm, _ in mix.sources))
    assert seen > 0
    assert re.search(r"Case-mix values from an earlier data cut: .*cheng2022_imbrave150 from "
                     r"finn2020_imbrave150", html)
    assert "[from finn2020_imbrave150]" in html

"""`hccmeta diff` pairs arms by meaning and normalises what means the same (issue 13): two
extractions of one paper with different arm ids, another arm order, an omitted ``not_reported``
and a percent written as a proportion agree 100%; real differences still show."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from extraction.audit import diff_records, load_extraction
from extraction.audit.agreement import cohen_kappa
from extraction.audit.arm_pairing import pair_arms
from reports.cli import app

ROOT = Path(__file__).resolve().parents[3]
IMBRAVE = ROOT / "studies" / "finn2020_imbrave150.yaml"


def _second_extraction(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "b" / IMBRAVE.name
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    return path


def _renamed(text: str) -> str:
    """Another extractor's ids: atezo_bev -> combo, sorafenib -> control (everywhere)."""
    text = re.sub(r"\batezo_bev\b", "combo", text)
    return re.sub(r"(id|arm|reference): sorafenib\b", r"\1: control", text)


def test_identical_numbers_under_other_arm_ids_agree_fully(tmp_path):
    b = _second_extraction(tmp_path, _renamed(IMBRAVE.read_text(encoding="utf-8")))
    before = len(re.findall(r"\bcombo\b", b.read_text(encoding="utf-8")))
    assert before > 5  # the renaming touched outcomes, not only the arm list
    result = diff_records(load_extraction(IMBRAVE), load_extraction(b))
    assert result.agreement == 1.0 and result.numeric_total > 50
    assert result.differences == () and result.only_a == () and result.only_b == ()
    assert {(p.a_id, p.b_id) for p in result.pairing.pairs} == {("atezo_bev", "combo"),
                                                                 ("sorafenib", "control")}
    assert result.kappa == 1.0
    out = CliRunner().invoke(app, ["diff", str(IMBRAVE), str(b)])
    assert out.exit_code == 0
    assert "arms: B 'combo' paired with A 'atezo_bev' (class ici+vegf, n 336" in out.stdout
    assert out.stdout.splitlines()[-1].endswith("(100.0%)")


def test_arm_order_omitted_not_reported_and_percent_scale_are_not_differences(tmp_path):
    text = IMBRAVE.read_text(encoding="utf-8")
    # another order of arms: move the sorafenib arm block before the combination
    start = text.index("  - id: atezo_bev")
    middle = text.index("  - id: sorafenib")
    end = text.index("population:")
    swapped = text[:start] + text[middle:end] + text[start:middle] + text[end:]
    b_text = _renamed(swapped).replace("    percent: 2\n", "    percent: 0.02\n", 1)
    b_text = b_text.replace("treatment_class: ici+vegf\n",
                            "treatment_class: ici+vegf\n    rt_technique: null\n", 1)
    b = _second_extraction(tmp_path, b_text)
    result = diff_records(load_extraction(IMBRAVE), load_extraction(b))
    assert result.differences == () and result.only_b == ()
    assert [d.key for d in result.normalised] == ["population[bclc_a/atezo_bev].percent"]
    assert result.agreement == 1.0


def test_a_real_difference_and_an_unmatched_arm_still_show(tmp_path):
    text = _renamed(IMBRAVE.read_text(encoding="utf-8"))
    text = text.replace("treatment_class: tki\n    n: 165", "treatment_class: placebo\n    n: 160")
    text = text.replace("location: secondary", "location: text", 1)
    b = _second_extraction(tmp_path, text)
    result = diff_records(load_extraction(IMBRAVE), load_extraction(b))
    assert result.pairing.only_a == ("sorafenib",) and result.pairing.only_b == ("control",)
    assert result.agreement < 1.0 and result.kappa is not None and result.kappa < 1.0
    out = CliRunner().invoke(app, ["diff", str(IMBRAVE), str(b)])
    assert out.exit_code == 1
    assert "arms: 'sorafenib' only in A" in out.stdout
    assert "arms: 'control' only in B" in out.stdout


def test_pairing_prefers_class_and_size_over_ids_and_order():
    a = [{"id": "x", "treatment_class": "tki", "n": 150, "label": "Sorafenib"},
         {"id": "y", "treatment_class": "placebo", "n": 76, "label": "Placebo"}]
    b = [{"id": "y", "treatment_class": "tki", "n": 150, "label": "Sorafenib 400 mg"},
         {"id": "x", "treatment_class": "placebo", "n": 76, "label": "placebo"}]
    pairing = pair_arms(a, b)
    assert {(p.a_id, p.b_id) for p in pairing.pairs} == {("x", "y"), ("y", "x")}
    assert pairing.b_to_a() == {"y": "x", "x": "y"}


def test_cohen_kappa_against_hand_computed_values():
    # 2x2 table a=20 b=5 c=10 d=15: p_o = 0.7, p_e = 0.5*0.6 + 0.5*0.4 = 0.5, kappa = 0.4
    pairs = [("y", "y")] * 20 + [("y", "n")] * 5 + [("n", "y")] * 10 + [("n", "n")] * 15
    assert abs(cohen_kappa(pairs) - 0.4) < 1e-12
    assert cohen_kappa([("a", "a")] * 3) is None  # one category: undefined
    assert cohen_kappa([]) is None

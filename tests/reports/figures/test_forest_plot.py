"""The forest plot as a reviewer reads it: measured in the SVG it writes, not only in its frame.

Box area follows the weight (RevMan), the CI panel has at least 45% of the width (metafor and
RevMan give it about half), labels are wrapped and never cut, no pooled row for a single study,
subgroup diamonds with the test for subgroup differences, literal text (no mathtext), and
``hccmeta pool --forest`` writes valid SVG, PDF and PNG files.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from meta.comparison import pool
from meta.subgroups import subgroup_analysis
from reports.cli import app
from reports.figures.forest import plot_forest
from reports.figures.forest_frame import build_forest_frame
from reports.figures.style import text_width

SVG = "{http://www.w3.org/2000/svg}"
LONG = ("Abou-Alfa 2022 (HIMALAYA): STRIDE (tremelimumab 300 mg once + durvalumab 1500 mg "
        "every 4 weeks)")


def _studies(yi, vi, labels, groups=None) -> tuple[pd.DataFrame, object]:
    bench = pool(yi, vi, "REML", "z", 95.0)
    z = 1.959963984540054
    rows = []
    for i, (y, v, lab) in enumerate(zip(yi, vi, labels, strict=True)):
        rows.append({"label": lab, "left": f"{10 + i}/{50 + i}", "criteria": "RECIST 1.1",
                     "est": y, "lb": y - z * np.sqrt(v), "ub": y + z * np.sqrt(v),
                     "w": bench.weights_pct[i] if bench.k > 1 else 100.0,
                     "group": groups[i] if groups else ""})
    return pd.DataFrame(rows), bench


def _svg_texts(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def _squares(svg: str) -> list[float]:
    """Sides (pt) of the square markers in the SVG (one per study box), in drawing order:
    axis-aligned closed 4-point paths of the marker collections, whether matplotlib writes
    them as absolute paths or as one relative definition per size."""
    root = ET.fromstring(svg)
    sides = []
    for group in root.iter(f"{SVG}g"):
        if not group.get("id", "").startswith("PathCollection"):
            continue
        for path in group.iter(f"{SVG}path"):
            xy = np.array(re.findall(r"-?[\d.]+", path.get("d", "")), float).reshape(-1, 2)
            if len(xy) != 4:
                continue
            xs, ys = np.unique(np.round(xy[:, 0], 4)), np.unique(np.round(xy[:, 1], 4))
            if len(xs) == 2 and len(ys) == 2 and np.isclose(np.ptp(xs), np.ptp(ys), rtol=1e-3):
                sides.append(float(np.ptp(xs)))
    return [s for s in sides if s > 0]


@pytest.fixture()
def five(tmp_path):
    yi = [0.10, 0.35, -0.20, 0.05, 0.30]
    vi = [0.010, 0.040, 0.090, 0.020, 0.005]
    labels = [LONG, "Li 2022", "clincancerres2023_sbrt_pvtt: SBRT + camrelizumab + apatinib",
              "Kim 2024", "Chen 2023 ($x^2$ and 50% of_them)"]
    studies, bench = _studies(yi, vi, labels)
    frame = build_forest_frame(studies, bench, measure="GEN",
                               index={"label": "Zhai 2025 (index, not pooled)", "left": "81/108",
                                      "est": 0.6, "lb": 0.5, "ub": 0.7})
    path = tmp_path / "f.svg"
    return frame, plot_forest(frame, path, xlabel="log ratio ($\\beta$)"), path, bench


def test_box_area_is_proportional_to_weight_in_the_svg(five):
    _, drawn, path, bench = five
    sides = _squares(path.read_text())
    assert len(sides) == bench.k
    areas = np.array(sides) ** 2
    weights = np.array(bench.weights_pct)
    # drawing order = frame order; area / weight is one constant (RevMan: area ∝ weight)
    ratio = areas / weights
    assert ratio == pytest.approx(np.full(bench.k, ratio[0]), rel=1e-3)
    assert max(sides) == pytest.approx(10.0, rel=1e-3)  # the heaviest study's box
    studies = drawn[drawn["kind"] == "study"]
    assert studies["box"].to_numpy() == pytest.approx(areas, rel=1e-3)


def test_ci_panel_takes_at_least_45_percent_of_the_width(five):
    _, drawn, path, _ = five
    root = ET.parse(path).getroot()
    width = float(root.get("width").removesuffix("pt"))
    axes = root.find(f".//{SVG}g[@id='axes_1']")
    patch = axes.find(f"{SVG}g/{SVG}path")  # the axes background rectangle
    xs = [float(x) for x in re.findall(r"([\d.]+) [\d.]+", patch.get("d"))]
    share = (max(xs) - min(xs)) / width
    assert share >= 0.45
    assert share == pytest.approx(drawn.attrs["panel_share"], abs=0.005)


def test_labels_are_wrapped_never_cut(five):
    frame, drawn, path, _ = five
    texts = _svg_texts(path)
    assert not any("…" in t for t in texts)
    for label, lines in zip(frame["label"], drawn["lines"], strict=True):
        assert "".join(lines.split()) == "".join(label.split())  # every character drawn
        for line in lines.split("\n"):
            assert line in texts
    long = drawn[drawn["label"] == LONG].iloc[0]
    assert long["lines"].count("\n") >= 1  # wrapped, not cut
    # each line fits the label column (the first text column ends before the n/N column)
    width = max(text_width(line, 7.5) for line in long["lines"].split("\n"))
    assert width < (1 - 0.46) * drawn.attrs["width"] / 2


def test_user_text_is_literal_not_mathtext(five):
    _, _, path, _ = five
    texts = _svg_texts(path)
    assert any("$x^2$" in t for t in texts)
    assert "log ratio ($\\beta$)" in texts


def test_the_index_study_is_drawn_apart_and_not_pooled(five):
    frame, drawn, _, bench = five
    index = drawn[drawn["kind"] == "index"].iloc[0]
    first_study = drawn[drawn["kind"] == "study"].iloc[0]
    assert drawn.index[drawn["kind"] == "index"][0] == 0
    gap = index["y"] - first_study["y"]
    step = first_study["y"] - drawn[drawn["kind"] == "study"].iloc[1]["y"]
    assert gap > min(step, 0.16)  # a visible gap below the index row
    overall = frame[frame["kind"] == "overall"].iloc[0]
    assert overall["label"] == f"Pooled, REML (k = {bench.k})"
    assert overall["est"] == pytest.approx(bench.estimate)


def test_no_pooled_row_prediction_interval_or_heterogeneity_for_one_study(tmp_path):
    studies, bench = _studies([0.2], [0.04], ["Only 2020"])
    frame = build_forest_frame(studies, bench, measure="GEN")
    assert list(frame["kind"]) == ["study"]
    drawn = plot_forest(frame, tmp_path / "one.svg")
    assert not any("Pooled" in t for t in _svg_texts(tmp_path / "one.svg"))
    assert len(drawn) == 1


def test_subgroup_diamonds_and_the_test_for_subgroup_differences(tmp_path):
    yi = [0.1, 0.3, 0.5, 0.9, 0.8]
    vi = [0.02, 0.03, 0.02, 0.04, 0.05]
    groups = ["A", "A", "B", "B", "C"]
    studies, bench = _studies(yi, vi, [f"S{i}" for i in range(5)], groups)
    subs = {g: (pool([y for y, gg in zip(yi, groups, strict=True) if gg == g],
                     [v for v, gg in zip(vi, groups, strict=True) if gg == g], "REML", "z", 95.0)
                if groups.count(g) > 1 else None) for g in "ABC"}
    sg = subgroup_analysis(yi, vi, groups, method="REML")
    frame = build_forest_frame(studies, bench, measure="GEN", by="group", subgroups=subs,
                               between=(sg.Q_between, sg.Q_between_df, sg.Q_between_pval))
    kinds = list(frame["kind"])
    assert kinds.count("header") == 3
    assert kinds.count("subgroup") == 2  # C has one study: no subtotal diamond
    sub_a = frame[frame["kind"] == "subgroup"].iloc[0]
    assert sub_a["est"] == pytest.approx(subs["A"].estimate)
    assert sub_a["w"] == pytest.approx(sum(bench.weights_pct[:2]))
    test = frame[frame["label"].str.startswith("Test for subgroup differences")].iloc[0]
    assert f"Q = {sg.Q_between:.2f} on 2 df" in test["label"]
    plot_forest(frame, tmp_path / "sub.svg")
    texts = _svg_texts(tmp_path / "sub.svg")
    assert test["label"] in texts


@pytest.fixture()
def pool_csv(tmp_path: Path) -> Path:
    path = tmp_path / "orr.csv"
    path.write_text("study,xi,ni,region\n"
                    "\"Smith 2020 (a long trial name: phase 2, $x$)\",12,40,Asia\n"
                    "Jones 2021,30,80,Asia\nLi 2022,9,50,Europe\nKim 2023,22,45,Europe\n",
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("suffix", ["svg", "pdf", "png"])
def test_pool_forest_writes_a_valid_file(tmp_path, pool_csv, suffix):
    out = tmp_path / f"forest.{suffix}"
    res = CliRunner().invoke(app, ["pool", "--csv", str(pool_csv), "--measure", "PLO", "--by",
                                   "region", "--forest", str(out)])
    assert res.exit_code == 0, res.output
    data = out.read_bytes()
    if suffix == "svg":
        texts = _svg_texts(out)
        assert "Pooled, REML (k = 4)" in texts
        assert any(t.startswith("Test for subgroup differences: Q = ") for t in texts)
        assert "12/40" in texts
    elif suffix == "pdf":
        from io import BytesIO

        from pypdf import PdfReader

        reader = PdfReader(BytesIO(data))
        assert len(reader.pages) == 1
        assert "Pooled, REML (k = 4)" in reader.pages[0].extract_text()
    else:
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        assert width > 1000 and height > 300


def test_pool_forest_rejects_an_unknown_format(tmp_path, pool_csv):
    res = CliRunner().invoke(app, ["pool", "--csv", str(pool_csv), "--measure", "PLO",
                                   "--forest", str(tmp_path / "forest.txt")])
    assert res.exit_code == 2
    assert "--forest: expected a file name ending in .svg, .pdf or .png" in res.output
    assert not (tmp_path / "forest.txt").exists()

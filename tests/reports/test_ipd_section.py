"""The survival section with digitized curves: pseudo-IPD reconstructed and compared.

The curves are SYNTHETIC (simulated trials, perfectly digitized) added to copies of three study
files in a temporary library; nothing here enters studies/.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from extraction.km.simulate import digitize_clean, risk_table, simulate_arm
from reports.build import build_report

STUDIES = Path(__file__).parents[2] / "studies"
ARMS = {"zhai2025": ("rt_ici", 108, 20.0), "kim2024": ("nivo_ebrt", 50, 14.0),
        "chen2023": ("sbrt_sintilimab", 25, 12.0)}


def _with_curve(lib: Path, sid: str, rng: np.random.Generator) -> None:
    arm, n, scale = ARMS[sid]
    time, event = simulate_arm(rng, n, scale=scale, accrual=12, followup=18)
    t, s = digitize_clean(time, event)
    (lib / "km").mkdir(exist_ok=True)
    rows = "\n".join(f"{a:.4f},{b:.6f}" for a, b in zip(t, s, strict=True))
    (lib / "km" / f"{sid}_os.csv").write_text("time,survival\n" + rows + "\n")
    grid, at_risk = risk_table(time, 6.0)
    table = ", ".join(f"[{g:g}, {int(r)}]" for g, r in zip(grid, at_risk, strict=True))
    text = (lib / f"{sid}.yaml").read_text()
    assert "\ncurves:" not in text
    block = (f"curves:\n  - endpoint: os\n    arm: {arm}\n    file: km/{sid}_os.csv\n"
             f"    risk_table: [{table}]\n    total_events: {int(event.sum())}\n"
             "    source:\n      location: figure\n      label: Figure 2\n")
    text = text.replace("\ncuration:", "\n" + block + "curation:", 1)
    (lib / f"{sid}.yaml").write_text(text)


def test_reconstructed_curves_give_two_and_one_stage_comparisons(tmp_path):
    lib = tmp_path / "studies"
    lib.mkdir()
    rng = np.random.default_rng(7)
    for sid in ARMS:
        shutil.copy(STUDIES / f"{sid}.yaml", lib / f"{sid}.yaml")
        _with_curve(lib, sid, rng)
    result = build_report(lib, None, tmp_path / "out")
    surv = result.context["survival"]
    kinds = {r[1] for r in surv["rows"]}
    assert "RMST to 24 months (two-stage)" in kinds
    assert "Cox, index vs historical (one-stage; orientation only)" in kinds
    # One index study: no clustered robust SE (biased downwards, review finding 1); the text
    # says the model-based SE ignores between-study heterogeneity.
    cox_row = next(r for r in surv["rows"] if r[1].startswith("Cox"))
    assert "robust" not in cox_row[4]
    assert "p =" not in cox_row[4] and "p <" not in cox_row[4]  # no test (review finding 1)
    assert "ignores between-study heterogeneity" in surv["text"]
    assert "not a valid test" in surv["text"]
    assert all("reconstructed from the digitized curve" in r[-1] for r in surv["rows"])
    assert all("APPROXIMATE" not in f["caption"] for f in surv["figures"])
    assert (tmp_path / "out" / "figures" / "km_os_reconstructed.svg").exists()


def test_malformed_curve_exits_2_with_the_csv_line(tmp_path):
    from typer.testing import CliRunner

    from reports.cli import app

    lib = tmp_path / "studies"
    lib.mkdir()
    rng = np.random.default_rng(3)
    for sid in ("zhai2025", "kim2024"):
        shutil.copy(STUDIES / f"{sid}.yaml", lib / f"{sid}.yaml")
        _with_curve(lib, sid, rng)
    csv = lib / "km" / "kim2024_os.csv"
    lines = csv.read_text().splitlines()
    lines[3] = "0.5,abc"
    csv.write_text("\n".join(lines) + "\n")
    res = CliRunner().invoke(app, ["report", "--studies", str(lib), "--out",
                                   str(tmp_path / "out")])
    assert res.exit_code == 2, res.output
    assert "kim2024_os.csv:4" in res.output and "Traceback" not in res.output


def test_superseded_analysis_curve_is_used_only_where_the_update_has_none(tmp_path):
    """One rule for superseded analyses (dataset.replaced_by), also for curves: the update's
    OS curve replaces the primary analysis's arm for OS, not for PFS."""
    from extraction import load_paths
    from reports.analysis.survival import arms_with_curves as _arms
    from reports.plan import DEFAULT_PLAN, load_plan

    lib = tmp_path / "studies"
    (lib / "km").mkdir(parents=True)
    for sid in ("zhai2025", "finn2020_imbrave150", "cheng2022_imbrave150"):
        shutil.copy(STUDIES / f"{sid}.yaml", lib / f"{sid}.yaml")
    primary = lib / "finn2020_imbrave150.yaml"  # drop its IPD: this test gives the arm a curve
    text = primary.read_text()
    primary.write_text(text[:text.index("\nipd:\n")] + text[text.index("\ncuration:"):])
    (lib / "km" / "os.csv").write_text("time,survival\n0,1\n12,0.6\n")
    for sid, endpoint in (("cheng2022_imbrave150", "os"), ("finn2020_imbrave150", "os"),
                          ("finn2020_imbrave150", "pfs")):
        path = lib / f"{sid}.yaml"
        text = path.read_text()
        entry = (f"  - endpoint: {endpoint}\n    arm: atezo_bev\n    file: km/os.csv\n"
                 "    source: {location: figure, label: Figure 1}\n")
        text = (text.replace("\ncuration:", "\ncurves:\n" + entry + "curation:", 1)
                if "\ncurves:\n" not in text else text.replace("\ncurves:\n",
                                                                 "\ncurves:\n" + entry, 1))
        path.write_text(text)
    records, issues = load_paths([lib])
    assert not issues, [i.format() for i in issues]
    plan, _ = load_plan(DEFAULT_PLAN)
    os_arms = {(rec.id, arm.id) for rec, arm, _, _ in _arms(records, plan, "os")}
    pfs_arms = {(rec.id, arm.id) for rec, arm, _, _ in _arms(records, plan, "pfs")}
    assert ("cheng2022_imbrave150", "atezo_bev") in os_arms
    assert ("finn2020_imbrave150", "atezo_bev") not in os_arms  # replaced by the update
    assert ("finn2020_imbrave150", "atezo_bev") in pfs_arms  # the update has no PFS curve

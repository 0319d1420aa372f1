"""Issue 15: ``$\\foo$`` in a trial name, author, plan label or citation is drawn as written, not
parsed as matplotlib mathtext (a traceback, or a forged formula)."""

from __future__ import annotations

import shutil

from hostile_helpers import STUDIES

from reports.build import build_report
from reports.plan import DEFAULT_PLAN

DOLLARS = r"$\foo{x}$ and $\bar$"


def test_dollar_strings_in_studies_and_plan_labels_build_and_print_verbatim(tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    for sid in ("zhai2025", "kim2024", "chen2023"):
        shutil.copy(STUDIES / f"{sid}.yaml", lib)
    text = (lib / "kim2024.yaml").read_text(encoding="utf-8")
    first = text.split("authors: [", 1)[1].split(",", 1)[0].split("]", 1)[0]
    text = text.replace(f"authors: [{first}", f"authors: ['{DOLLARS}'", 1)
    (lib / "kim2024.yaml").write_text(text, encoding="utf-8")
    plan = tmp_path / "plan.yaml"
    plan.write_text(DEFAULT_PLAN.read_text(encoding="utf-8").replace(
        'label: "Objective response rate"', f"label: '{DOLLARS} rate'").replace(
        "    references: [", "    # references: ["),  # this library has no reference lines
        encoding="utf-8")
    build_report(lib, plan, tmp_path / "out")
    svgs = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "out" / "figures").glob(
        "forest_orr_*.svg"))
    assert r"$\foo{x}$" in svgs

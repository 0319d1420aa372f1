"""Speed of the audit: the shipped library and a synthetic library of many study files.

Run: .venv/bin/python benchmarks/bench_audit.py   (prints figures; not part of the test suite)
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from extraction import load_paths
from extraction.audit import audit_records, build_trail

ROOT = Path(__file__).resolve().parents[1]
CLEAN = ROOT / "tests" / "audit" / "cases" / "clean" / "clean2020.yaml"


def best_of(repeats: int, func) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    start = time.perf_counter()
    records, issues = load_paths([ROOT / "studies"])
    load_s = time.perf_counter() - start
    audit_s = best_of(5, lambda: audit_records(records))
    findings = audit_records(records)
    trail_s = best_of(5, lambda: build_trail(records, findings))
    numbers = len(build_trail(records, findings).rows)
    print(f"studies/: {len(records)} files, {numbers} numbers, {len(findings)} findings, "
          f"{len(issues)} invalid")
    print(f"  load {load_s * 1000:.1f} ms, audit {audit_s * 1000:.1f} ms (best of 5), "
          f"trail {trail_s * 1000:.1f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        text = CLEAN.read_text(encoding="utf-8")
        for i in range(200):
            sid = f"bench{i:04d}"
            (Path(tmp) / f"{sid}.yaml").write_text(
                text.replace("id: clean2020", f"id: {sid}").replace(
                    "10.9999/clean.2020", f"10.9999/bench.{i}").replace(
                    "NCT00000001", f"NCT{i:08d}").replace(
                    "Test Hospital", f"Hospital {i}"), encoding="utf-8")
        start = time.perf_counter()
        many, _ = load_paths([Path(tmp)])
        load_many = time.perf_counter() - start
        audit_many = best_of(3, lambda: audit_records(many))
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"synthetic: {len(many)} files of {CLEAN.stat().st_size} bytes: load "
          f"{load_many * 1000:.0f} ms, audit {audit_many * 1000:.0f} ms "
          f"({audit_many / len(many) * 1e6:.0f} us per file)")


if __name__ == "__main__":
    main()

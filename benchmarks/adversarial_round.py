"""A fresh adversarial round (issue 15) over the commands validate, audit, diff, new, schema and
report: about 120 hostile inputs and faults, each run once and classified as

- handled: the expected exit code, no traceback, every check on the output holds;
- traceback: a Python traceback (an uncaught exception);
- silent: exit 0 (or the expected code) although the input is wrong, or an output check fails
  (a silent wrong result, a forged line, a lost file);
- wrong exit: another non-zero code than expected, or non-zero where 0 was expected.

Run: ``.venv/bin/python benchmarks/adversarial_round.py`` (about two minutes; prints the counts and
every case that is not handled). Not part of the test suite: the findings it produced are tests
under tests/hostile/.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from minimal_study import MINIMAL_STUDY  # noqa: E402

STUDIES = ROOT / "studies"
PLAN = ROOT / "reports" / "plans" / "default.yaml"
CODE = "import sys; from reports.cli import main; sys.argv[0] = 'hccmeta'; main()"
ORR = ("outcomes:\n  binary:\n    - endpoint: orr\n      arm: a\n      criteria: mrecist\n"
       "      percent: {p}\n      source:\n        location: abstract\n")
DERIVED = "      derived:\n        percent: from a figure\n"
TTE = ("outcomes:\n  time_to_event:\n    - endpoint: os\n      arm: a\n      unit: {unit}\n"
       "      median: {m}\n      ci_lower: {lo}\n      source:\n        location: abstract\n")


@dataclass
class Case:
    name: str
    setup: Callable[[Path], list[str]]
    expect: int
    check: Callable[[Path, str, str], bool] = field(default=lambda d, o, e: True)
    shell_suffix: str = ""
    timeout: float = 120


def study(sid: str = "x2020", old: str = "", new: str = "", tail: str = "") -> str:
    text = MINIMAL_STUDY.format(id=sid)
    if old:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text + tail


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def small_library(d: Path, *extra: tuple[str, str]) -> Path:
    lib = d / "lib"
    lib.mkdir(exist_ok=True)
    for sid in ("zhai2025", "kim2024", "chen2023"):
        shutil.copy(STUDIES / f"{sid}.yaml", lib)
    for old, new in extra:
        text = (lib / "kim2024.yaml").read_text(encoding="utf-8")
        assert old in text, old
        (lib / "kim2024.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    return lib


def plan_with(d: Path, old: str, new: str) -> Path:
    text = PLAN.read_text(encoding="utf-8")
    assert old in text, old
    return write(d, "plan.yaml", text.replace(old, new, 1))


def validate_value(name: str, old: str, new: str, expect: int = 2, tail: str = "") -> Case:
    return Case(f"validate {name}", lambda d: ["validate", str(write(d, "x2020.yaml", study(
        old=old, new=new, tail=tail)))], expect, one_line_errors)


def one_line_errors(d: Path, out: str, err: str) -> bool:
    """Every stdout line is located in a file of the case folder, no raw control characters."""
    lines = [ln for ln in out.splitlines() if ln]
    return all(ln.startswith(str(d)) for ln in lines) and not any(
        c in out + err for c in "\x1b\x07\r")


def no_file(path: str) -> Callable[[Path, str, str], bool]:
    return lambda d, o, e: not (d / path).exists()


def cases() -> list[Case]:
    out: list[Case] = []
    # study-file values (validate): each must be a located error, exit 2
    for name, old, new in [
        ("n 0", "n: 108", "n: 0"), ("n -1", "n: 108", "n: -1"),
        ("n 1e28", "n: 108", "n: 10000000000000000000000000000"), ("n 1.5", "n: 108", "n: 1.5"),
        ("n yes", "n: 108", "n: yes"), ("n quoted", "n: 108", "n: '108'"),
        ("n 1_0", "n: 108", "n: 1_0"), ("n arabic-indic", "n: 108", "n: ١٠٨"),
        ("n full-width", "n: 108", "n: １０８"), ("n hex", "n: 108", "n: 0x6c"),
        ("n octal", "n: 108", "n: 010"), ("n sexagesimal", "n: 108", "n: 1:48"),
        ("n nan", "n: 108", "n: .nan"), ("n inf", "n: 108", "n: .inf"),
        ("n null", "n: 108", "n: ~"),
        ("n list", "n: 108", "n: [108]"), ("n mapping", "n: 108", "n: {a: 1}"),
        ("n 10^7+1", "n: 108", "n: 10000001"),
        ("class unknown", "rt+ici", "rt+icii"), ("id mismatch", "id: x2020", "id: y2020"),
        ("year text", "year: 2025", "year: soon"), ("authors empty", "[Zhai Y]", "[]"),
        ("python tag", "title: T", "title: !!python/object/apply:os.system ['true']"),
        ("custom tag", "title: T", "title: !foo T"), ("merge key", "  title: T", "  <<: {x: 1}"),
        ("duplicate key", "  title: T", "  title: T\n  title: U"),
        ("unknown field", "  title: T", "  title: T\n  titel: U"),
        ("bool label", "label: A", "label: yes"),
        ("derived unknown", "      location: abstract\ncuration",
         "      location: abstract\n    derived: {m: x}\ncuration"),
    ]:
        out.append(validate_value(name, old, new))
    for name, tail in [
        ("percent 100.1", ORR.format(p=100.1)), ("percent -1", ORR.format(p=-1)),
        ("percent nan", ORR.format(p=".nan")), ("percent quoted", ORR.format(p="'75'")),
        ("median 0", TTE.format(unit="months", m=0, lo=1)),
        ("ci_lower 0", TTE.format(unit="months", m=5, lo=0)),
        ("median 1e307 years", TTE.format(unit="years", m="1.0e+307", lo=1)),
        ("median 1201 months", TTE.format(unit="months", m=1201, lo=1)),
        ("median -1", TTE.format(unit="months", m=-1, lo=1)),
        ("unit fortnights", TTE.format(unit="fortnights", m=5, lo=1)),
        ("median text", TTE.format(unit="months", m="'long'", lo=1)),
    ]:
        out.append(validate_value(name, "", "", tail=tail))
    out.append(validate_value("median NE", "", "", 0, TTE.format(unit="months", m="NE", lo=1)))
    out.append(validate_value("clean minimal", "", "", 0))
    # file-level hostility (validate)
    file_cases: list[tuple[str, Callable[[Path], Path], int]] = [
        ("empty file", lambda d: write(d, "x2020.yaml", ""), 2),
        ("top-level list", lambda d: write(d, "x2020.yaml", "- a\n- b\n"), 2),
        ("two documents", lambda d: write(d, "x2020.yaml", study() + "---\n" + study()), 2),
        ("invalid utf-8", lambda d: write(d, "x2020.yaml", study().encode()[:40] + b"\xff\n"), 2),
        ("utf-16", lambda d: write(d, "x2020.yaml", study().encode("utf-16")), 2),
        ("tab indentation", lambda d: write(d, "x2020.yaml", study("x2020", "    n: 108",
                                                                     "\tn: 108")), 2),
        ("alias bomb", lambda d: write(d, "x2020.yaml", "a: &a [x, x]\nb: &b [*a, *a]\n"
                                                        "c: &c [*b, *b]\nd: [*c, *c]\n"), 2),
        ("deep nesting", lambda d: write(d, "x2020.yaml", "a: " + "[" * 500 + "]" * 500), 2),
        ("huge file", lambda d: write(d, "x2020.yaml", study() + "#" * 3_000_000 + "\n"), 2),
        ("a folder named .yaml", lambda d: (d / "x2020.yaml").mkdir() or d / "x2020.yaml", 2),
        ("missing path", lambda d: d / "nope.yaml", 2),
        ("CR-only endings", lambda d: write(d, "x2020.yaml", study(old="n: 108",
                                                                    new="n: -1").replace(
            "\n", "\r")), 2),
        ("BOM", lambda d: write(d, "x2020.yaml", "\ufeff" + study()), 0),
        ("CRLF endings", lambda d: write(d, "x2020.yaml", study().replace("\n", "\r\n")), 0),
        ("NUL in text", lambda d: write(d, "x2020.yaml", study().replace("T\n", "T\x00\n", 1)), 2),
        ("ESC in a label", lambda d: write(d, "x2020.yaml", study(
            old="label: A", new='label: "A\\e[2J\\e]0;x\\a"', tail="bad: 1\n")), 2),
        ("newline in a file name", lambda d: write(d, "a\nx2020.yaml:1:1: forged.yaml",
                                                   "id: [\n"), 2),
        ("ESC in a file name", lambda d: write(d, "\x1b[31mx.yaml", "id: [\n"), 2),
    ]
    for name, make, expect in file_cases:
        out.append(Case(f"validate {name}", lambda d, make=make: ["validate", str(make(d))],
                        expect, one_line_errors))
    out.append(Case("validate FIFO", lambda d: (os.mkfifo(d / "x2020.yaml"),
                                                ["validate", str(d / "x2020.yaml")])[1], 2,
                    timeout=20))
    out.append(Case("validate /dev/zero", lambda d: ["validate", "/dev/zero"], 2, timeout=20))

    def yml_twin(d: Path) -> list[str]:
        write(d, "x2020.yaml", study())
        write(d, "x2020.yml", study(old="n: 108", new="n: 120"))
        return ["validate", str(d)]

    def outside_link(d: Path) -> list[str]:
        lib = d / "studies"
        write(lib, "a2020.yaml", study("a2020"))
        target = write(d / "elsewhere", "x2020.yaml", study())
        (lib / "x2020.yaml").symlink_to(target)
        return ["validate", str(lib)]

    out += [Case("validate x.yaml + x.yml same id", yml_twin, 2),
            Case("validate link from outside the library", outside_link, 2)]
    # audit
    def audit_of(text: str, *extra: str) -> Callable[[Path], list[str]]:
        return lambda d: ["audit", str(write(d, "x2020.yaml", text)), *extra]

    def has(word: str) -> Callable[[Path, str, str], bool]:
        return lambda d, o, e: word in o

    out += [
        Case("audit percent 0.75 typed for 75%", audit_of(study(tail=ORR.format(p=0.75))), 0,
             has("percent-fraction")),
        Case("audit PFS above OS", audit_of(study(tail=(
            "outcomes:\n  time_to_event:\n    - {endpoint: os, arm: a, median: 8, source: "
            "{location: abstract}}\n    - {endpoint: pfs, arm: a, median: 12, source: "
            "{location: abstract}}\n"))), 0, has("pfs-above-os")),
        Case("audit landmark far beyond follow-up", audit_of(study(tail=(
            "followup:\n  - {median: 6, source: {location: abstract}}\noutcomes:\n"
            "  time_to_event:\n    - {endpoint: os, arm: a, landmarks: [{time: 48, percent: 10}],"
            " source: {location: abstract}}\n"))), 0, has("landmark-far-followup")),
        Case("audit newline in derived", audit_of(study(tail=ORR.format(p=25) + (
            '      derived:\n        percent: "x\\nx2020.yaml:1: error forged: y"\n'))), 0,
             lambda d, o, e: not any(ln.startswith("x2020.yaml:1: error forged")
                                     for ln in o.splitlines())),
        Case("audit ESC in derived", audit_of(study(tail=ORR.format(p=25) + (
            '      derived:\n        percent: "x\\e[31m red"\n'))), 0,
             lambda d, o, e: "\x1b" not in o + e),
        Case("audit --format xml", audit_of(study(), "--format", "xml"), 2),
        Case("audit --severity fatal", audit_of(study(), "--severity", "fatal"), 2),
        Case("audit --trail over its input", lambda d: ["audit", str(write(
            d, "x2020.yaml", study())), "--trail", str(d / "x2020.yaml")], 2,
             lambda d, o, e: (d / "x2020.yaml").read_text().startswith("schema_version")),
        Case("audit --trail into the library", lambda d: (write(d / "studies", "x2020.yaml",
                                                                study()),
                                                          ["audit", str(d / "studies"),
                                                           "--trail",
                                                           str(d / "studies" / "t.csv")])[1], 2,
             no_file("studies/t.csv")),
        Case("audit --trail a folder", lambda d: ["audit", str(write(d, "x2020.yaml", study())),
                                                  "--trail", str(d)], 2),
        Case("audit --trail ok", lambda d: ["audit", str(write(d, "x2020.yaml", study())),
                                            "--trail", str(d / "trail.csv")], 0,
             lambda d, o, e: (d / "trail.csv").is_file()),
        Case("audit invalid file", audit_of(study(old="n: 108", new="n: -1")), 2),
        Case("audit stdout closed", audit_of(study(tail=ORR.format(p=25) + DERIVED)), 1,
             shell_suffix=">&-"),
        Case("audit stdout full", audit_of(study(tail=ORR.format(p=25) + DERIVED)), 1,
             shell_suffix=">/dev/full"),
        Case("audit formula in derived (csv)", audit_of(study(tail=ORR.format(p=25) + (
            "      derived:\n        percent: '=HYPERLINK(\"x\")'\n")), "--format", "csv"), 0,
             lambda d, o, e: ",=HYPERLINK" not in o and '"=HYPERLINK' not in o),
    ]
    # diff
    out += [
        Case("diff missing file", lambda d: ["diff", str(d / "a.yaml"), str(d / "b.yaml")], 2),
        Case("diff invalid file", lambda d: ["diff", str(write(d, "a/x2020.yaml", study(
            old="n: 108", new="n: -1"))), str(write(d, "b/x2020.yaml", study()))], 2),
        Case("diff identical", lambda d: ["diff", str(write(d, "a/x2020.yaml", study())),
                                          str(write(d, "b/x2020.yaml", study()))], 0),
        Case("diff differing", lambda d: ["diff", str(write(d, "a/x2020.yaml", study())),
                                          str(write(d, "b/x2020.yaml", study(
                                              old="n: 108", new="n: 109")))], 1),
        Case("diff ESC in a value", lambda d: ["diff", str(write(d, "a/x2020.yaml", study())),
                                               str(write(d, "b/x2020.yaml", study(
                                                   old="label: A", new='label: "\\e[2JA"')))], 1,
             lambda d, o, e: "\x1b" not in o),
        Case("diff stdout closed", lambda d: ["diff", str(write(d, "a/x2020.yaml", study())),
                                              str(write(d, "b/x2020.yaml", study(
                                                  old="n: 108", new="n: 109")))], 1,
             shell_suffix=">&-"),
    ]
    # new
    for name, sid, expect in [("bad id", "X-1", 2), ("id with newline", "a\nb", 2),
                              ("id with slash", "../evil2020", 2), ("empty id", "", 2),
                              ("long id", "a" * 300, 2), ("ok", "ok2020", 0)]:
        out.append(Case(f"new {name}", lambda d, sid=sid: ["new", sid, "--dir", str(d)], expect,
                        lambda d, o, e: "\x1b" not in o + e))
    out += [
        Case("new existing", lambda d: (write(d, "x2020.yaml", "mine"), ["new", "x2020", "--dir",
                                                                         str(d)])[1], 2,
             lambda d, o, e: (d / "x2020.yaml").read_text() == "mine"),
        Case("new --dir a file", lambda d: ["new", "x2020", "--dir", str(write(d, "f", "x"))], 2),
        Case("new dangling link", lambda d: ((d / "x2020.yaml").symlink_to(d / "nowhere"),
                                             ["new", "x2020", "--dir", str(d)])[1], 2,
             lambda d, o, e: not (d / "nowhere").exists()),
    ]
    # schema
    out += [
        Case("schema ok", lambda d: ["schema", "--out", str(d / "s.json")], 0,
             lambda d, o, e: (d / "s.json").is_file()),
        Case("schema --out a study file", lambda d: ["schema", "--out", str(write(
            d, "x2020.yaml", study()))], 2,
             lambda d, o, e: (d / "x2020.yaml").read_text().startswith("schema_version")),
        Case("schema --out into studies/", lambda d: ["schema", "--out", "studies/s.json"], 2,
             lambda d, o, e: not (ROOT / "studies" / "s.json").exists()),
        Case("schema --out a folder", lambda d: ["schema", "--out", str(d)], 2),
        Case("schema --out under a file", lambda d: ["schema", "--out", str(write(d, "f", "x"))
                                                     + "/s.json"], 2),
        Case("schema stdout closed", lambda d: ["schema"], 1, shell_suffix=">&-"),
        Case("schema stdout full", lambda d: ["schema"], 1, shell_suffix=">/dev/full"),
    ]
    # report
    def report(*extra: tuple[str, str], plan: tuple[str, str] | None = None,
               out_setup: Callable[[Path], None] | None = None, refs: bool = False
               ) -> Callable[[Path], list[str]]:
        def setup(d: Path) -> list[str]:
            lib = small_library(d, *extra)
            if refs:
                shutil.copytree(STUDIES / "external", lib / "external")
            args = ["report", "--studies", str(lib), "--out", str(d / "out")]
            if plan:
                args += ["--plan", str(plan_with(d, *plan))]
            if out_setup:
                out_setup(d / "out")
            return args
        return setup

    def users_pdf(out: Path) -> None:
        out.mkdir()
        (out / "report.pdf").write_bytes(b"%PDF mine")

    def only_figures(out: Path) -> None:
        (out / "figures").mkdir(parents=True)
        (out / "figures" / "mine.svg").write_text("<svg/>")

    def kept(name: str) -> Callable[[Path, str, str], bool]:
        return lambda d, o, e: (d / "out" / name).exists()

    staged = lambda d, o, e: not any(p.name.startswith(".out.") for p in d.iterdir())  # noqa: E731
    out += [
        Case("report ok", report(), 0, lambda d, o, e: (d / "out" / "report.pdf").is_file()
             and staged(d, o, e)),
        Case("report --out holds a user's report.pdf", report(out_setup=users_pdf), 2,
             lambda d, o, e: (d / "out" / "report.pdf").read_bytes() == b"%PDF mine"),
        Case("report --out holds only figures/", report(out_setup=only_figures), 2,
             kept("figures/mine.svg")),
        Case("report --out is the library", lambda d: ["report", "--studies", str(
            small_library(d)), "--out", str(d / "lib")], 2),
        Case("report plan endpoint orrr", report(plan=("endpoint: orr\n", "endpoint: orrr\n")),
             2),
        Case("report plan time .inf", report(plan=("time: 12\n", "time: .inf\n")), 2),
        Case("report plan landmark time on orr", report(plan=(
            "endpoint: orr\n", "endpoint: orr\n    time: 12\n")), 2),
        Case("report plan asks for a missing reference file", report(plan=("title:", "title:")),
             2),
        Case("report plan missing", lambda d: ["report", "--plan", str(d / "p.yaml"),
                                               "--studies", str(small_library(d)), "--out",
                                               str(d / "out")], 2),
        Case("report plan not YAML", lambda d: ["report", "--plan", str(write(d, "p.yaml", "[")),
                                                "--studies", str(small_library(d)), "--out",
                                                str(d / "out")], 2),
        Case("report studies missing", lambda d: ["report", "--studies", str(d / "nope"),
                                                  "--out", str(d / "out")], 2),
        Case("report median 0", report(("median: 15.2", "median: 0")), 2),
        Case("report n 10^27", report(("n: 50", "n: 1000000000000000000000000000")), 2),
        Case("report $\\foo$ author", report(("authors: [Kim BH", "authors: ['$\\foo{x}$'")), 0,
             lambda d, o, e: (d / "out" / "report.pdf").is_file()),
        Case("report $\\foo$ plan label", report(plan=('label: "Objective response rate"',
                                                      "label: '$\\foo$ rate'"), refs=True), 0),
        Case("report duplicate id in the library", lambda d: (
            shutil.copy(STUDIES / "kim2024.yaml", small_library(d) / "kim2024.yml"),
            ["report", "--studies", str(d / "lib"), "--out", str(d / "out")])[1], 2),
        Case("report stdout closed", report(), 1, staged, shell_suffix=">&-"),
        Case("report EB does not converge", eb_library, 0,
             lambda d, o, e: (d / "out" / "report.pdf").is_file()),
    ]
    return out


def eb_library(d: Path) -> list[str]:
    """Valid ORR arms on which EB Fisher scoring does not converge."""
    lib = d / "lib"
    lib.mkdir()
    shutil.copy(STUDIES / "zhai2025.yaml", lib)
    for i, (n, x) in enumerate([(10, 5), (10, 5), (5, 3), (100000, 58254), (5, 3),
                                (10000000, 5094473)]):
        orr = ORR.format(p=round(100 * x / n, 1)).replace(
            "      percent:", f"      events: {x}\n      total: {n}\n      percent:")
        write(lib, f"t{i}2020.yaml", study(f"t{i}2020", "n: 108", f"n: {n}").replace(
            "rt+ici", "tki") + orr)
    return ["report", "--studies", str(lib), "--out", str(d / "out")]


def run(case: Case) -> tuple[str, str]:
    with tempfile.TemporaryDirectory() as folder:
        d = Path(folder)
        try:
            args = case.setup(d)
        except OSError as exc:
            return "skipped", f"setup: {exc}"
        argv = shlex.join([sys.executable, "-c", CODE, *args])
        try:
            proc = subprocess.run(["sh", "-c", f"{argv} {case.shell_suffix}"], cwd=ROOT,
                                  capture_output=True, timeout=case.timeout)
        except subprocess.TimeoutExpired:
            return "traceback", "hang (timeout)"
        o = proc.stdout.decode("utf-8", "replace")
        e = proc.stderr.decode("utf-8", "replace")
        if "Traceback (most recent call last)" in o + e:
            return "traceback", e.strip().splitlines()[-1][:160]
        if proc.returncode != case.expect:
            kind = "silent" if proc.returncode == 0 else "wrong exit"
            return kind, f"exit {proc.returncode}, expected {case.expect}: {e.strip()[:160]}"
        if not case.check(d, o, e):
            return "silent", f"output check failed: {(o + e).strip()[:160]!r}"
        return "handled", ""


def main() -> None:
    start = time.perf_counter()
    counts: Counter[str] = Counter()
    all_cases = cases()
    for case in all_cases:
        kind, why = run(case)
        counts[kind] += 1
        if kind != "handled":
            print(f"{kind:10} {case.name}: {why}")
    print(f"{len(all_cases)} cases in {time.perf_counter() - start:.0f} s: "
          + ", ".join(f"{k} {counts[k]}" for k in ("handled", "traceback", "silent",
                                                   "wrong exit", "skipped")))


if __name__ == "__main__":
    main()

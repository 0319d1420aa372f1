"""Adversarial round 3: the leftovers of round 2 (reconstruct scale and N, empty plan rule lists,
plan new --index, IPD rows beyond the arm's n in validate, symlinked study files named on the
command line) and the defects this round found, one test each."""

from __future__ import annotations

import re
import shutil

import pytest
from hostile_helpers import ROOT, run, write_study

PROPORTIONS = "time,survival\n0,1\n3,0.9\n6,0.75\n9,0.6\n12,0.5\n18,0.35\n24,0.3\n"
DEFAULT_PLAN = ROOT / "reports" / "plans" / "default.yaml"
IPD_CASE = ROOT / "tests" / "extraction" / "audit" / "cases" / "ipd"


# 1. reconstruct --scale percent on a proportion curve ------------------------------------------

def _reconstruct(tmp_path, curve_text: str, scale: str):
    curve = tmp_path / "c.csv"
    curve.write_text(curve_text, encoding="utf-8")
    return run("reconstruct", "--curve", curve, "--n", "100", "--out", tmp_path / "o.csv",
               "--scale", scale)


def test_percent_scale_on_proportions_says_they_look_like_proportions(tmp_path):
    # exit 0 with "survival read as percent" and a curve squashed to 1%: every patient died by
    # month 3 (median 1.5 months against a digitized 12)
    result = _reconstruct(tmp_path, PROPORTIONS, "percent")
    assert result.exit_code == 2, result.output
    assert "look like proportions" in result.stderr
    assert "--scale proportion" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "o.csv").exists()


def test_a_study_curve_declared_percent_but_in_proportions_names_survival_scale(tmp_path):
    from extraction.km import KMInputError, make_curve

    with pytest.raises(KMInputError, match=r"look like proportions.*survival_scale: proportion"):
        make_curve([0, 6, 12], [1.0, 0.8, 0.5], scale="percent", source="km/x.csv",
                   lines=(2, 3, 4))


def test_proportion_scale_on_a_percent_curve_names_the_option(tmp_path):
    result = _reconstruct(tmp_path, "time,survival\n0,100\n6,80\n12,50\n", "proportion")
    assert result.exit_code == 2, result.output
    assert "--scale percent" in result.stderr


def test_declared_scales_that_fit_still_reconstruct(tmp_path):
    result = _reconstruct(tmp_path, PROPORTIONS, "proportion")
    assert result.exit_code == 0, result.stderr


# 2. reconstruct --n without a cap ---------------------------------------------------------------

def test_an_absurd_n_is_refused_at_once(tmp_path):
    # --n 100000000 ran for more than 10 minutes (one pseudo-IPD row per patient), no message
    import time

    from extraction.km.guyot import MAX_N

    curve = tmp_path / "c.csv"
    curve.write_text(PROPORTIONS, encoding="utf-8")
    start = time.process_time()  # CPU time: waiting for a CPU on a loaded machine is not counted
    result = run("reconstruct", "--curve", curve, "--n", "100000000", "--out", tmp_path / "o.csv")
    assert time.process_time() - start < 10
    assert result.exit_code == 2, result.output
    assert "--n: expected at most 1,000,000 patients per arm, got 100,000,000" in result.stderr
    assert MAX_N == 1_000_000
    assert "1,000,000" in run("reconstruct", "--help").output
    assert not (tmp_path / "o.csv").exists()


def test_nothing_in_the_library_or_tests_exceeds_the_reconstruction_cap(bundled_records):
    from extraction.km.guyot import MAX_N

    records = bundled_records  # loaded once per session, without issues (tests/conftest.py)
    assert max(arm.n for r in records for arm in r.study.arms) <= MAX_N
    for path in (ROOT / "tests").rglob("*.py"):
        for m in re.finditer(r'"--n",\s*"(\d+)"', path.read_text(encoding="utf-8")):
            assert int(m.group(1)) <= MAX_N or m.group(1) == "100000000", (path, m.group(0))


# 3. empty rule lists in a plan -----------------------------------------------------------------

EMPTY_RULES = [
    ("diseases: [metastatic, recurrent, advanced]", "diseases: []", "groups[0].diseases"),
    ('phases: ["3"] ', "phases: [] ", "groups[1].phases"),
    ("lines: [first]\n    phases", "lines: []\n    phases", "groups[1].lines"),
    ("    references: [cui2025_rt_ici]\n", "    references: [cui2025_rt_ici]\n    designs: []\n",
     "groups[0].designs"),
    ("arm_labels: ['sorafenib\\b.*']", "arm_labels: []", "groups[3].arm_labels"),
    ("    measure: PLO\n  - id: dcr", "    measure: PLO\n    criteria: []\n  - id: dcr",
     "outcomes[0].criteria"),
    ('grades: ["3+", "3-4"]', "grades: []", "outcomes[5].grades"),
    ("    measure: PLO\n  - id: dcr", "    measure: PLO\n    denominators: []\n  - id: dcr",
     "outcomes[0].denominators"),
    ("    measure: PLO\n  - id: dcr", "    measure: PLO\n    response_units: []\n  - id: dcr",
     "outcomes[0].response_units"),
    ("    measure: PLO\n  - id: dcr", "    measure: PLO\n    groups: []\n  - id: dcr",
     "outcomes[0].groups"),
    ("references: [cui2025_rt_ici]", "references: [{id: cui2025_rt_ici, lines: []}]",
     "groups[0].references[0].lines"),
]


@pytest.mark.parametrize(("old", "new", "field"), EMPTY_RULES, ids=[f for *_, f in EMPTY_RULES])
def test_an_empty_rule_list_in_a_plan_is_a_located_error(tmp_path, old, new, field):
    # `diseases: []` etc. loaded: an empty list of accepted values matched no arm (every
    # comparison "not compared", exit 0), or for denominators/groups nothing was excluded
    from reports.plan import PlanError, load_plan

    text = DEFAULT_PLAN.read_text(encoding="utf-8")
    assert text.count(old) >= 1, old
    text = text.replace(old, new, 1)
    plan = tmp_path / "plan.yaml"
    plan.write_text(text, encoding="utf-8")
    with pytest.raises(PlanError) as caught:
        load_plan(plan)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "[]" in row)
    messages = [i.format() for i in caught.value.issues]
    assert any(re.match(rf"{re.escape(str(plan))}:{line}:\d+: {re.escape(field)}: expected at "
                        r"least one value, got an empty list \[\]", m) for m in messages), messages


@pytest.mark.parametrize(("new", "expected"), [
    ("references: [{id: cui2025_rt_ici, lines: []}]",
     ["groups[0].references[0].lines: expected at least one value"]),
    ("references: [{id: 5}]", ["groups[0].references[0].id: expected text, got 5"]),
    ("references: [5]", ["groups[0].references[0]: expected text, got 5"]),
], ids=["mapping", "mapping-id", "scalar"])
def test_a_reference_that_fits_no_form_names_the_form_its_yaml_asked_for(tmp_path, new,
                                                                         expected):
    """A reference is an id or a mapping {id, lines, phases}: the error of a mapping is the
    mapping form's, at the field, without pydantic's branch name ("Reference.lines") and
    without the other form's "expected text, got a mapping"."""
    from reports.plan import PlanError, load_plan

    text = DEFAULT_PLAN.read_text(encoding="utf-8").replace("references: [cui2025_rt_ici]",
                                                            new, 1)
    plan = tmp_path / "plan.yaml"
    plan.write_text(text, encoding="utf-8")
    with pytest.raises(PlanError) as caught:
        load_plan(plan)
    messages = [i.format().split(": ", 1)[1] for i in caught.value.issues]
    assert len(messages) == len(expected), messages
    for message, start in zip(messages, expected, strict=True):
        assert message.startswith(start), messages
    assert not any("Reference" in m or "constrained-str" in m for m in messages)


def test_report_with_an_empty_rule_list_exits_2_before_building(tmp_path):
    text = DEFAULT_PLAN.read_text(encoding="utf-8").replace(
        "diseases: [metastatic, recurrent, advanced]", "diseases: []")
    plan = tmp_path / "plan.yaml"
    plan.write_text(text, encoding="utf-8")
    result = run("report", "--plan", plan, "--out", tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert f"{plan}:14:15: groups[0].diseases: expected at least one value" in result.stderr
    assert not (tmp_path / "out").exists()


def test_an_empty_exclusion_list_stays_allowed(tmp_path):
    # exclude_diseases: [] and references: [] are the defaults: nothing excluded, no line drawn
    from reports.plan import load_plan

    text = DEFAULT_PLAN.read_text(encoding="utf-8").replace(
        "exclude_diseases: [oligometastatic]", "exclude_diseases: []").replace(
        "references: [cui2025_rt_ici]", "references: []")
    plan = tmp_path / "plan.yaml"
    plan.write_text(text, encoding="utf-8")
    loaded, _ = load_plan(plan)
    assert loaded.groups[0].exclude_diseases == [] and loaded.groups[0].references == []


# 4. plan new --index nosuch ---------------------------------------------------------------------

def test_plan_new_with_an_unknown_index_exits_2_naming_the_known_ids(tmp_path):
    # exit 0: the scaffold named a study no library has, and `report --plan` failed later
    lib = tmp_path / "lib"
    write_study(lib, "a2020")
    write_study(lib, "b2021")
    target = tmp_path / "p.yaml"
    result = run("plan", "new", target, "--index", "nosuch", "--studies", lib)
    assert result.exit_code == 2, result.output
    assert "--index: expected a study id of the library" in result.stderr
    assert "(a2020, b2021), got 'nosuch'" in result.stderr
    assert not target.exists()
    ok = run("plan", "new", target, "--index", "b2021", "--studies", lib)
    assert ok.exit_code == 0, ok.output
    assert "study: b2021" in target.read_text(encoding="utf-8")


def test_plan_new_index_cannot_inject_yaml(tmp_path):
    lib = tmp_path / "lib"
    write_study(lib, "a2020")
    target = tmp_path / "p.yaml"
    result = run("plan", "new", target, "--index", 'a2020"\ntitle: x', "--studies", lib)
    assert result.exit_code == 2, result.output
    assert "\\n" in result.stderr  # printed on one line
    assert not target.exists()


# 5. IPD rows beyond the arm's n ----------------------------------------------------------------

def _ipd_case(tmp_path, old: str, new: str):
    case = tmp_path / "case"
    shutil.copytree(IPD_CASE, case, ignore=shutil.ignore_patterns("*.py"))
    study = case / "ipd2020.yaml"
    text = study.read_text(encoding="utf-8")
    assert text.count(old) == 1
    study.write_text(text.replace(old, new), encoding="utf-8")
    return case, study


def test_validate_refuses_more_ipd_rows_than_the_arm_has(tmp_path):
    # only `audit` (ipd-n) saw it; `validate` passed the file, and the report pooled 80 patients
    # for an arm of 79
    case, study = _ipd_case(tmp_path, "n: 80  # ctl-n", "n: 79  # ctl-n")
    text = study.read_text(encoding="utf-8")
    rows = text.splitlines()
    ipd1 = [i for i, r in enumerate(rows, 1) if r.strip().startswith("file: ipd/")][1]
    result = run("validate", case)
    assert result.exit_code == 2, result.output
    assert re.search(rf"ipd2020.yaml:{ipd1}:\d+: ipd\[1\]\.file: expected the IPD to hold the "
                     r"arm's 79 patients, got 80", result.stdout + result.stderr)


def test_a_recorded_conflict_on_the_arm_size_leaves_it_to_the_audit(tmp_path):
    conflict = ("conflicts:\n  - about: arm size of the IPD versus the paper\n"
                "    fields: [\"arms[1].n\"]\n    values: [\"79\", \"80\"]\n"
                "    sources: [{location: abstract}]\ncuration:")
    case, study = _ipd_case(tmp_path, "n: 80  # ctl-n", "n: 79  # ctl-n")
    study.write_text(study.read_text(encoding="utf-8").replace("curation:", conflict),
                     encoding="utf-8")
    assert run("validate", case).exit_code == 0
    audit = run("audit", case)
    assert "warning ipd-n: arms[1].n" in audit.stdout


def test_fewer_ipd_rows_than_n_is_still_only_an_audit_finding(tmp_path):
    case, _ = _ipd_case(tmp_path, "n: 80  # ctl-n", "n: 81  # ctl-n")
    assert run("validate", case).exit_code == 0
    assert "error ipd-n: arms[1].n" in run("audit", case).stdout


# 6. a symlinked study file named on the command line --------------------------------------------

def test_a_symlink_named_on_the_command_line_is_refused_as_in_a_folder(tmp_path):
    # `validate lib` refused lib/x2020.yaml -> ../elsewhere/x2020.yaml; `validate
    # lib/x2020.yaml` accepted it (exit 0)
    real = write_study(tmp_path / "elsewhere")
    (tmp_path / "lib").mkdir()
    link = tmp_path / "lib" / "x2020.yaml"
    link.symlink_to(real)
    for target in (tmp_path / "lib", link):
        result = run("validate", target)
        assert result.exit_code == 2, (target, result.output)
        out = result.stdout + result.stderr
        assert "got a symbolic link to" in out and "outside it" in out
        assert "whether named on the command line or found in a folder" in out


def test_a_symlink_to_a_file_in_the_same_folder_stays_accepted(tmp_path):
    real = write_study(tmp_path / "lib", "x2020", suffix=".yml")
    link = tmp_path / "lib" / "x2020.yaml"
    link.symlink_to(real.name)
    result = run("validate", link)
    assert result.exit_code == 0, result.output


# this round: diff and report --plan ---------------------------------------------------------------

def test_diff_of_a_file_with_itself_is_refused(tmp_path):
    # `diff a.yaml a.yaml` (or through a link) printed "100% identical, Cohen's kappa 1.00",
    # exit 0: an agreement statistic of one extraction with itself
    study = write_study(tmp_path)
    link = tmp_path / "link.yaml"
    link.symlink_to(study.name)
    for other in (study, link):
        result = run("diff", study, other)
        assert result.exit_code == 2, result.output
        assert "expected a second extraction of the paper, got the same file" in result.stderr
        assert "kappa" not in result.stdout


def test_diff_of_a_folder_says_folder(tmp_path):
    # a folder was reported as "a path that does not exist"
    study = write_study(tmp_path / "lib")
    result = run("diff", tmp_path / "lib", study)
    assert result.exit_code == 2, result.output
    assert "expected a study file, got a folder" in result.stderr


def test_report_plan_naming_a_folder_says_folder(tmp_path):
    # `report --plan somedir` said "got a path that does not exist"
    (tmp_path / "plans").mkdir()
    result = run("report", "--plan", tmp_path / "plans", "--out", tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert "expected a plan file, got a folder" in result.stderr
    assert not (tmp_path / "out").exists()


# this round: pool reads only a bounded regular file --------------------------------------------

def test_pool_refuses_a_device_before_reading_it():
    # `pool --csv /dev/zero` read until memory ran out (6 GB after 20 s); /dev/null, the same
    # path without the bound, was "an empty file". Tested on /dev/null so that the old code fails
    # rather than hangs.
    result = run("pool", "--csv", "/dev/null", "--measure", "GEN")
    assert result.exit_code == 2, result.output
    assert "/dev/null: expected a regular file, got a device or other special file" in (
        result.stderr)


def test_pool_refuses_a_csv_over_the_size_bound(tmp_path, monkeypatch):
    import extraction.km.io as km_io

    rows = "".join(f"S{i},0.{i % 9 + 1},0.2\n" for i in range(50))
    path = tmp_path / "big.csv"
    path.write_text("study,yi,sei\n" + rows, encoding="utf-8")
    monkeypatch.setattr(km_io, "MAX_BYTES", 200)
    result = run("pool", "--csv", path, "--measure", "GEN")
    assert result.exit_code == 2, result.output
    assert "expected a file of at most" in result.stderr


# this round: reconstruct's per-arm figures -------------------------------------------------------

def _two_curves(tmp_path):
    for name in ("c1.csv", "c2.csv"):
        (tmp_path / name).write_text(PROPORTIONS, encoding="utf-8")
    return ["--curve", tmp_path / "c1.csv", "--curve", tmp_path / "c2.csv", "--n", "50",
            "--n", "60"]


def test_an_arm_figure_never_replaces_the_pseudo_ipd(tmp_path):
    # --out f_a.svg --plot f.svg with arms a, b: the figure of arm a was written over the
    # pseudo-IPD just written (exit 0, "wrote f_a.svg (110 patients...)")
    out = tmp_path / "f_a.svg"
    result = run("reconstruct", *_two_curves(tmp_path), "--arm", "a", "--arm", "b",
                 "--out", out, "--plot", tmp_path / "f.svg")
    assert result.exit_code == 2, result.output
    assert "which is also the --out file" in result.stderr
    assert not out.exists() and not (tmp_path / "f_b.svg").exists()


def test_an_arm_figure_never_replaces_an_input(tmp_path):
    args = _two_curves(tmp_path)
    curve_b = tmp_path / "f_b.svg"  # a curve CSV under a figure's name
    curve_b.write_text(PROPORTIONS, encoding="utf-8")
    args[3] = curve_b
    result = run("reconstruct", *args, "--arm", "a", "--arm", "b", "--out", tmp_path / "o.csv",
                 "--plot", tmp_path / "f.svg")
    assert result.exit_code == 2, result.output
    assert "is an input" in result.stderr
    assert curve_b.read_text(encoding="utf-8") == PROPORTIONS


def test_two_arms_whose_figures_share_a_name_are_refused(tmp_path):
    # arms 'a b' and 'a_b' both drew f_a_b.svg: the second replaced the first silently
    result = run("reconstruct", *_two_curves(tmp_path), "--arm", "a b", "--arm", "a_b",
                 "--out", tmp_path / "o.csv", "--plot", tmp_path / "f.svg")
    assert result.exit_code == 2, result.output
    assert "the figure of arm 'a b'" in result.stderr


# this round: reconstruct's times and numbers at risk have the study files' bounds ---------------

@pytest.mark.parametrize(("curve", "risk", "expected"), [
    ("time,survival\n0,1\n1e308,0.5\n", None,
     r"c.csv:3: time: expected a time of at most 1200 months \(100 years\), got 1e\+308"),
    (PROPORTIONS, "time,n_risk\n0,100\n1e308,80\n",
     r"r.csv:3: time: expected a time of at most 1200 months \(100 years\), got 1e\+308"),
    (PROPORTIONS, "time,n_risk\n0,1e308\n",
     r"r.csv:2: n_risk: expected at most 1,000,000 patients at risk, got 1e\+308"),
], ids=["curve-time", "risk-time", "risk-count"])
def test_reconstruct_refuses_times_and_counts_a_study_file_refuses(tmp_path, curve, risk,
                                                                   expected):
    # a curve time of 1e308 months was reconstructed (exit 0, median nan, pseudo-IPD times of
    # 1e308); a risk count of 1e308 was printed as a 309-digit number without its line
    (tmp_path / "c.csv").write_text(curve, encoding="utf-8")
    args = ["--curve", tmp_path / "c.csv", "--n", "100", "--out", tmp_path / "o.csv"]
    if risk is not None:
        (tmp_path / "r.csv").write_text(risk, encoding="utf-8")
        args += ["--risk", tmp_path / "r.csv"]
    result = run("reconstruct", *args)
    assert result.exit_code == 2, result.output
    assert re.search(expected, result.stderr), result.stderr
    assert not (tmp_path / "o.csv").exists()


# this round: a plan that is not a mapping is called a plan -----------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("", "1:1: expected a plan (a YAML mapping), got an empty file"),
    ("- a\n", "1:1: expected a mapping of plan fields, got a list"),
], ids=["empty", "list"])
def test_report_plan_that_is_not_a_mapping_says_plan_and_plan_new(tmp_path, text, expected):
    # it said "expected a study" with the hint `hccmeta new ID` (a study-file scaffold)
    plan = tmp_path / "p.yaml"
    plan.write_text(text, encoding="utf-8")
    result = run("report", "--plan", plan, "--out", tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert f"{plan}:{expected} (hint: run `hccmeta plan new FILE` for a scaffold)" in (
        result.stderr)


def test_plan_new_without_a_library_folder_says_so(tmp_path):
    target = tmp_path / "p.yaml"
    result = run("plan", "new", target, "--studies", tmp_path / "nolib")
    assert result.exit_code == 2, result.output
    assert "no folder" in result.stderr and "--studies DIR" in result.stderr
    assert not target.exists()


@pytest.mark.parametrize(("old", "new"), [
    ("include_unverified: false", 'include_unverified: "no"'),
    ("  exclude_overlapping: true", '  exclude_overlapping: "yes"'),
    ("  leave_one_out: true", "  leave_one_out: 1"),
])
def test_a_plan_switch_takes_true_or_false_only(tmp_path, old, new):
    """`include_unverified: "no"` was read as false (lax parsing), `1` as true."""
    from reports.plan import DEFAULT_PLAN, PlanError, load_plan

    text = DEFAULT_PLAN.read_text(encoding="utf-8")
    line = text.splitlines().index(old) + 1
    path = tmp_path / "plan.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(PlanError) as info:
        load_plan(path)
    msgs = [i.format() for i in info.value.issues]
    field = old.strip().split(":")[0]
    assert any(f":{line}:" in m and field in m for m in msgs), msgs


def test_a_users_capitalised_key_is_kept_in_the_error_location(tmp_path):
    """Union-branch tags (``Reference``) are taken out of error locations; a key of the user's
    own mapping that looks like one (``sources: {Rt_dose_gy: ...}``) is a key and stays."""
    from extraction import load_study
    from extraction.issues import StudyFileError

    text = (ROOT / "studies" / "zhai2025.yaml").read_text(encoding="utf-8")
    old = "    sources:\n      rt_dose_gy:\n        location: abstract\n"
    assert old in text
    path = tmp_path / "zhai2025.yaml"
    path.write_text(text.replace(old, "    sources:\n      Rt_dose_gy:\n        location: Bogus\n"),
                    encoding="utf-8")
    with pytest.raises(StudyFileError) as caught:
        load_study(path)
    fields = [i.field for i in caught.value.issues]
    assert "arms[0].sources.Rt_dose_gy.location" in fields, fields
    assert "arms[0].sources.location" not in fields

"""Regenerate the bad-input corpus: one malformed study file per case.

Each file is the valid BASE study with one defect. The line where hccmeta must report the error
carries a trailing comment ``# expect: FIELD`` (``-`` for a file-level error without a field).
Files that cannot hold a comment (invalid UTF-8, empty, 50 MB) are described in CASES_WITHOUT_MARKER
of tests/extraction/test_bad_inputs.py. Run: python tests/bad_inputs/make_corpus.py
"""

from pathlib import Path

HERE = Path(__file__).parent

BASE = """\
schema_version: 1
id: {id}
citation:
  title: "A study of radiotherapy and immunotherapy"
  authors: [Doe J]
  journal: J Test Oncol
  year: 2020
design: single_arm_trial
arms:
  - id: a
    label: Arm A
    treatment_class: rt+ici
    n: 50
    source:
      location: abstract
      quote: "50 patients were enrolled"
outcomes:
  binary:
    - endpoint: orr
      arm: a
      criteria: recist_1.1
      events: 20
      total: 50
      percent: 40.0
      source:
        location: abstract
  time_to_event:
    - endpoint: os
      arm: a
      median: 12.0
      ci_lower: 9.0
      ci_upper: 15.0
      source:
        location: table
        label: Table 2
curation:
  extracted_by: tester
"""

# name -> (old line text, new line text(s)); new text gets the marker where the error must be.
MUTATIONS = {
    # issue 15: zero times and absurd magnitudes (they validated, then crashed or overflowed)
    "median_zero": ("      median: 12.0",
                    "      median: 0  # expect: outcomes.time_to_event[0].median"),
    "ci_lower_zero": ("      ci_lower: 9.0",
                      "      ci_lower: 0.0  # expect: outcomes.time_to_event[0].ci_lower"),
    "median_absurd": ("      median: 12.0",
                      "      median: 1.0e+307  # expect: outcomes.time_to_event[0].median"),
    "n_absurd": ("    n: 50", "    n: 10000000000000000000000000000  # expect: arms[0].n"),
    "events_absurd": ("      events: 20", "      events: 1000000000000000000000000000  "
                      "# expect: outcomes.binary[0].events"),
    "syntax_mapping_in_value": ("  journal: J Test Oncol", "  journal: J: Test Oncol  # expect: -"),
    "syntax_unclosed_flow": ("  authors: [Doe J]", "  authors: [Doe J\n  journal2: x  # expect: -"),
    "syntax_bad_indent": ("    n: 50", "    n: 50\n   bad: 1  # expect: -"),
    "tab_indentation": ("    n: 50", "\tn: 50  # expect: -"),
    "duplicate_key_top": ("design: single_arm_trial",
                          "design: single_arm_trial\ndesign: rct  # expect: design"),
    "duplicate_key_nested": ("    n: 50", "    n: 50\n    n: 60  # expect: arms[0].n"),
    "wrong_type_year": ("  year: 2020", "  year: twenty  # expect: citation.year"),
    "wrong_type_float_count": ("    n: 50", "    n: 50.5  # expect: arms[0].n"),
    "wrong_type_quoted_count": ("      events: 20",
                                "      events: \"20\"  # expect: outcomes.binary[0].events"),
    "wrong_type_bool_count": ("    n: 50", "    n: true  # expect: arms[0].n"),
    "wrong_type_list_for_text": ("  journal: J Test Oncol",
                                 "  journal: [J, Test]  # expect: citation.journal"),
    "unknown_field_top": ("design: single_arm_trial",
                          "design: single_arm_trial\ncolour: red  # expect: colour"),
    "unknown_field_nested": ("    label: Arm A", "    label: Arm A\n    lable: x  # expect: arms[0].lable"),
    "negative_count": ("      events: 20", "      events: -3  # expect: outcomes.binary[0].events"),
    "events_above_total": ("      events: 20",
                           "      events: 60  # expect: outcomes.binary[0].events"),
    "ci_lower_above_upper": ("      ci_upper: 15.0",
                             "      ci_upper: 8.0  # expect: outcomes.time_to_event[0].ci_upper"),
    "percent_above_100": ("      percent: 40.0",
                          "      percent: 140  # expect: outcomes.binary[0].percent"),
    "percent_nan": ("      percent: 40.0", "      percent: .nan  # expect: outcomes.binary[0].percent"),
    "median_negative": ("      median: 12.0",
                        "      median: -12.0  # expect: outcomes.time_to_event[0].median"),
    "missing_provenance": ("  - id: a\n    label: Arm A\n    treatment_class: rt+ici\n    n: 50\n"
                           "    source:\n      location: abstract\n      quote: \"50 patients were enrolled\"\n",
                           "  - id: a  # expect: arms[0].source\n    label: Arm A\n"
                           "    treatment_class: rt+ici\n    n: 50\n"),
    "missing_required_field": ("  title: \"A study of radiotherapy and immunotherapy\"\n  authors: [Doe J]\n"
                               "  journal: J Test Oncol\n",
                               "  title: \"A study of radiotherapy and immunotherapy\"  # expect: citation.journal\n"
                               "  authors: [Doe J]\n"),
    "missing_source_label": ("        location: table\n        label: Table 2\n",
                             "        location: table  # expect: outcomes.time_to_event[0].source.label\n"),
    "secondary_without_url": ("      location: abstract\n      quote",
                              "      location: secondary  # expect: arms[0].source.url\n      quote"),
    "unknown_treatment_class": ("    treatment_class: rt+ici",
                                "    treatment_class: rt+icii  # expect: arms[0].treatment_class"),
    "unknown_endpoint": ("    - endpoint: orr",
                         "    - endpoint: orrr  # expect: outcomes.binary[0].endpoint"),
    "unknown_design": ("design: single_arm_trial", "design: cohort  # expect: design"),
    "missing_criteria": ("    - endpoint: orr\n      arm: a\n      criteria: recist_1.1\n",
                         "    - endpoint: orr  # expect: outcomes.binary[0].criteria\n      arm: a\n"),
    "unknown_arm_reference": ("      arm: a\n      criteria",
                              "      arm: b  # expect: outcomes.binary[0].arm\n      criteria"),
    "duplicate_arm_id": ("outcomes:\n", "  - id: a  # expect: arms[1].id\n    label: Arm B\n"
                         "    treatment_class: tki\n    n: 40\n    source:\n"
                         "      location: abstract\noutcomes:\n"),
    "id_mismatch": ("id: {id}", "id: another_study  # expect: id"),
    "bad_doi": ("  year: 2020", "  year: 2020\n  doi: https://doi.org/10.1/x  # expect: citation.doi"),
    "bad_p_value": ("curation:", "contrasts:\n  - endpoint: os\n    measure: hr\n    arm: a\n"
                    "    reference: b  # expect: contrasts[0].reference\n    estimate: 0.7\n    p_value: p<0.05x  # expect: contrasts[0].p_value\n"
                    "    source:\n      location: abstract\ncuration:"),
    "unknown_derived_field": ("      source:\n        location: abstract\n  time",
                              "      source:\n        location: abstract\n      derived:\n"
                              "        evnts: 40% of 50  # expect: outcomes.binary[0].derived.evnts\n  time"),
    "schema_version_2": ("schema_version: 1", "schema_version: 2  # expect: schema_version"),
    "placeholder_left": ("  journal: J Test Oncol", "  journal: FILL  # expect: citation.journal"),
    "missing_curve_file": ("curation:", "curves:\n  - endpoint: os\n    arm: a\n"
                           "    file: km/does_not_exist.csv  # expect: curves[0].file\n"
                           "    source:\n      location: figure\n      label: Figure 2\ncuration:"),
    "curve_outside_studies": ("curation:", "curves:\n  - endpoint: os\n    arm: a\n"
                              "    file: ../../../etc/passwd.csv  # expect: curves[0].file\n"
                              "    source:\n      location: figure\n      label: Figure 2\ncuration:"),
    "curve_absolute_path": ("curation:", "curves:\n  - endpoint: os\n    arm: a\n"
                            "    file: /etc/hosts.csv  # expect: curves[0].file\n"
                            "    source:\n      location: figure\n      label: Figure 2\ncuration:"),
    "alias_bomb": ("curation:", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
                   "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]  # expect: -\n"
                   "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
                   "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
                   "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\ncuration:"),
    "python_object_tag": ("  year: 2020", "  year: !!python/object/apply:os.system "
                          "[\"touch /tmp/hccmeta_pwned_marker\"]  # expect: citation.year"),
    "python_name_tag": ("    label: Arm A", "    label: !!python/name:os.system  # expect: arms[0].label"),
    "custom_tag": ("  journal: J Test Oncol", "  journal: !include /etc/passwd  # expect: citation.journal"),
    "merge_key": ("  - id: a\n", "  - <<: {id: a}  # expect: arms[0]\n"),
    "non_string_key": ("design: single_arm_trial", "design: single_arm_trial\n1: one  # expect: -"),
    "two_documents": ("  extracted_by: tester\n", "  extracted_by: tester\n---\nid: x  # expect: -\n"),
    "top_level_list": ("schema_version: 1\n", "- schema_version: 1  # expect: -\n"),
    # review fixes (A2-C25): each defect of the adversarial review, one file each
    "curve_nul_byte": ("curation:", "curves:\n  - endpoint: os\n    arm: a\n"
                       "    file: \"km/\\0.csv\"  # expect: curves[0].file\n"
                       "    source:\n      location: figure\n      label: Figure 2\ncuration:"),
    "curve_name_too_long": ("curation:", "curves:\n  - endpoint: os\n    arm: a\n"
                            f"    file: km/{'a' * 300}.csv  # expect: curves[0].file\n"
                            "    source:\n      location: figure\n      label: Figure 2\n"
                            "curation:"),
    "curve_path_newline": ("curation:", "curves:\n  - endpoint: os\n    arm: a\n"
                           "    file: \"km/ok.csv\\nx.yaml:1:1: y: expected a, got b\"  "
                           "# expect: curves[0].file\n"
                           "    source:\n      location: figure\n      label: Figure 2\n"
                           "curation:"),
    "arm_reference_newline": ("      arm: a\n      criteria",
                              "      arm: \"zz\\nx.yaml:1:1: fake\"  # expect: outcomes.binary[0].arm"
                              "\n      criteria"),
    "bool_as_percent": ("      percent: 40.0", "      percent: on  # expect: outcomes.binary[0].percent"),
    "quoted_ci_bound": ("      ci_upper: 15.0",
                        "      ci_upper: \" 15 \"  # expect: outcomes.time_to_event[0].ci_upper"),
    "followup_range_reversed": ("curation:", "followup:\n  - median: 18.8\n    range_lower: 30\n"
                                "    range_upper: 2  # expect: followup[0].range_upper\n"
                                "    source:\n      location: abstract\ncuration:"),
    "year_far_future": ("  year: 2020", "  year: 2099  # expect: citation.year"),
    "published_not_a_date": ("  year: 2020", "  year: 2020\n"
                             "  published: 2020-13-45  # expect: citation.published"),
    "enrolment_end_before_start": ("curation:", "enrolment:\n  start: 2021-12\n"
                                   "  end: 2018-01  # expect: enrolment.end\n"
                                   "  source:\n    location: abstract\ncuration:"),
    "rt_dose_in_cgy": ("    n: 50", "    n: 50\n    rt_dose_gy: 5000  # expect: arms[0].rt_dose_gy"),
    "entry_problems_at_once": ("      events: 20\n      total: 50\n      percent: 40.0\n",
                               "      events: 60  # expect: outcomes.binary[0].events\n"
                               "      total: 50\n      percent: 40.0\n      ci_lower: 50\n"
                               "      ci_upper: 30  # expect: outcomes.binary[0].ci_upper\n"
                               "      derived:\n"
                               "        arm: computed  # expect: outcomes.binary[0].derived.arm\n"),
    "entry_problems_despite_field_error": (
        "      events: 20\n      total: 50\n      percent: 40.0\n",
        "      events: 60  # expect: outcomes.binary[0].events\n      total: 50\n"
        "      percent: 400  # expect: outcomes.binary[0].percent\n"),
    "empty_label": ("    label: Arm A", "    label: \"\"  # expect: arms[0].label"),
}

_IPD = ("curation:", "ipd:\n  - endpoint: os\n    arm: a\n    file: {file}{m_file}\n{arm_in_file}"
        "    reconstructed_from: Figure 2\n    reconstructed_by: tester\n    method: Guyot 2012\n"
        "    citation: [Doe J 2020]\n    sha256: {sha}{m_sha}\n    source:\n      location: figure\n"
        "      label: Figure 2\ncuration:")
OK_SHA = "SHA_OF_OK_CSV"
"""Replaced by the sha256 of ipd/ok.csv when the corpus is built."""


def _ipd(file: str = "ipd/ok.csv", sha: str = OK_SHA, arm_in_file: str = "", m_file: str = "",
         m_sha: str = "") -> tuple[str, str]:
    return _IPD[0], _IPD[1].format(file=file, sha=sha, arm_in_file=arm_in_file, m_file=m_file,
                                   m_sha=m_sha)


MUTATIONS.update({  # patient-level data (ipd:) and the comparability fields
    "ipd_sha256_mismatch": _ipd(sha="f" * 64, m_sha="  # expect: ipd[0].sha256"),
    "ipd_bad_event": _ipd(file="ipd/bad_event.csv", sha="f" * 64,
                          m_file="  # expect: ipd[0].file"),
    "ipd_outside_studies": _ipd(file="../../../etc/x.csv", m_file="  # expect: ipd[0].file"),
    "ipd_missing_file": _ipd(file="ipd/none.csv", m_file="  # expect: ipd[0].file"),
    "ipd_unknown_arm_in_file": _ipd(file="ipd/two_arms.csv", sha="TWO_ARMS_SHA",
                                    arm_in_file="    arm_in_file: c  # expect: ipd[0].arm_in_file\n"),
    "ipd_several_arms_no_arm_in_file": _ipd(file="ipd/two_arms.csv", sha="TWO_ARMS_SHA",
                                            m_file="  # expect: ipd[0].file"),
    "ipd_sha256_not_hex": _ipd(sha="abc", m_sha="  # expect: ipd[0].sha256"),
    "bad_denominator": ("      percent: 40.0\n", "      percent: 40.0\n"
                        "      denominator: ITT  # expect: outcomes.binary[0].denominator\n"),
    "bad_response_unit": ("      percent: 40.0\n", "      percent: 40.0\n      response_unit: "
                          "lesions  # expect: outcomes.binary[0].response_unit\n"),
    "bad_arm_disease": ("    n: 50", "    n: 50\n    disease: [oligo]  # expect: arms[0].disease[0]"),
})

IPD_FILES = {
    "ok.csv": "time,event\n1.5,1\n3.0,0\n",
    "bad_event.csv": "time,event\n1.5,1\n3.0,2\n",
    "two_arms.csv": "time,event,arm\n1.5,1,a\n3.0,0,b\n",
}


def build() -> None:
    import hashlib

    (HERE / "ipd").mkdir(exist_ok=True)
    for name, text in IPD_FILES.items():
        (HERE / "ipd" / name).write_text(text, encoding="utf-8")
    sha = {key: hashlib.sha256(IPD_FILES[f].encode()).hexdigest()
           for key, f in ((OK_SHA, "ok.csv"), ("TWO_ARMS_SHA", "two_arms.csv"))}
    for name, (old, new) in MUTATIONS.items():
        base = BASE.format(id=name)
        old = old.format(id=name)
        assert old in base, name
        text = base.replace(old, new, 1)
        for key, digest in sha.items():
            text = text.replace(key, digest)
        if name == "top_level_list":
            text = "\n".join(("  " + line if i else line) if line else line
                             for i, line in enumerate(text.splitlines())) + "\n"
        (HERE / f"{name}.yaml").write_text(text, encoding="utf-8")
    (HERE / "invalid_utf8.yaml").write_bytes(
        BASE.format(id="invalid_utf8").replace("[Doe J]", "[Do\xe9 J]  # expect: -").encode("latin-1"))
    (HERE / "empty.yaml").write_text("", encoding="utf-8")
    (HERE / "km" / "ok.csv").write_text("time,survival\n0,1\n", encoding="utf-8")


if __name__ == "__main__":
    build()

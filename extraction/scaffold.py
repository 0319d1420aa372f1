"""``hccmeta new ID``: a study-file scaffold with every field present or commented.

Required fields hold ``FILL`` placeholders, which fail validation with their line until replaced;
optional fields are commented out with a description. Once the placeholders are filled in, the file
validates (tests fill them programmatically to prove it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from extraction import vocabulary as vocab

ID_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
"""A study id (use with ``fullmatch``: ``match`` with ``$`` would accept a trailing newline)."""
ID_MAX_LENGTH = 60
"""The schema's ``Slug`` limit: a longer id could never validate."""
PLACEHOLDER = "FILL"


def _choices(table: Mapping[str, object]) -> str:
    return " | ".join(table)


def scaffold(study_id: str) -> str:
    """Return the YAML text of a new study file with id ``study_id``."""
    if not ID_PATTERN.fullmatch(study_id):
        raise ValueError(f"expected an id of lowercase letters, digits and _ (e.g. zhai2025 or "
                         f"finn2020_imbrave150), got {study_id!r}")
    if len(study_id) > ID_MAX_LENGTH:
        raise ValueError(f"expected an id of at most {ID_MAX_LENGTH} characters, got "
                         f"{len(study_id)}")
    f = PLACEHOLDER
    return f"""\
# yaml-language-server: $schema=../build/schema/study.schema.json
# Study file scaffold: replace every {f}, uncomment what the paper reports, delete the rest.
# Every number needs a source (where it was read). A number you computed goes under `derived:`
# with how you computed it. Times are in months unless `unit:` says otherwise.
# Check it with: hccmeta validate studies/{study_id}.yaml   (editor schema: hccmeta schema)
schema_version: 1
id: {study_id}                       # must equal the file name
citation:
  title: "{f}"
  authors: ["{f}"]                  # "Surname Initials", first author at least
  journal: "{f}"
  year: {f}
  # volume: "10"
  # pages: "25-34"
  # doi: 10.xxxx/xxxx               # without https://doi.org/
  # pmid: "12345678"
  # trial_ids: [NCT00000000]
  # trial_name: ACRONYM
  # published: YYYY-MM-DD
design: {f}                         # {_choices(vocab.DESIGNS)}
# phase: "2"                        # 1 | 1/2 | 2 | 2/3 | 3
# analysis:                         # for an updated analysis of a trial, its own file
#   kind: updated                   # primary | updated | final | interim
#   data_cutoff: YYYY-MM-DD
#   updates: otherstudy2020         # id of the file this one updates
# related:                          # same trial, overlapping cohort, same institution
#   - study: otherstudy2022
#     relation: overlapping_cohort  # updated_analysis_of | updated_by | same_trial | overlapping_cohort | same_institution
#     note: same hospital, overlapping enrolment
setting:
  disease: []                       # {_choices(vocab.DISEASE_SETTINGS)}
  line: not_reported                # first | second | later | mixed | not_reported
  # stage: "BCLC B-C"
  # region: China
  # centres: single                 # single | multi | not_reported
# enrolment:
#   start: YYYY-MM
#   end: YYYY-MM
#   source: {{location: abstract, quote: "..."}}
arms:
  - id: {f}                         # short id used below, e.g. rt_ici
    label: "{f}"
    treatment_class: {f}            # {_choices(vocab.TREATMENT_CLASSES)}
    n: {f}
    # regimen: "..."
    # n_analysed: 100
    # rt_technique: SBRT
    # rt_dose_gy: 50
    # rt_dose_statistic: median
    # rt_fractions: 5
    # disease: [oligometastatic]    # overrides setting.disease for this arm
    source:
      location: {f}                 # {_choices(vocab.LOCATIONS)}
      # label: "Table 1"            # required for table, figure, supplement
      # page: 3
      # quote: "verbatim words carrying the number"
      # url: https://...            # required for a secondary source
      # verified: true              # false: excluded from pooling until checked
    # derived:
    #   n: "how it was computed"
# population:                       # {_choices(vocab.CHARACTERISTICS)}
#   - characteristic: pvtt
#     arm: {f.lower()}              # omit for the whole study
#     count: 69
#     percent: 63.9
#     denominator: 108
#     source: {{location: table, label: "Table 1"}}
# followup:
#   - median: 18.8
#     source: {{location: abstract}}
outcomes:
  binary: []
  # binary:                         # {_choices(vocab.BINARY_ENDPOINTS)}
  #   - endpoint: orr
  #     arm: {f.lower()}
  #     criteria: recist_1.1        # {_choices(vocab.RESPONSE_CRITERIA)}
  #     assessment: investigator    # {_choices(vocab.ASSESSMENT)}
  #     events: 81
  #     total: 108
  #     percent: 75.0
  #     denominator: itt            # {_choices(vocab.DENOMINATORS)}
  #     response_unit: patient      # {_choices(vocab.RESPONSE_UNITS)}
  #     source: {{location: abstract, quote: "..."}}
  time_to_event: []
  # time_to_event:                  # {_choices(vocab.TIME_TO_EVENT_ENDPOINTS)}
  #   - endpoint: os
  #     arm: {f.lower()}
  #     median: 17.0                # or NE when not reached
  #     ci_lower: 13.1
  #     ci_upper: NE
  #     events: 60
  #     landmarks: [{{time: 12, percent: 67.2, ci_lower: 61.3, ci_upper: 73.1}}]
  #     source: {{location: figure, label: "Figure 2A"}}
  adverse_events: []
  # adverse_events:
  #   - term: any                   # or the event's name
  #     grade: 3+                   # {_choices(vocab.AE_GRADES)}
  #     attribution: treatment_related  # {_choices(vocab.AE_ATTRIBUTION)}
  #     arm: {f.lower()}
  #     count: 33
  #     total: 108
  #     source: {{location: table, label: "Table 3"}}
# contrasts:                        # arm versus reference
#   - endpoint: os
#     measure: hr                   # hr | or | rr
#     arm: {f.lower()}
#     reference: other_arm
#     estimate: 0.58
#     ci_lower: 0.42
#     ci_upper: 0.79
#     p_value: "<0.001"
#     p_test: log_rank              # {_choices(vocab.P_TESTS)}
#     source: {{location: abstract}}
# curves:                           # digitized Kaplan-Meier curves
#   - endpoint: os
#     arm: {f.lower()}
#     file: km/{study_id}_os.csv    # time,survival (WebPlotDigitizer export)
#     risk_table: [[0, 108], [6, 90]]  # or risk_file: km/{study_id}_os_risk.csv
#     total_events: 60
#     source: {{location: figure, label: "Figure 2A"}}
# ipd:                              # patient-level data (instead of a curve for that arm)
#   - endpoint: os
#     arm: {f.lower()}
#     file: ipd/{study_id}_os.csv   # time,event[,arm]; months; event 1 or 0
#     arm_in_file: {f.lower()}      # value of the CSV's arm column (when it holds several arms)
#     reconstructed_from: "Figure 2A"
#     reconstructed_by: "who made it (authors, repository, commit)"
#     method: "e.g. Guyot 2012 / Wei & Royston 2017 reconstruction"
#     citation: ["what the data's authors ask users to cite"]
#     sha256: {f.lower()}           # sha256sum of the CSV; a mismatch is an error
#     source: {{location: figure, label: "Figure 2A"}}
# conflicts:                        # sources that disagree: record, do not silently resolve
#   - about: ORR of the main arm
#     fields: ["outcomes.binary[0].percent"]   # quoted; audit errors there become warnings
#     values: ["27", "30.0"]
#     sources: [{{location: abstract}}, {{location: secondary, url: https://...}}]
#     resolution: the file uses the paper's abstract
curation:
  extracted_by: "{f}"
  # extracted_on: YYYY-MM-DD
  # checked_by: "..."
  # checked_on: YYYY-MM-DD
# notes: "anything a reviewer should know: what the source leaves unknown, ambiguities"
"""

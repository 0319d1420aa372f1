"""``hccmeta plan new FILE``: a commented analysis-plan scaffold that loads as it is.

Every key of :class:`reports.plan.Plan` appears, set to its default or commented out with its
choices, so a newcomer edits rather than writes. ``tests/reports/test_plan.py`` loads it.
"""

from __future__ import annotations

SCAFFOLD = """\
# Analysis plan for `hccmeta report --plan {name}` (format: README, "Analysis plans").
# Unknown keys are rejected; every error is reported as file:line:col: field: message.
title: "{index} against historical benchmarks"
index:
  study: {index}            # study id (file name in studies/) of the index study
  # arm: rt_ici             # arm id; the first arm when omitted
  claim: "more favourable results than historical studies"   # the claim examined, verbatim

# Comparator groups: each is a set of comparability rules. An arm joins a group only when it
# passes every rule; an arm of the group's treatment classes that fails another rule is listed
# in the report with the rule that excluded it.
groups:
  - id: rt_ici
    label: "RT + ICI studies"
    treatment_classes: [rt+ici, rt+ici+tki, rt+ici+vegf, rt+ici+antiangiogenic, tace+rt+ici]
    # lines: [first]        # first | second | later | mixed | not_reported (any when omitted)
    # designs: [rct]        # rct | nonrandomized_trial | single_arm_trial | prospective_cohort |
    #                       # retrospective_cohort (any when omitted)
    # phases: ["3"]         # "1" | "1/2" | "2" | "2/3" | "3" (any when omitted)
    # min_phase: "3"        # lowest phase; "1/2" counts as 2
    # phase_2_3: "3"        # what a phase 2/3 trial counts as ("3" unless you say "2")
    diseases: [metastatic, recurrent, advanced]   # arm (or study) disease settings: one of these
    exclude_diseases: [oligometastatic]           # settings that exclude an arm
    # arm_labels: ['sorafenib\\b.*']   # regexes (case-insensitive), one to match the arm label
    # references: [cui2025_rt_ici]   # published pooled results (studies/external/
    #   published_pooled.yaml); in a group with line/phase rules give their population:
    #   - {{id: tang2019_ici, lines: [mixed], phases: ["1/2", "2"]}}   (else shown as context)
  - id: tki
    label: "Sorafenib/lenvatinib (TKI) arms"
    treatment_classes: [tki]

outcomes:
  - id: orr
    label: "Objective response rate"
    kind: proportion        # proportion | median | landmark | adverse_event
    endpoint: orr
    measure: PLO            # PLO | PFT | PAS | PR (proportions), MED (medians)
    # criteria: [recist_1.1, mrecist]   # accepted response criteria, in order of preference
    # denominators: [itt, evaluable]    # itt | evaluable | measurable_disease | safety |
    #                                   # not_reported (any when omitted)
    response_units: [patient]           # patient | lesion | unclear
    # groups: [rt_ici]                  # comparator groups of this outcome (all when omitted)
  - id: os_median
    label: "Median overall survival"
    kind: median
    endpoint: os
    measure: MED
  - id: ae_g3
    label: "Grade >=3 adverse events (any event)"
    kind: adverse_event
    endpoint: ae
    measure: PLO
    grades: ["3+", "3-4"]   # accepted grade bands, in order of preference
    attributions: index     # the index's attribution (unstated = all-cause), or a list of
    #                       # all_cause | treatment_related | immune_related | not_reported

estimator: REML             # FE | DL | REML | ML | PM | HS | SJ | EB | HE
inference: z                # z | knha
level: 95                   # confidence level (percent); alpha = 1 - level/100
moderators: []              # e.g. - {{id: pvtt, label: "PVTT (%)", characteristic: pvtt}}
                            # (add fallback: macrovascular_invasion to use it where PVTT is
                            # not reported: an approximation, stated in the report)
min_studies_metareg: 5
subgroup_by: design         # design | treatment_class | line | none
sensitivity:
  estimators: [FE, DL, REML, ML, PM, HS, SJ, EB, HE]
  leave_one_out: true
  inference: [z, knha]
  min_k_bias: 10
  exclude_overlapping: true  # one arm per overlap cluster in the main analysis; also pool all
include_unverified: false
exclude_single_extraction: false  # true: pool only study files a second person checked
"""


def scaffold(name: str, index: str = "zhai2025") -> str:
    """The scaffold text for a plan file called ``name`` with ``index`` as the index study."""
    return SCAFFOLD.format(name=name, index=index)

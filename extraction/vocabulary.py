"""Controlled vocabularies of study files, each term with a human description.

The schema turns each table into an enumeration (so editors can complete it and the JSON Schema
lists it); :func:`suggest` offers the closest term for a typo.
"""

from __future__ import annotations

import difflib

DESIGNS = {
    "rct": "randomised controlled trial",
    "nonrandomized_trial": "non-randomised controlled or multi-cohort trial",
    "single_arm_trial": "prospective single-arm trial (phase 1, 2 or expansion cohort)",
    "prospective_cohort": "prospective observational cohort",
    "retrospective_cohort": "retrospective cohort or real-world series",
}

TREATMENT_CLASSES = {
    "rt+ici": "radiotherapy (EBRT, SBRT, IMRT, proton) with immune checkpoint inhibitor(s)",
    "rt+ici+vegf": "radiotherapy with an ICI and an anti-VEGF antibody (e.g. bevacizumab)",
    "rt+ici+tki": "radiotherapy with an ICI and a VEGFR/multikinase TKI (lenvatinib, apatinib)",
    "rt+ici+antiangiogenic": "radiotherapy with an ICI and an anti-angiogenic agent the source "
                             "does not name (TKI or anti-VEGF antibody)",
    "tace+rt+ici": "TACE followed by radiotherapy and an ICI",
    "rt": "radiotherapy alone",
    "ici": "immune checkpoint inhibitor monotherapy (anti-PD-1 or anti-PD-L1)",
    "ici+ici": "dual checkpoint blockade (anti-PD-(L)1 with anti-CTLA-4)",
    "ici+vegf": "ICI with an anti-VEGF antibody (e.g. atezolizumab + bevacizumab)",
    "ici+tki": "ICI with a multikinase/VEGFR TKI (e.g. camrelizumab + apatinib)",
    "ici+antiangiogenic": "ICI with an anti-angiogenic agent the source does not name",
    "tki": "multikinase/VEGFR tyrosine kinase inhibitor alone (sorafenib, lenvatinib)",
    "tace": "transarterial chemoembolisation",
    "tace+tki": "TACE with a tyrosine kinase inhibitor",
    "tki+tki": "two tyrosine kinase inhibitors (e.g. sorafenib + erlotinib)",
    "tki+chemotherapy": "a TKI with systemic or hepatic arterial infusion chemotherapy (e.g. "
                        "sorafenib + doxorubicin, sorafenib + cisplatin/fluorouracil HAIC)",
    "sirt": "selective internal radiation therapy (yttrium-90 radioembolisation) alone",
    "tki+sirt": "a TKI with selective internal radiation therapy (e.g. sorafenib + Y-90 SIRT)",
    "vegf": "an anti-VEGF or anti-VEGFR2 antibody alone (e.g. ramucirumab)",
    "chemotherapy": "systemic chemotherapy",
    "placebo": "placebo or best supportive care",
    "other": "anything else (describe it in regimen)",
}

DISEASE_SETTINGS = {
    "advanced": "advanced HCC (BCLC C, or B not amenable to locoregional therapy)",
    "unresectable": "unresectable HCC",
    "metastatic": "extrahepatic metastasis present",
    "oligometastatic": "a few metastases (oligometastatic disease, as the source defines it)",
    "recurrent": "recurrence after prior curative treatment",
    "locally_advanced": "locally advanced disease without extrahepatic spread",
    "pvtt": "portal vein tumour thrombosis",
    "intermediate": "intermediate stage (BCLC B)",
}
"""Disease settings of a study (``setting.disease``) or of one arm (``arms[].disease``)."""

DENOMINATORS = {
    "itt": "all patients allocated/enrolled in the arm (intention to treat)",
    "evaluable": "patients evaluable for the outcome (e.g. with a post-baseline assessment)",
    "measurable_disease": "patients with measurable disease at baseline",
    "safety": "patients who received at least one dose (safety population)",
    "not_reported": "the source does not say which patients form the denominator",
}
"""Which patients a proportion's denominator counts (``BinaryOutcome.denominator``)."""

RESPONSE_UNITS = {
    "patient": "one response per patient (best overall response)",
    "lesion": "one response per lesion (a lesion-level rate)",
    "unclear": "the source does not make clear whether patients or lesions are counted",
}
"""What a response rate counts (``BinaryOutcome.response_unit``)."""

BINARY_ENDPOINTS = {
    "orr": "objective response rate (CR + PR)",
    "dcr": "disease control rate (CR + PR + SD)",
    "cr": "complete response",
    "pr": "partial response",
    "sd": "stable disease",
    "pd": "progressive disease as best response",
    "in_field_control": "in-field (local) control of irradiated lesions",
    "in_field_recurrence": "in-field recurrence",
    "conversion_resection": "conversion to resection or transplantation",
    "discontinuation_ae": "treatment discontinuation due to adverse events",
    "pcr": "pathological complete response (no viable tumour in the resected specimen)",
    "complete_necrosis": "complete tumour necrosis as the source words it (radiological or "
                         "pathological not stated)",
}

TIME_TO_EVENT_ENDPOINTS = {
    "os": "overall survival",
    "pfs": "progression-free survival",
    "ttp": "time to progression",
    "dor": "duration of response",
    "lpfs": "local (in-field) progression-free survival",
    "ihpfs": "intrahepatic progression-free survival",
    "local_control": "local (in-field) control: time to in-field progression; landmarks are "
                     "local control rates",
}

RESPONSE_CRITERIA = {
    "recist_1.1": "RECIST version 1.1",
    "recist": "RECIST, version not stated by the source",
    "mrecist": "modified RECIST for HCC",
    "irecist": "immune RECIST",
    "easl": "EASL criteria",
    "not_reported": "the source does not say which criteria were used",
}

ASSESSMENT = {
    "investigator": "investigator-assessed",
    "bicr": "blinded independent central review",
    "not_reported": "not stated in the source",
}

CHARACTERISTICS = {
    "pvtt": "portal vein tumour thrombosis",
    "macrovascular_invasion": "macrovascular invasion (PVTT, hepatic vein or IVC)",
    "extrahepatic_spread": "extrahepatic spread / metastasis",
    "bclc_a": "BCLC stage A",
    "bclc_b": "BCLC stage B",
    "bclc_c": "BCLC stage C",
    "child_pugh_a": "Child-Pugh class A",
    "child_pugh_b": "Child-Pugh class B",
    "hbv": "hepatitis B aetiology",
    "hcv": "hepatitis C aetiology",
    "non_viral": "non-viral aetiology",
    "ecog_0": "ECOG performance status 0",
    "ecog_1": "ECOG performance status 1",
    "ecog_2plus": "ECOG performance status 2 or more",
    "afp_400plus": "AFP >= 400 ng/mL",
    "male": "male sex",
    "asian": "Asian race or enrolled in Asia",
    "recurrent": "recurrent disease after prior curative treatment",
    "prior_systemic": "prior systemic therapy",
    "age": "age in years (continuous: give median or mean)",
    "other": "anything else (name it in label)",
}

AE_GRADES = {
    "any": "any grade",
    "1-2": "grade 1 or 2",
    "3+": "grade 3 or higher (3, 4 and 5)",
    "3": "grade 3 only",
    "3-4": "grade 3 or 4",
    "5": "grade 5 (fatal)",
}

AE_ATTRIBUTION = {
    "all_cause": "all adverse events regardless of attribution",
    "treatment_related": "treatment-related adverse events",
    "immune_related": "immune-mediated adverse events",
    "not_reported": "attribution not stated",
}

CONTRAST_MEASURES = {
    "hr": "hazard ratio",
    "or": "odds ratio",
    "rr": "risk ratio",
}

P_TESTS = {
    "wald": "Wald test of the model coefficient (consistent with a Wald CI)",
    "log_rank": "log-rank test",
    "stratified_log_rank": "stratified log-rank test",
    "score": "score test",
    "likelihood_ratio": "likelihood-ratio test",
    "cmh": "Cochran-Mantel-Haenszel test",
    "chi_square": "chi-square test",
    "fisher": "Fisher's exact test",
    "not_reported": "the source does not say which test gave the p-value",
}

LOCATIONS = {
    "abstract": "the paper's abstract",
    "text": "the paper's body text",
    "table": "a table of the paper (give its label)",
    "figure": "a figure of the paper (give its label)",
    "supplement": "supplementary material (give its label)",
    "registry": "a trial registry record",
    "secondary": "a secondary source quoting the paper (give its url)",
}

TIME_UNITS = {"months": 1.0, "weeks": 12.0 / 52.1775, "days": 12.0 / 365.25, "years": 12.0}
"""Factor converting each unit to months (a month is 365.25/12 days)."""


def suggest(term: str, vocabulary: dict[str, object]) -> str:
    """Return ``"did you mean 'x'?"`` for the closest term of ``vocabulary``, or ``""``."""
    match = difflib.get_close_matches(str(term).lower(), list(vocabulary), n=1, cutoff=0.5)
    return f"did you mean '{match[0]}'?" if match else ""

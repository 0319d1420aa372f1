"""The bundled HCC study library (studies/): it validates, ids are unique, every arm has a treatment
class, it holds the named phase 3 trials and every radiotherapy + ICI study of the evidence file,
links between analyses and overlapping cohorts are reciprocal, and every file's bytes are pinned
(sha256, as R's metadat pins its data sets) so that no number changes without a reviewed re-pin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from pin_library_hashes import PIN_FILE, current_hashes

from extraction import load_paths
from extraction import vocabulary as vocab
from extraction.audit import audit_paths
from extraction.schema_common import Source

ROOT = Path(__file__).resolve().parents[1]
STUDIES = ROOT / "studies"
EVIDENCE = ROOT / "studies" / "sources" / "evidence" / "hcc-facts.yaml"

PHASE3_AND_ICI_TRIALS = {
    # evidence-file id -> study files encoding it (an updated analysis is its own file)
    "SHARP": ["llovet2008_sharp"],
    "ASIA_PACIFIC": ["cheng2009_asiapacific"],
    "REFLECT": ["kudo2018_reflect"],
    "IMBRAVE150": ["finn2020_imbrave150"],
    "IMBRAVE150_UPDATED": ["cheng2022_imbrave150"],
    "HIMALAYA": ["abououalfa2022_himalaya", "sangro2024_himalaya"],
    "CHECKMATE459": ["yau2022_checkmate459"],
    "RATIONALE301": ["qin2023_rationale301"],
    "CARES310": ["qin2023_cares310", "qin2025_cares310"],
    "LEAP002": ["llovet2023_leap002"],
    "ORIENT32": ["ren2021_orient32"],
    "KEYNOTE240": ["finn2020_keynote240"],
    "KEYNOTE224": ["zhu2018_keynote224", "kudo2022_keynote224", "verset2022_keynote224"],
    "CHECKMATE040": ["elkhoueiry2017_checkmate040"],
}

RT_ICI_STUDIES = {
    # evidence-file id -> study file (the 13 radiotherapy + ICI studies plus the index study)
    "SEED_RT_ICI_2025": "zhai2025",
    "START_FIT": "chiang2023_startfit",
    "JULOORI2023": None,  # no verified number, not even arm sizes: see studies/pending/
    "KIM2024_NIVO_EBRT_MVI": "kim2024",
    "CCR2023_CAM_APA_SBRT_PVTT": "clincancerres2023_sbrt_pvtt",
    "SBRT_IO_vs_SBRT_LIVERCANCER": "livercancer2024_sbrt_io",
    "LI_JX_2022_SBRT_CAMRELIZUMAB": "li2022_sbrt_camrelizumab",
    "LI_JX_2022_RT_PD1_vs_TACE_SOR": "li2022_rt_pd1",
    "SU_K_2022_IMRT_PD1_ANTIANGIO": "su2022",
    "CHEN_YX_2023_SBRT_SINTILIMAB": "chen2023",
    "YU_JI_2019_NIVO_RT": "yu2019",
    "HE_M_2024_IMRT_ANTIPD1_NOMOGRAM": "he2024",
    "LIU_C_2024_RT_SINT_LEN_PULM_MET": "liu2024",
    "XIAO_Y_2024_RT_TKI_ICI_PVTT_SURGERY": "xiao2024",
}

RT_CLASSES = {c for c in vocab.TREATMENT_CLASSES if "rt+" in c}
"""Treatment classes that combine radiotherapy with an ICI (rt+ici, rt+ici+tki, tace+rt+ici...)."""


@pytest.fixture(scope="module")
def library():
    records, issues = load_paths([STUDIES])
    assert [i.format() for i in issues] == []
    return {r.id: r.study for r in records}


def test_every_study_file_validates_and_names_itself(library):
    files = sorted(p.stem for p in STUDIES.glob("*.yaml"))
    assert sorted(library) == files
    assert len(files) == len(set(files))


def test_every_arm_has_a_treatment_class_of_the_vocabulary(library):
    for study_id, study in library.items():
        for arm in study.arms:
            assert arm.treatment_class in vocab.TREATMENT_CLASSES, (study_id, arm.id)
            assert arm.n >= 1, (study_id, arm.id)


def test_library_holds_the_named_trials(library):
    missing = [(k, s) for k, ids in PHASE3_AND_ICI_TRIALS.items() for s in ids if s not in library]
    assert missing == []
    for study_id in ("llovet2008_sharp", "kudo2018_reflect", "finn2020_imbrave150",
                     "abououalfa2022_himalaya", "yau2022_checkmate459", "ren2021_orient32"):
        assert library[study_id].phase in {"3", "2/3"}, study_id


def test_library_holds_every_radiotherapy_ici_study_of_the_evidence_file(library):
    for evidence_id, study_id in RT_ICI_STUDIES.items():
        if study_id is None:
            pending = STUDIES / "pending" / f"{evidence_id.lower()}.yaml"
            record = yaml.safe_load(pending.read_text(encoding="utf-8"))
            assert record["evidence_id"] == evidence_id and record["reason"], evidence_id
            continue
        classes = {arm.treatment_class for arm in library[study_id].arms}
        assert classes & RT_CLASSES, (study_id, classes)
    # and no radiotherapy + ICI study in the library is missing from the list above
    with_rt = {s for s, st in library.items() if {a.treatment_class for a in st.arms} & RT_CLASSES}
    assert with_rt == {s for s in RT_ICI_STUDIES.values() if s}


def test_mapping_covers_all_28_studies_of_the_evidence_file():
    evidence = yaml.safe_load(EVIDENCE.read_text(encoding="utf-8"))
    ids = {s["id"] for s in evidence["studies"]}
    assert len(ids) == 28
    assert ids == set(PHASE3_AND_ICI_TRIALS) | set(RT_ICI_STUDIES)


def test_related_links_and_updates_are_reciprocal(library):
    inverse = {"updated_by": "updated_analysis_of", "updated_analysis_of": "updated_by",
               "same_trial": "same_trial", "overlapping_cohort": "overlapping_cohort",
               "same_institution": "same_institution"}
    for study_id, study in library.items():
        for link in study.related:
            assert link.study in library, (study_id, link.study)
            back = {(r.study, r.relation) for r in library[link.study].related}
            assert (study_id, inverse[link.relation]) in back, (study_id, link)
        if study.analysis.updates:
            assert study.analysis.kind in {"updated", "final"}
            target = library[study.analysis.updates]
            assert (study_id, "updated_by") in {(r.study, r.relation) for r in target.related}


def test_imbrave150_updated_analysis_is_its_own_file(library):
    updated = library["cheng2022_imbrave150"]
    assert updated.analysis.kind == "updated"
    assert updated.analysis.updates == "finn2020_imbrave150"
    assert library["finn2020_imbrave150"].analysis.kind == "primary"


def test_same_hospital_cohorts_are_linked_pairwise(library):
    group = {"li2022_sbrt_camrelizumab", "li2022_rt_pd1", "he2024"}
    for study_id in group:
        linked = {r.study for r in library[study_id].related if r.relation in
                  {"overlapping_cohort", "same_institution"}}
        assert linked == group - {study_id}, study_id


def _sources(node):
    """Every Source inside a validated model, with whether it sits under `conflicts`."""
    stack = [(node, False)]
    while stack:
        item, in_conflict = stack.pop()
        if isinstance(item, Source):
            yield item, in_conflict
        elif isinstance(item, list | tuple):
            stack += [(x, in_conflict) for x in item]
        elif isinstance(item, dict):
            stack += [(x, in_conflict) for x in item.values()]
        elif hasattr(type(item), "model_fields"):
            for name in type(item).model_fields:
                stack.append((getattr(item, name), in_conflict or name == "conflicts"))


def test_no_unverified_number_enters_the_library(library):
    # unverified (memory) facts of the evidence file are never encoded; an unverified source
    # may only appear as the other side of a recorded conflict
    for study_id, study in library.items():
        for source, in_conflict in _sources(study):
            assert source.verified or in_conflict, study_id
            if source.location == "secondary":
                assert source.url, study_id


def test_library_audits_without_errors():
    result = audit_paths([STUDIES])
    assert result.issues == ()
    errors = [f"{f.file}:{f.line}: {f.check}: {f.message}" for f in result.findings
              if f.severity == "error"]
    assert errors == []


def test_library_bytes_match_their_pinned_hashes():
    pinned = json.loads(PIN_FILE.read_text(encoding="utf-8"))
    current = current_hashes()
    how = ("after reviewing the change, re-pin with `.venv/bin/python tests/pin_library_hashes.py` "
           "and commit tests/library_hashes.json with it")
    added = sorted(set(current) - set(pinned))
    removed = sorted(set(pinned) - set(current))
    changed = sorted(f for f in set(current) & set(pinned) if current[f] != pinned[f])
    assert not added, f"studies/{added[0]} is not pinned; {how}"
    assert not removed, f"studies/{removed[0]} is pinned but missing; {how}"
    assert not changed, f"studies/{changed[0]} changed since it was pinned; {how}"

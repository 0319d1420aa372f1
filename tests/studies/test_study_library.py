"""The bundled HCC study library (studies/): it validates, ids are unique, every arm has a treatment
class, it holds the named phase 3 trials and every radiotherapy + ICI study of the evidence file,
links between analyses and overlapping cohorts are reciprocal, and every file's bytes are pinned
(sha256, as R's metadat pins its data sets) so that no number changes without a reviewed re-pin."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import yaml
from pin_library_hashes import PIN_FILE, current_hashes

from extraction import vocabulary as vocab
from extraction.audit import audit_paths
from extraction.schema_common import Source

ROOT = Path(__file__).resolve().parents[2]
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

IPD_EVIDENCE = ROOT / "studies" / "sources" / "evidence" / "hcc-facts-ipd-trials.yaml"
IPD_DIR = STUDIES / "ipd"

IPD_TRIALS = {
    # hcc-facts-ipd-trials.yaml id -> study file (the 12 trials added with their IPD)
    "SUN1170": "cheng2013_sun1170",
    "BRISK_FL": "johnson2013_briskfl",
    "SEARCH": "zhu2015_search",
    "LIGHT": "cainap2015_light",
    "SARAH": "vilgrain2017_sarah",
    "SILIUS": "kudo2018_silius",
    "SIRVENIB": "chow2018_sirvenib",
    "SORAMIC": "ricke2019_soramic",
    "CALGB80802": "abououalfa2019_calgb80802",
    "CELESTIAL": "abououalfa2018_celestial",
    "REACH2": "zhu2019_reach2",
    "RESORCE": "bruix2017_resorce",
}

IPD_FILES = {
    # IPD CSV (studies/ipd/) -> study file that attaches it (both arms)
    "sharp_llovet2008_fig2a.csv": "llovet2008_sharp",
    "asiapacific_cheng2009_fig2a.csv": "cheng2009_asiapacific",
    "reflect_kudo2018_fig2.csv": "kudo2018_reflect",
    "checkmate-459_yau2019_figX.csv": "yau2022_checkmate459",
    "imbrave150_finn2020_fig1a.csv": "finn2020_imbrave150",
    "keynote-240_finn2019_fig2a.csv": "finn2020_keynote240",
    "sun1170_chen2013_fig2a.csv": "cheng2013_sun1170",
    "brisk-fl_johnson2013_fig2a.csv": "johnson2013_briskfl",
    "search_zhu2014_fig2a.csv": "zhu2015_search",
    "light_cainap2014_fig2.csv": "cainap2015_light",
    "sarah_vilgrain2017_fig2a.csv": "vilgrain2017_sarah",
    "silius_kudo2018_fig2a.csv": "kudo2018_silius",
    "sirvenib_chow2018_fig2a.csv": "chow2018_sirvenib",
    "soramic_ricke2019_fig2a.csv": "ricke2019_soramic",
    "calgb-80802_abou-alfa2019_fig2a.csv": "abououalfa2019_calgb80802",
    "celestial_abou-alfa2018_fig2a.csv": "abououalfa2018_celestial",
    "reach2_zhu2019_fig2a.csv": "zhu2019_reach2",
    "resorce_bruix2017_fig2a.csv": "bruix2017_resorce",
}

RT_CLASSES = {c for c in vocab.TREATMENT_CLASSES if "rt+" in c}
"""Treatment classes that combine radiotherapy with an ICI (rt+ici, rt+ici+tki, tace+rt+ici...)."""


@pytest.fixture(scope="module")
def library(bundled_records):
    records = bundled_records
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
    how = ("after reviewing the change, re-pin with "
           "`.venv/bin/python tests/studies/pin_library_hashes.py` and commit "
           "tests/studies/library_hashes.json with it")
    added = sorted(set(current) - set(pinned))
    removed = sorted(set(pinned) - set(current))
    changed = sorted(f for f in set(current) & set(pinned) if current[f] != pinned[f])
    assert not added, f"studies/{added[0]} is not pinned; {how}"
    assert not removed, f"studies/{removed[0]} is pinned but missing; {how}"
    assert not changed, f"studies/{changed[0]} changed since it was pinned; {how}"


def test_library_holds_the_twelve_ipd_trials_of_the_evidence_file(library):
    evidence = yaml.safe_load(IPD_EVIDENCE.read_text(encoding="utf-8"))
    assert {s["id"] for s in evidence["studies"]} == set(IPD_TRIALS)
    for evidence_id, study_id in IPD_TRIALS.items():
        study = library[study_id]
        assert study.design == "rct" and len(study.arms) == 2, study_id
        assert study.ipd, study_id
        # phase 3 except SORAMIC, whose phase the evidence leaves open (recorded as a conflict)
        assert study.phase == ("3" if evidence_id != "SORAMIC" else None), study_id


def test_every_ipd_file_is_attached_to_both_arms_of_its_trial(library):
    assert sorted(p.name for p in IPD_DIR.glob("*.csv")) == sorted(IPD_FILES)
    for name, study_id in IPD_FILES.items():
        entries = [e for e in library[study_id].ipd if e.file == f"ipd/{name}"]
        assert sorted(e.arm for e in entries) == sorted(a.id for a in library[study_id].arms)
        assert all(e.endpoint == "os" and e.arm_in_file for e in entries), study_id
    attached = {e.file for st in library.values() for e in st.ipd}
    assert attached == {f"ipd/{name}" for name in IPD_FILES}


def test_every_ipd_sha256_matches_the_file_the_study_entry_attribution_and_manifest(library):
    attribution = yaml.safe_load((IPD_DIR / "ATTRIBUTION.yaml").read_text(encoding="utf-8"))
    manifest = yaml.safe_load((IPD_DIR / "MANIFEST.yaml").read_text(encoding="utf-8"))
    pinned = {f["file"]: f["sha256"] for f in attribution["files"]}
    listed = {f["file"]: f["sha256"] for f in manifest["files"]}
    assert set(pinned) == set(listed) == set(IPD_FILES)
    for name in IPD_FILES:
        digest = hashlib.sha256((IPD_DIR / name).read_bytes()).hexdigest()
        assert digest == pinned[name] == listed[name], name
    for study_id, study in library.items():
        for entry in study.ipd:
            assert entry.sha256 == pinned[entry.file.removeprefix("ipd/")], (study_id, entry.arm)
    used = {f["file"]: set(f["used_by"]) for f in attribution["files"]}
    assert used == {name: {sid} for name, sid in IPD_FILES.items()}
    assert attribution["source"]["commit"] == "1260f13604df02851df8dceea1bac6f6253f4f7b"
    assert any("Bomze" in c for c in attribution["cite"])
    assert any("Wei Y, Royston P" in c for c in attribution["cite"])


def test_ipd_arm_sizes_match_the_arms_except_the_recorded_conflicts(library):
    from extraction.ipd import read_ipd_csv

    mismatched = set()
    for study_id, study in library.items():
        for entry in study.ipd:
            table = read_ipd_csv(IPD_DIR / entry.file.removeprefix("ipd/"))
            n = len(table.select(entry.arm_in_file)[0])
            if n != study.arm(entry.arm).n:
                mismatched.add((study_id, entry.arm, n, study.arm(entry.arm).n))
    # SEARCH's arm sizes look swapped in the IPD; LIGHT's linifanib arm is 512 vs 514 published
    assert mismatched == {("zhu2015_search", "sorafenib_erlotinib", 358, 362),
                          ("zhu2015_search", "sorafenib_placebo", 362, 358),
                          ("cainap2015_light", "linifanib", 512, 514)}
    for study_id in ("zhu2015_search", "cainap2015_light"):
        fields = [f for c in library[study_id].conflicts for f in c.fields]
        assert any(f.endswith(".n") for f in fields), study_id


def test_search_swap_and_light_size_are_audit_findings_not_silent_fixes():
    result = audit_paths([STUDIES / "zhu2015_search.yaml", STUDIES / "cainap2015_light.yaml"])
    found = {(Path(f.file).stem, f.field, f.severity) for f in result.findings
             if f.check == "ipd-n"}
    assert found == {("zhu2015_search", "arms[0].n", "warning"),
                     ("zhu2015_search", "arms[1].n", "warning"),
                     ("cainap2015_light", "arms[0].n", "warning")}
    assert all("recorded as conflicts" in f.message for f in result.findings
               if f.check == "ipd-n")


def test_comparability_annotations_from_the_evidence(library):
    imbrave = library["finn2020_imbrave150"].outcomes.binary
    assert {b.denominator for b in imbrave} == {"measurable_disease"}
    assert {b.denominator for b in library["yau2022_checkmate459"].outcomes.binary} == {"itt"}
    chen = library["chen2023"]
    assert chen.outcomes.binary[0].response_unit == "unclear"
    assert "32 targeted lesions" in (chen.outcomes.binary[0].notes or "")
    assert "oligometastatic" in chen.setting.disease
    lc = library["livercancer2024_sbrt_io"]
    assert any("outcomes.binary[0].percent" in c.fields for c in lc.conflicts)
    zhai = library["zhai2025"].outcomes.binary[0]
    assert zhai.denominator == "not_reported" and "ASSUMED" in zhai.derived["total"]
    for study_id in ("clincancerres2023_sbrt_pvtt", "livercancer2024_sbrt_io"):
        assert library[study_id].citation.source.quote is None, study_id


def test_mvi_and_ehs_percentages_of_the_ipd_evidence_are_encoded(library):
    wanted = {"johnson2013_briskfl": {"pvtt", "macrovascular_invasion"},
              "finn2020_imbrave150": {"macrovascular_invasion", "extrahepatic_spread"},
              "llovet2008_sharp": {"macrovascular_invasion", "extrahepatic_spread"},
              "kudo2018_reflect": {"macrovascular_invasion", "extrahepatic_spread"},
              "finn2020_keynote240": {"macrovascular_invasion", "extrahepatic_spread"},
              "bruix2017_resorce": {"macrovascular_invasion", "extrahepatic_spread"},
              "abououalfa2018_celestial": {"macrovascular_invasion", "extrahepatic_spread"},
              "zhu2019_reach2": {"macrovascular_invasion", "extrahepatic_spread"}}
    for study_id, characteristics in wanted.items():
        got = {c.characteristic for c in library[study_id].population}
        assert characteristics <= got, study_id

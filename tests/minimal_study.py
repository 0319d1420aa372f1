"""The smallest valid study file, as text with an ``{id}`` placeholder, for tests that change
one thing in it (the adversarial review's base file)."""

MINIMAL_STUDY = """\
schema_version: 1
id: {id}
citation:
  title: T
  authors: [Zhai Y]
  journal: J
  year: 2025
design: retrospective_cohort
arms:
  - id: a
    label: A
    treatment_class: rt+ici
    n: 108
    source:
      location: abstract
curation:
  extracted_by: me
"""


def write_library(tmp_path, docs):
    """Write study documents (dicts) as ``tmp_path/studies/<id>.yaml`` and load them; every
    document must validate. Returns the study records."""
    import yaml

    from extraction import load_paths

    folder = tmp_path / "studies"
    folder.mkdir(parents=True)
    for d in docs:
        (folder / f"{d['id']}.yaml").write_text(yaml.safe_dump(d, sort_keys=False))
    records, issues = load_paths([folder])
    assert not issues, [i.format() for i in issues]
    return records

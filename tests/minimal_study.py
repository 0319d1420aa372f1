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

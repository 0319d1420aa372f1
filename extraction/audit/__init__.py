"""Audit of extracted numbers: consistency checks, double-extraction diff and the audit trail.

Each check has a stable id listed in :data:`CHECKS`; :func:`audit_paths` / :func:`audit_records`
return located :class:`Finding` objects; :func:`build_trail` traces every number to its line,
source and check status; :func:`usable_for_pooling` excludes unverified numbers by default.
"""

from extraction.audit.diff import DiffResult, diff_records, load_extraction
from extraction.audit.findings import CHECKS, CheckSpec, Finding
from extraction.audit.provenance import exclude_unverified, number_verified, usable_for_pooling
from extraction.audit.runner import AuditResult, audit_paths, audit_records, worst
from extraction.audit.trail import AuditTrail, TrailRow, build_trail

__all__ = ["CHECKS", "AuditResult", "AuditTrail", "CheckSpec", "DiffResult", "Finding",
           "TrailRow", "audit_paths", "audit_records", "build_trail", "diff_records",
           "exclude_unverified", "load_extraction", "number_verified", "usable_for_pooling",
           "worst"]

"""Report tables built from the typed analysis: citations, the audit appendix, reviewer tables."""

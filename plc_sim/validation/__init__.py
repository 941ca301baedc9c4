"""Validation: documented patterns from the PLC literature, measured with replications and intervals."""

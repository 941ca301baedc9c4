"""What every tool shares: input errors, progress bars, provenance, safe file writing, and statistics (with the
paired comparison of a changed model against the baseline, :mod:`plc_sim.core.compare`)."""

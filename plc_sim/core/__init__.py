"""What every tool shares: input errors, progress bars, provenance and safe file writing."""

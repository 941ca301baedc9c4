"""Pattern-oriented calibration: sample uncertain parameters, keep the points where every pattern holds."""

"""Experiment specs: reading a spec's TOML into a :class:`~plc_sim.experiments.specs.spec.Spec` and checking
every field. ``spec`` assembles the parts: ``spec_fields`` (field checks with one-line errors), ``designs`` (factors
and sampling designs), ``levers`` (policies and uncertainties), ``spec_figures`` (the figures and sensitivity a
spec asks for), ``rule_specs`` (replaced rules), ``outcome_specs`` (own outcomes, stop condition, per-school
series) and ``user_functions`` (resolving a spec's own ``module:function`` and running it under its time limit).
Nothing here runs the model or touches a result folder."""

"""The participatory workshop: each participant leads one school of a shared network from their own browser.

``plc-sim workshop`` serves a facilitator page and a participant page. :mod:`~plc_sim.workshop.decisions`
declares the yearly decisions and how each maps onto the model's per-school state;
:mod:`~plc_sim.workshop.session` holds the room (participants, decisions, shocks, years);
:mod:`~plc_sim.workshop.record` saves a session and replays it from its seed and decision log.
"""

ENVIRONMENT = "PLC_SIM_WORKSHOP"
"""The environment variable that hands a session's settings (JSON) from ``plc-sim workshop`` to its server."""

"""The workshop app: a Solara page served by ``plc-sim app``."""

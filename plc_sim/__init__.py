"""plc-sim's tools around the model: command line, runs, sweeps, sensitivity, reports and the app.

Everything here depends on the ``simulation`` package; the model never imports from here.
"""

"""Experiments on the model, in three rooms that depend one way: ``specs`` (what to run) < ``execution`` (running
it and storing the results) < ``analysis`` (reading the results back and drawing conclusions). This package
itself holds no code."""

"""Analysis of finished sweeps: ``results`` loads a result folder and summarizes it (replication means with
intervals, survival of communities), ``figures`` draws a sweep's figures, ``sensitivity`` computes Morris and
Sobol indices, ``discover`` finds the conditions of an outcome by PRIM and CART (``discover_output`` writes them
in words and figures, ``discover_page`` the offline box-choosing page), ``robustness`` ranks policies across
scenarios, and ``report`` gathers every experiment into one report. It reads specs and result folders and never
runs the model."""

"""Running experiments and keeping their results: ``execute`` turns a spec's run tasks into results on local
processes or a Dask cluster, ``sweep`` drives a whole spec into a result folder in ``batches``, ``store`` is that
self-checking folder (a checksum per batch, a lock, resume), ``datasets`` reads the batches back as tables and
writes the analysis-ready datasets, and ``single_run`` runs and writes one model run (with its chart, drawn by
``run_chart``). It reads specs; it knows nothing of the analysis."""

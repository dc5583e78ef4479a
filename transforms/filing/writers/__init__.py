"""The three XML writers (single submission, Hong Kong filing, Mainland filing) and their plumbing.

Pure library code (no Prefect): :mod:`.registry` lists the writers, :mod:`.schemas` validates their
output against the XSDs shipped in ``data/schemas``, :mod:`.output` places a file atomically.
"""

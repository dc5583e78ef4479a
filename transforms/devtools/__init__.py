"""Development tools, apart from the pipeline: the benchmark inbox generator, the sample inbox,
the customs-response simulator and the builders of the shipped reference data and schemas.

The pipeline never imports this package (``pyproject.toml``'s import contracts); the CLI does, for
``ssdd samples``, ``ssdd simulate-responses`` and ``ssdd reference build``.
"""

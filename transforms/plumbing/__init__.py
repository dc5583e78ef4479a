"""Shared plumbing every stage may use and that knows nothing of customs: atomic files, paths,
time, settings, the night's runtime (worker pools and the rule for when they are worth it,
hand-offs, heap trims, stage timers), locks, crash points, personal-data hashing and log redaction.

The lowest layer: it imports no other ``transforms`` package (``pyproject.toml``'s import contracts).
"""

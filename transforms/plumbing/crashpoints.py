"""Crash-test hooks: ``SSDD_KILL_AT=<name>`` makes the process die at that point, as a power cut
would (no cleanup, no ``finally``). Tests use it to prove a re-run finishes the work exactly once."""

from __future__ import annotations

import os


def kill_point(name: str) -> None:
    if os.environ.get("SSDD_KILL_AT") == name:
        os._exit(137)

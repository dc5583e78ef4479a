"""Process environment for Prefect, set before Prefect is imported.

Prefect reads its settings at import time, so the CLI calls :func:`configure` first and imports
the flow module afterwards. Ephemeral mode keeps PREFECT_HOME inside the workspace: no server to
start, nothing written to the user's home, and a run leaves its history beside its outputs.
"""

from __future__ import annotations

import os
from pathlib import Path

QUIET = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "GX_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_LOGGING_SERVER_LEVEL": "ERROR",
    "PREFECT_SERVER_LOGGING_LEVEL": "ERROR",
    "PREFECT_LOGGING_LOG_PRINTS": "false",
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    "PREFECT_UI_ENABLED": "false",
    "PREFECT_CLI_COLORS": "false",
}


def configure(workspace: Path | None, *, startup_timeout: int = 120, log_level: str = "WARNING") -> None:
    for key, value in QUIET.items():
        os.environ.setdefault(key, value)
    os.environ["PREFECT_LOGGING_LEVEL"] = os.environ.get("SSDD_PREFECT_LOG_LEVEL", log_level)
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", str(startup_timeout))
    if workspace is not None and "PREFECT_API_URL" not in os.environ:
        home = (workspace / ".prefect").resolve()
        home.mkdir(parents=True, exist_ok=True)
        os.environ["PREFECT_HOME"] = str(home)

"""Process environment for Prefect, set before Prefect is imported.

Prefect reads its settings at import time, so the CLI calls :func:`configure` first and imports
the flow module afterwards. Ephemeral mode keeps PREFECT_HOME inside the workspace: no server to
start, nothing written to the user's home, and a run leaves its history beside its outputs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flows.server import EphemeralApi

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
    # Prefect's own console handler prints tracebacks of failed tasks; the user gets one sentence
    # from the CLI instead, and the full record goes to the log file and the Prefect API.
    "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "CRITICAL",
    "PREFECT_LOGGING_HANDLERS_DEBUG_LEVEL": "CRITICAL",
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


def attach_log_file(workspace: Path, run_label: str = "ssdd") -> Path:
    """JSON lines for machines: every Prefect flow/task record of this process, in the workspace."""
    import json
    import logging
    import logging.handlers

    class _Json(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            doc = {"ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname,
                   "logger": record.name, "message": record.getMessage(),
                   "run_id": getattr(record, "run_id", None),
                   "flow_run": getattr(record, "flow_run_name", None),
                   "task_run": getattr(record, "task_run_name", None)}
            if record.exc_info or record.exc_text:
                doc["exception"] = record.exc_text or self.formatException(record.exc_info)  # type: ignore[arg-type]
            return json.dumps(doc, ensure_ascii=False)

    logs = workspace / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    path = logs / f"{run_label}.jsonl"
    # a new file each midnight (ssdd.jsonl.YYYY-MM-DD), none deleted: `ssdd prune` applies retention_days
    handler = logging.handlers.TimedRotatingFileHandler(path, when="midnight", backupCount=0, encoding="utf-8")
    handler.setFormatter(_Json())
    handler.setLevel(logging.INFO)
    for name in ("prefect", "ssdd"):
        logging.getLogger(name).addHandler(handler)
    logging.getLogger("ssdd").setLevel(logging.INFO)
    logging.getLogger("ssdd").propagate = False  # the terminal gets sentences from the CLI, not records
    from flows.logs import install

    install(handler)  # run id on every record, personal data redacted (terminal, Prefect API, this file)
    import sys

    from flows.logs import log_unraisable

    sys.unraisablehook = log_unraisable
    return path


def start_ephemeral_server_early(timeout: int) -> EphemeralApi | None:
    """Start the ephemeral Prefect API in a child process while the caller imports the heavy data
    libraries; call ``join()`` on the result before running the flow. None when PREFECT_API_URL
    already names a server. Must be called before Prefect is imported (it reads the URL once)."""
    if os.environ.get("PREFECT_API_URL"):
        return None
    from flows.server import EphemeralApi

    return EphemeralApi(timeout)


def boot(workspace: Path, startup_timeout: int, *, warm_workers: bool = False) -> Path:
    """Ready this process to run the filing flow: Prefect's environment, its API (the one named by
    PREFECT_API_URL, or an ephemeral one booting on the other core while the flow's libraries are
    imported here), then the JSON-lines log. With ``warm_workers`` (a night big enough for worker
    processes) the fork server starts importing the workers' libraries meanwhile too. Returns the
    log's path; raises :class:`flows.server.ServerError` (one sentence) when the ephemeral API
    does not come up."""
    configure(workspace, startup_timeout=startup_timeout)
    starting = start_ephemeral_server_early(startup_timeout)
    if warm_workers:
        from transforms.plumbing.runtime import warm_up

        warm_up()
    if starting is not None:
        import expectations  # noqa: F401  (GX takes seconds: imported while the server boots)
    import flows.run  # noqa: F401  (pandas, lxml, Prefect)

    if starting is not None:
        starting.join()
    return attach_log_file(workspace)

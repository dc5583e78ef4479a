"""Retry policy of the flow's tasks: only the I/O edge is retried, with exponential back-off.

A task that reads or writes files, the ledger or the Parquet dataset may meet a transient error (a
network share that blinks, a full disk freed by a colleague, a busy SQLite file). Retrying it is safe:
every write is atomic and the ledger makes a repeated filing a no-op. Anything else (a bug, bad data,
a task's own timeout) fails at once, because retrying cannot help and only delays the alert.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Final

from prefect.tasks import exponential_backoff

IO_ERRORS: Final = (OSError, sqlite3.OperationalError)


def _exception(state: Any) -> BaseException | None:
    data = getattr(state, "data", None)
    if isinstance(data, BaseException):
        return data
    try:
        result = state.result(raise_on_failure=False)
    except Exception:
        return None
    return result if isinstance(result, BaseException) else None


def is_io_error(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect ``retry_condition_fn``: retry transient I/O errors, never a timeout or a bug."""
    exc = _exception(state)
    return isinstance(exc, IO_ERRORS) and not isinstance(exc, TimeoutError)


#: keyword arguments for ``@task`` on I/O tasks: 2 retries after about 2 s and 4 s
IO_RETRY: Final[dict[str, Any]] = {"retries": 2, "retry_delay_seconds": exponential_backoff(backoff_factor=2),
                                   "retry_jitter_factor": 0.5, "retry_condition_fn": is_io_error}

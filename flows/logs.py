"""One run id on every log record, and no personal data in any of them.

The flow binds its run id (:func:`bind_run_id`) as soon as it has one; :class:`RunRecordFilter` puts
it on every record as ``run_id`` and replaces personal data in the message and the traceback
(:func:`transforms.plumbing.redact.redact`). :func:`install` adds the filter to every handler Prefect and the
root logger have (terminal, Prefect API, JSON file), so nothing personal leaves the process.
"""

from __future__ import annotations

import logging

from transforms.plumbing.redact import redact

_run_id: str | None = None


def bind_run_id(run_id: str | None) -> None:
    """The ssdd run id that records of this process belong to (one flow run at a time per process)."""
    global _run_id
    _run_id = run_id


class RunRecordFilter(logging.Filter):
    """Adds ``record.run_id``; redacts the message, its arguments and the exception text."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "run_id", None) is None:
            record.run_id = _run_id
        if getattr(record, "_ssdd_redacted", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: let the handler report it as it would
            return True
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        record._ssdd_redacted = True
        return True


_FILTER = RunRecordFilter()


def install(*extra: logging.Handler) -> None:
    """Put the filter on every handler of the root and ``prefect*`` loggers (and on ``extra``)."""
    loggers = [logging.getLogger()] + [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)
                                       if name == "prefect" or name.startswith("prefect.")]
    handlers = {h for lg in loggers for h in lg.handlers} | set(extra)
    for handler in handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)


def log_unraisable(unraisable: object) -> None:
    """``sys.unraisablehook``: an exception Python cannot raise (a half-written workbook's generator
    closed at exit, after the fault boundary already held its trader) goes to the log, with the run
    id, instead of printing a traceback in front of the user."""
    exc = getattr(unraisable, "exc_value", None)
    where = getattr(unraisable, "object", None)
    logging.getLogger("ssdd.unraisable").warning(
        "ignored an exception Python could not raise in %r", where,
        exc_info=(type(exc), exc, exc.__traceback__) if isinstance(exc, BaseException) else None)


def dask_setup(worker: object) -> None:
    """Dask preload (``--preload flows.logs``): the same redaction in every Dask worker process."""
    import prefect.main  # noqa: F401  (sets up Prefect's handlers, which the filter then joins)

    install()

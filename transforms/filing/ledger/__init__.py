"""The filing ledger: every submission's versions, status, customs events and quarantine items.

SQLite in WAL mode (``synchronous=NORMAL``, a busy timeout) at a ``sqlite:///path`` URL; the schema
comes from the versioned migrations in :mod:`transforms.filing.ledger.migrations`. History is append-only:
``versions`` rows are never updated or deleted (triggers refuse it), so an auditor can replay a
submission's whole life: filed, held, amended, cancelled, accepted, arrived, released.

Ordering with the outbox (why a crash at any moment is safe)
------------------------------------------------------------
The caller asks :meth:`Ledger.decide`, renders the filing to temporary files, fsyncs, validates and
renames them into the outbox, and only **then** calls :meth:`Ledger.record_filed`, one short
transaction. A crash between rename and commit leaves files whose version the ledger does not
know: the next run gets the same decision (the ledger did not move), re-renders the same bytes
(deterministic writers, same as-of) over them and commits. ``record_filed`` is idempotent (the same
submission, version and hash again is a no-op), so a crash after the commit does no harm either.

Status of a submission: ``held`` (never filed), ``filed``, then from customs events ``accepted``,
``rejected``, ``arrived``, ``released``; ``cancelled`` only through :meth:`Ledger.cancel`.

The rooms of this package, one responsibility each, all writing through the one connection of
:mod:`~transforms.filing.ledger.connection`: :mod:`~transforms.filing.ledger.versions` (decisions,
filings, holds, cancellations), :mod:`~transforms.filing.ledger.lookups` (reading them),
:mod:`~transforms.filing.ledger.events` (customs events) with :mod:`~transforms.filing.ledger.status`
(how events fold into a status), and :mod:`~transforms.filing.ledger.quarantine_items`. Callers import
from this package only.
"""

from __future__ import annotations

from transforms.filing.ledger.connection import BUSY_TIMEOUT_MS, LedgerError, ledger_path
from transforms.filing.ledger.events import CustomsEvents, EventOutcome
from transforms.filing.ledger.lookups import SubmissionLookups
from transforms.filing.ledger.quarantine_items import QuarantineItems, QuarantineStatus
from transforms.filing.ledger.status import Status, fold_status
from transforms.filing.ledger.versions import FC_CANCEL, FC_ORIGINAL, FC_REPLACE, Decision, SubmissionVersions

__all__ = [
    "BUSY_TIMEOUT_MS", "FC_CANCEL", "FC_ORIGINAL", "FC_REPLACE", "Decision", "EventOutcome", "Ledger",
    "LedgerError", "QuarantineStatus", "Status", "fold_status", "ledger_path",
]


class Ledger(SubmissionVersions, SubmissionLookups, CustomsEvents, QuarantineItems):
    """The filing ledger at a path or ``sqlite:///path`` URL; created and migrated on open.

    One object, one SQLite connection (:class:`~transforms.filing.ledger.connection.LedgerConnection`,
    the common base of every part), so one :meth:`batch` spans the filings, events and quarantine
    items written inside it: one transaction, all or nothing."""

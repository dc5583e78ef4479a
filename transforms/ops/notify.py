"""Alerts for operations staff: a command (payload on stdin) and/or a webhook (payload POSTed as JSON).

Five events, each one JSON object with ``event``, ``message`` (one sentence), ``workspace``, ``at``
and details: ``run_failed``, ``quarantine_new``, ``held_near_crossing``, ``nightly_missed`` and
``internal_error`` (a run that completed past unexpected exceptions, holding what they touched).
Payloads pass through :func:`transforms.plumbing.redact.redact_json`; the webhook URL is a secret (it often
carries a token) and is never printed. Delivery never fails the run: problems come back as sentences.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from pydantic import SecretStr

from transforms.plumbing.redact import redact_json
from transforms.plumbing.settings import Settings

TIMEOUT_SECONDS: Final = 5.0
EVENTS: Final = ("run_failed", "quarantine_new", "held_near_crossing", "nightly_missed", "internal_error")


@dataclass(frozen=True)
class Notifier:
    command: str | None = None
    webhook: SecretStr | None = None
    timeout: float = TIMEOUT_SECONDS

    @property
    def configured(self) -> bool:
        return bool(self.command) or self.webhook is not None

    def send(self, payload: Mapping[str, Any]) -> list[str]:
        """Deliver one alert to every configured hook; returns one sentence per failed delivery."""
        body = json.dumps(redact_json(dict(payload)), ensure_ascii=False, default=str).encode("utf-8")
        problems: list[str] = []
        if self.command:
            try:
                done = subprocess.run(shlex.split(self.command), input=body, capture_output=True,
                                      timeout=self.timeout, check=False)
                if done.returncode != 0:
                    problems.append(f"notify_command exited with {done.returncode}.")
            except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
                problems.append(f"notify_command could not run ({exc.__class__.__name__}).")
        if self.webhook is not None:
            url = self.webhook.get_secret_value()
            if not url.lower().startswith(("https://", "http://")):
                problems.append("notify_webhook is not an http(s) URL.")
            else:
                req = urllib.request.Request(url, data=body, method="POST",  # noqa: S310 (scheme checked)
                                             headers={"Content-Type": "application/json; charset=utf-8",
                                                      "User-Agent": "ssdd"})
                try:
                    with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310
                        resp.read(1024)
                except (urllib.error.URLError, OSError, ValueError) as exc:
                    # the exception text may quote the URL (and its token): name the class only
                    problems.append(f"notify_webhook POST failed ({exc.__class__.__name__}).")
        return problems


def alert(settings: Settings, event: str, message: str, **details: Any) -> list[str]:
    """Send one alert through the hooks the settings configure; returns delivery problems (never raises)."""
    hook = Notifier(command=settings.notify_command, webhook=settings.notify_webhook)
    if not hook.configured:
        return []
    return hook.send(payload(event, settings.workspace, message, **details))


def payload(event: str, workspace: Path, message: str, **details: Any) -> dict[str, Any]:
    assert event in EVENTS, event
    return {"event": event, "message": message, "workspace": str(workspace),
            "at": datetime.now(UTC).isoformat(timespec="seconds"), **details}


def internal_errors(summary: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The ``internal_error`` alert of a run summary document: one sentence and the errors (stage,
    trader, trip or file, reason), or None when the run had none."""
    errors = list(summary.get("internal_errors") or [])
    if not errors:
        return None
    traders = sorted({str(e["trader"]) for e in errors if e.get("trader")})
    message = (f"ssdd run {summary.get('run_id')} completed with {len(errors)} internal error(s)"
               + (f" holding what they touched of {', '.join(traders)}" if traders else "")
               + "; every other trader was filed; see internal_errors in its summary.json.")
    return message, {"run_id": summary.get("run_id"), "internal_errors": errors}


def quarantine_news(current: Mapping[str, Any], previous: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Held trips, quarantined files and refused files of this run that the previous run did not
    already report.

    Both arguments are run summaries (``runs/<run-id>/summary.json`` documents).
    """
    def held(doc: Mapping[str, Any] | None) -> set[str]:
        return {s["submission_id"] for s in (doc or {}).get("submissions", []) if s.get("status") == "held"}

    def quarantined(doc: Mapping[str, Any] | None) -> set[tuple[str, str | None]]:
        return {(f["path"], f.get("sha256")) for f in (doc or {}).get("files", []) if f.get("rows_quarantined")}

    def refused(doc: Mapping[str, Any] | None) -> set[tuple[str, str | None]]:
        return {(f["path"], f.get("reason")) for f in (doc or {}).get("files", []) if f.get("status") == "refused"}

    new_held = sorted(held(current) - held(previous))
    new_files = sorted(quarantined(current) - quarantined(previous))
    new_refused = sorted(refused(current) - refused(previous), key=lambda pr: pr[0])
    if not new_held and not new_files and not new_refused:
        return None
    trips = [{"submission_id": s["submission_id"], "trader": s.get("trader"), "trip_ref": s.get("trip_ref"),
              "reasons": s.get("reasons", [])} for s in current.get("submissions", [])
             if s["submission_id"] in set(new_held)]
    files = [{"path": p, "rows_quarantined": next(f["rows_quarantined"] for f in current["files"]
                                                  if f["path"] == p)} for p, _ in new_files]
    return {"held_trips": trips, "files": files, "reports": list(current.get("quarantine_reports", [])),
            "refused_files": [{"path": p, "reason": r} for p, r in new_refused]}


def near_crossings(held: Sequence[tuple[Mapping[str, Any], datetime | None]], now: datetime,
                   hours: float) -> list[dict[str, Any]]:
    """Held trips whose expected crossing is within ``hours`` of ``now`` (either side).

    ``held`` pairs a summary's submission entry with the trip's expected crossing time (from the ledger).
    """
    window = timedelta(hours=hours)
    out = []
    for entry, crossing in held:
        if crossing is None or abs(crossing - now) > window:
            continue
        out.append({"submission_id": entry["submission_id"], "trader": entry.get("trader"),
                    "trip_ref": entry.get("trip_ref"), "control_point": entry.get("control_point"),
                    "expected_crossing_at": crossing.isoformat(), "reasons": entry.get("reasons", [])})
    return sorted(out, key=lambda d: str(d["expected_crossing_at"]))


def newest_summary(workspace: Path, *, before: str | None = None) -> tuple[Path, dict[str, Any]] | None:
    """The most recently written ``runs/*/summary.json`` (optionally other than run ``before``)."""
    found = []
    for path in (workspace / "runs").glob("*/summary.json"):
        if before is not None and path.parent.name == before:
            continue
        try:
            found.append((path.stat().st_mtime_ns, path))
        except OSError:
            continue
    for _, path in sorted(found, reverse=True):
        try:
            return path, json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
    return None

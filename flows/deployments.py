"""ssdd's deployments, defined once.

``ssdd serve`` serves them (schedules fire only against a real Prefect server), and ``ssdd
deployments render`` writes the same list to ``prefect.yaml`` for teams that run Prefect workers; a
test checks that the two agree. Served runs re-import this module, so importing it only defines
things: no settings are read, no server is contacted and the heavy flow module loads inside a run.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from dataclasses import asdict, dataclass, is_dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import yaml
from prefect import flow, get_run_logger

from transforms.plumbing.settings import Settings, load_settings
from transforms.plumbing.timeutil import HK_TZ

TIMEZONE: Final = HK_TZ.key  # the IANA name Prefect's cron schedules take
PREFECT_YAML: Final = "prefect.yaml"
WORK_POOL: Final = "ssdd"


@dataclass(frozen=True)
class DeploymentSpec:
    name: str
    function: str            # the flow function in this module
    description: str
    cron: str
    timezone: str = TIMEZONE
    tags: tuple[str, ...] = ("ssdd",)

    @property
    def entrypoint(self) -> str:
        return f"flows/deployments.py:{self.function}"


def specs(settings: Settings) -> list[DeploymentSpec]:
    return [
        DeploymentSpec("nightly-filing", "scheduled_filing",
                       "File every trader folder of the inbox once (the nightly run).", settings.nightly_cron),
        DeploymentSpec("analytics-refresh", "analytics_refresh",
                       "Merge the analytics dataset's small Parquet files.", settings.analytics_cron),
    ]


_log_attached: set[Path] = set()


def _settings(**flags: Any) -> Settings:
    settings = load_settings(**flags)
    if settings.workspace.resolve() not in _log_attached:     # a served run is a fresh process
        from flows.env import attach_log_file

        attach_log_file(settings.workspace)
        _log_attached.add(settings.workspace.resolve())
    return settings


@flow(name="ssdd-scheduled-filing", log_prints=False)
def scheduled_filing(inbox: str | None = None, workspace: str | None = None) -> dict[str, Any]:
    """The nightly run: every trader folder, with locks, archive and alerts as configured.

    Without parameters the inbox and workspace come from SSDD_INBOX / SSDD_WORKSPACE (or ssdd.toml).
    """
    from flows.service import file_inbox, prepare_workspace

    settings = _settings(inbox=Path(inbox) if inbox else None, workspace=Path(workspace) if workspace else None)
    prepare_workspace(settings)
    summary = file_inbox(settings)
    return {"run_id": summary.run_id, "status": summary.status, "totals": summary.totals()}


@flow(name="ssdd-analytics-refresh", log_prints=False)
def analytics_refresh(workspace: str | None = None) -> dict[str, Any]:
    """Compact the analytics dataset while no run writes to it (every trader's lock is held)."""
    from transforms.plumbing.locks import known_traders, trader_locks

    settings = _settings(workspace=Path(workspace) if workspace else None)
    # resolved at run time: the analytics module grows its compaction separately
    compact = getattr(importlib.import_module("transforms.analytics.dataset"), "compact", None)
    if compact is None:
        get_run_logger().warning("this version of ssdd has no analytics compaction; nothing to refresh")
        return {"compacted": False}
    with trader_locks(settings.workspace, known_traders(settings.workspace), settings.lock_timeout_seconds):
        result = compact(settings.workspace / "analytics")
    return {"compacted": True, **(asdict(result) if is_dataclass(result) and not isinstance(result, type) else {})}


def runner_deployments(settings: Settings, *, every_seconds: float | None = None) -> list[Any]:
    """The deployments to serve, for this inbox and workspace.

    ``every_seconds`` replaces the cron by an interval to try the schedule out: the first runs are due
    a few seconds after serving starts (once the server's scheduler has seen the deployments), then
    one every ``every_seconds``.
    """
    from prefect.schedules import Cron, Interval
    from prefect.types.entrypoint import EntrypointType

    first = datetime.now(UTC) + timedelta(seconds=8)
    out = []
    for spec in specs(settings):
        fn: Any = {"scheduled_filing": scheduled_filing, "analytics_refresh": analytics_refresh}[spec.function]
        params: dict[str, Any] = {"workspace": str(settings.workspace.resolve())}
        if spec.function == "scheduled_filing":
            params["inbox"] = str(settings.inbox.resolve())
        schedule = Interval(every_seconds, anchor_date=first, timezone=spec.timezone) if every_seconds else \
            Cron(spec.cron, timezone=spec.timezone)
        out.append(fn.to_deployment(spec.name, schedules=[schedule], parameters=params, description=spec.description,
                                    tags=list(spec.tags), concurrency_limit=1,
                                    entrypoint_type=EntrypointType.MODULE_PATH))
    return out


def render_prefect_yaml(settings: Settings) -> str:
    """``prefect.yaml`` for `prefect deploy --all` (work pool ``ssdd``; SSDD_REPO is the checkout)."""
    doc = {
        "name": "ssdd",
        "prefect-version": importlib.metadata.version("prefect"),
        "build": None,
        "push": None,
        "pull": [{"prefect.deployments.steps.set_working_directory": {"directory": "{{ $SSDD_REPO }}"}}],
        "deployments": [{
            "name": s.name,
            "description": s.description,
            "entrypoint": s.entrypoint,
            "tags": list(s.tags),
            # inbox and workspace come from the worker's SSDD_INBOX / SSDD_WORKSPACE
            "parameters": {},
            "concurrency_limit": 1,
            "schedules": [{"cron": s.cron, "timezone": s.timezone, "active": True}],
            "work_pool": {"name": WORK_POOL, "work_queue_name": None, "job_variables": {}},
        } for s in specs(settings)],
    }
    header = ("# Rendered by `ssdd deployments render` from flows/deployments.py; edit that file (or the\n"
              "# settings nightly_cron / analytics_cron) and render again, never this one by hand.\n")
    return header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)

"""Shared fixtures: one Prefect test harness per session for in-process flow tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")

DEMO_SENDER_ID = "5345766374655_DXPESW0000001256"
DEMO_TRANSMITTER = "深圳市示例报关有限公司"
# every run the tests start (in process or as `ssdd run`) files as the demo broker of
# data/samples/ssdd.toml, as `make run` does; a test of the settings' own defaults clears these
os.environ.setdefault("SSDD_CN_SENDER_ID", DEMO_SENDER_ID)
os.environ.setdefault("SSDD_CN_TRANSMITTER_NAME", DEMO_TRANSMITTER)


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture
def run_flow(prefect_harness: None) -> Any:
    """Run the nightly flow in-process: run_flow(inbox, workspace, as_of, **settings) -> RunSummary."""
    from flows.service import bounded_flow
    from transforms.plumbing.settings import Settings

    def _run(inbox: Path, workspace: Path, as_of: str, **extra: Any) -> Any:
        for sub in ("outbox/single", "outbox/hk", "outbox/cn", "quarantine", "analytics", "reports", "runs"):
            (workspace / sub).mkdir(parents=True, exist_ok=True)
        settings = Settings(inbox=inbox, workspace=workspace, as_of=as_of, workers=1, **extra)
        return bounded_flow(settings)(settings)

    return _run

"""`ssdd serve` against a real `prefect server`: a deployment on a short interval schedule is run by
the server's scheduler and completes. Also: serve and watch refuse to start without SSDD_PII_KEY.

When the scheduled run does not complete in time, the failure shows every flow run the server knows
(with its state), serve's own output and the server's log, so the cause is visible in the test report.
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

from tests.ops.conftest import SSDD, Server, ssdd_env, start_ssdd, stop_ssdd

DEADLINE_SECONDS = 240


def _post(url: str, body: dict[str, Any]) -> Any:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def _runs_by_deployment(api: str) -> dict[str, list[dict[str, Any]]]:
    names = {d["id"]: d["name"] for d in _post(f"{api}/deployments/filter", {})}
    out: dict[str, list[dict[str, Any]]] = {}
    for run in _post(f"{api}/flow_runs/filter", {"limit": 200}):
        if run.get("deployment_id") in names:
            out.setdefault(names[run["deployment_id"]], []).append(run)
    return out


def test_served_deployments_run_on_their_schedule(prefect_server: Server, tmp_path: Path) -> None:
    inbox, workspace = tmp_path / "inbox", tmp_path / "ws"
    inbox.mkdir()                      # an empty inbox keeps the scheduled filing run short
    env = ssdd_env(prefect_server, PREFECT_RUNNER_POLL_FREQUENCY="2")
    proc = start_ssdd("serve", "--inbox", str(inbox), "--workspace", str(workspace), "--every", "60", env=env)
    completed: dict[str, dict[str, Any]] = {}
    runs: dict[str, list[dict[str, Any]]] = {}
    try:
        deadline = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < deadline and proc.poll() is None:
            runs = _runs_by_deployment(prefect_server.url)
            for name, rs in runs.items():
                done = [r for r in rs if r["state_type"] == "COMPLETED" and r["auto_scheduled"]]
                if done:
                    completed[name] = done[0]
            if {"nightly-filing", "analytics-refresh"} <= set(completed):
                break
            time.sleep(1)
    finally:
        output = stop_ssdd(proc, 60)
    why = (f"\ncompleted: {sorted(completed)}\nruns seen: "
           + json.dumps({k: [(r["name"], r["state_type"], r["auto_scheduled"]) for r in v] for k, v in runs.items()})
           + f"\n--- ssdd serve output ---\n{output}" + prefect_server.explain())
    assert {"nightly-filing", "analytics-refresh"} <= set(completed), "no scheduled run completed" + why
    assert completed["nightly-filing"]["parameters"]["inbox"] == str(inbox.resolve()), why
    assert list(workspace.glob("runs/*/summary.json")), "the scheduled filing run wrote no summary" + why
    assert "serving nightly-filing, analytics-refresh" in output and "ssdd serve stopped." in output, why
    assert proc.returncode == 0, why


def test_serve_and_watch_refuse_without_the_pii_key(tmp_path: Path) -> None:
    env = ssdd_env(None)
    del env["SSDD_PII_KEY"]
    for command in ("serve", "watch"):
        done = subprocess.run([SSDD, command, "--inbox", str(tmp_path), "--workspace", str(tmp_path / "ws")],
                              env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 2
        assert "needs SSDD_PII_KEY in the environment" in done.stderr
        assert not (tmp_path / "ws").exists()

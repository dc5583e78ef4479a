"""The Prefect API that ``ssdd serve`` schedules against: the one named by PREFECT_API_URL, or a
``prefect server start`` child on loopback with its database in the workspace, stopped on exit.

Schedules fire only against a real server (never in Prefect's ephemeral mode). Nothing here imports
Prefect: the API URL must be in the environment before Prefect is imported (it reads its settings
once, at import).
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path


class ServerError(Exception):
    """The Prefect server could not be reached or started; one sentence."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def healthy(api_url: str, timeout: float = 2.0) -> bool:
    url = api_url.rstrip("/") + "/health"
    if not url.startswith(("http://", "https://")):
        return False
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 (scheme checked)
            return int(resp.status) == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def wait_healthy(api_url: str, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if healthy(api_url):
            return
        if proc is not None and proc.poll() is not None:
            raise ServerError(f"prefect server exited with code {proc.returncode} before it was healthy.")
        time.sleep(0.25)
    raise ServerError(f"the Prefect API at {api_url} did not answer /health within {timeout:.0f} s.")


def _die_with_parent() -> None:
    """Linux: the server child gets SIGTERM when ssdd dies, even by SIGKILL (PR_SET_PDEATHSIG)."""
    with suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


@contextmanager
def prefect_api(workspace: Path, *, startup_timeout: float, log_path: Path | None = None,
                export: bool = True) -> Iterator[str]:
    """Yield the API URL to use; start (and finally stop) a local server when none is configured.

    ``export`` puts the started server's URL and home into this process's environment while it runs.
    """
    given = os.environ.get("PREFECT_API_URL")
    if given:
        wait_healthy(given, startup_timeout)
        yield given
        return
    home = (workspace / ".prefect").resolve()
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_API_HOST": "127.0.0.1",
           "PREFECT_SERVER_API_PORT": str(port), "PREFECT_UI_ENABLED": os.environ.get("PREFECT_UI_ENABLED", "false"),
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    log_path = log_path or workspace / "logs" / "prefect-server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                                 "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True,
                                preexec_fn=_die_with_parent if sys.platform == "linux" else None)
    try:
        wait_healthy(url, startup_timeout, proc)
        if export:
            os.environ["PREFECT_API_URL"] = url
            os.environ["PREFECT_HOME"] = str(home)
        yield url
    finally:
        if export:
            os.environ.pop("PREFECT_API_URL", None)
        _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's process group (it may have children), SIGKILL after 20 s."""
    for sig, wait in ((signal.SIGTERM, 20.0), (signal.SIGKILL, 5.0)):
        if proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue

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


class EphemeralApi:
    """Prefect's ephemeral API for one ``ssdd run``, started without importing Prefect here.

    Prefect's own ephemeral mode imports the whole server package into this process just to spawn
    the same uvicorn child; under the GIL that import competes with the run's own imports (Great
    Expectations alone takes seconds). Spawning the child directly lets it boot on the other core
    while this process imports. Same app, same settings, database in ``PREFECT_HOME`` (the
    workspace); the child dies with this process (PR_SET_PDEATHSIG on Linux, atexit elsewhere).
    """

    def __init__(self, timeout: float) -> None:
        import atexit
        import threading

        self.timeout = timeout
        self.url = ""
        self.error: ServerError | None = None
        self.proc = self._spawn()
        atexit.register(self.stop)
        # the API URL goes into the environment now, before Prefect is first imported
        os.environ["PREFECT_API_URL"] = self.url
        self._ready = threading.Thread(target=self._wait, name="prefect-ephemeral-health", daemon=True)
        self._ready.start()

    def _spawn(self) -> subprocess.Popen[bytes]:
        import importlib.util

        spec = importlib.util.find_spec("prefect")
        assert spec is not None and spec.origin is not None
        port = free_port()
        self.url = f"http://127.0.0.1:{port}/api"
        env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
        env.update({"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"})
        return subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--app-dir", str(Path(spec.origin).parent.parent), "--factory",
             "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(port),
             "--log-level", "error", "--lifespan", "on"],
            env=env, stdin=subprocess.DEVNULL, start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None)

    def _wait(self) -> None:
        try:
            wait_healthy(self.url, self.timeout, self.proc)
        except ServerError as exc:
            self.error = exc

    def join(self) -> None:
        """Wait until the API answers; raises ServerError (one sentence) if it never does."""
        self._ready.join()
        if self.error is not None:
            raise self.error

    def stop(self) -> None:
        _stop(self.proc)

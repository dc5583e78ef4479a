"""Fixtures of the operations tests: one real `prefect server` per session, and `ssdd` as a subprocess.

The server is started the way `ssdd serve` starts it (flows.server.prefect_api: loopback, a free port,
PREFECT_HOME in a temporary folder) and every `ssdd` child process talks to it, so no child pays for
Prefect's ephemeral server. It is stopped at the end of the session.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import DEMO_SENDER_ID, DEMO_TRANSMITTER
from transforms.plumbing.paths import DATA_DIR

SSDD = str(Path(sys.executable).with_name("ssdd"))
SAMPLE_INBOX = DATA_DIR / "samples" / "inbox"
AS_OF = (DATA_DIR / "samples" / "AS_OF").read_text(encoding="utf-8").strip()
PII_KEY = "test-pii-key-0123456789abcdef"


@dataclass(frozen=True)
class Server:
    url: str
    log: Path

    def explain(self) -> str:
        """The server's log tail, for assertion messages (why a test that needs the server failed)."""
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.is_file() else "(no log)"
        return f"\n--- prefect server log ({self.log}) ---\n{text[-4000:]}"


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    from flows.server import ServerError, prefect_api

    home = tmp_path_factory.mktemp("prefect-server")
    log = home / "server.log"
    saved = os.environ.pop("PREFECT_API_URL", None)
    try:
        with prefect_api(home, startup_timeout=180, log_path=log, export=False) as url:
            yield Server(url, log)
    except ServerError as exc:
        text = log.read_text(errors="replace")[-4000:] if log.is_file() else ""
        pytest.fail(f"could not start a Prefect server for the ops tests: {exc}\n{text}")
    finally:
        if saved is not None:
            os.environ["PREFECT_API_URL"] = saved


def ssdd_env(server: Server | None, **extra: str) -> dict[str, str]:
    """A clean environment for an `ssdd` child: no SSDD_* from the caller, the test server, a PII key,
    and the demo broker `make run` files as (data/samples/ssdd.toml)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SSDD_", "PREFECT_"))}
    env.update({"SSDD_PII_KEY": PII_KEY, "PYTHONIOENCODING": "utf-8", "COLUMNS": "200",
                "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "SSDD_CN_SENDER_ID": DEMO_SENDER_ID, "SSDD_CN_TRANSMITTER_NAME": DEMO_TRANSMITTER})
    if server is not None:
        env["PREFECT_API_URL"] = server.url
    env.update(extra)
    return env


def start_ssdd(*args: str, env: dict[str, str], cwd: Path | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([SSDD, *args], env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, encoding="utf-8")


def copy_sample(dest: Path) -> Path:
    shutil.copytree(SAMPLE_INBOX, dest)
    return dest


def stop_ssdd(proc: subprocess.Popen[str], timeout: float) -> str:
    """SIGTERM (the way a service manager stops ssdd), then its remaining output; SIGKILL if it does
    not exit within ``timeout`` seconds."""
    proc.send_signal(signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out

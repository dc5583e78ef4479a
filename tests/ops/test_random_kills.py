"""SIGKILL `ssdd run` at 20 random moments of a run; each re-run ends exactly like a clean run:
the same outbox bytes, the same ledger history, the same analytics rows, and no temporary files."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ops.conftest import AS_OF, Server, copy_sample, ssdd_env
from tests.ops.test_runs import _analytics, _ledger_state, _outbox

MOMENTS = 20
ZYGOTE = Path(__file__).with_name("zygote.py")
REPO = Path(__file__).resolve().parents[2]


class Zygote:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.proc = subprocess.Popen([sys.executable, str(ZYGOTE)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, env={**env, "PYTHONPATH": str(REPO)})

    def run(self, inbox: Path, workspace: Path, kill_after: float | None = None) -> dict[str, Any]:
        req = {"args": ["run", "--inbox", str(inbox), "--workspace", str(workspace), "--as-of", AS_OF],
               "env": self.env, "kill_after": kill_after}
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, "the zygote died"
        return dict(json.loads(line))

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


@pytest.fixture(scope="module")
def zygote(prefect_server: Server) -> Iterator[Zygote]:
    z = Zygote(ssdd_env(prefect_server))
    yield z
    z.close()


def test_twenty_random_kills_each_resume_to_the_clean_result(zygote: Zygote, tmp_path: Path,
                                                             prefect_server: Server) -> None:
    clean_ws = tmp_path / "clean" / "ws"
    clean = zygote.run(copy_sample(tmp_path / "clean" / "inbox"), clean_ws)
    assert clean["status"] == 0, prefect_server.explain()
    expected = (_outbox(clean_ws), _ledger_state(clean_ws), _analytics(clean_ws))
    rng = random.Random(20261125)  # random moments, the same ones on every run of the test
    killed_mid_run = 0
    for i in range(MOMENTS):
        moment = rng.uniform(0.05, float(clean["seconds"]))
        inbox, ws = copy_sample(tmp_path / f"k{i}" / "inbox"), tmp_path / f"k{i}" / "ws"
        first = zygote.run(inbox, ws, kill_after=moment)
        killed_mid_run += first["status"] == -9
        again = zygote.run(inbox, ws)
        assert again["status"] == 0, f"re-run after a kill at {moment:.2f} s failed" + prefect_server.explain()
        got = (_outbox(ws), _ledger_state(ws), _analytics(ws))
        assert got[0] == expected[0], f"outbox differs after a kill at {moment:.2f} s"
        assert got[1] == expected[1], f"ledger differs after a kill at {moment:.2f} s"
        assert got[2] == expected[2], f"analytics differ after a kill at {moment:.2f} s"
        assert not [p for p in ws.rglob("*") if p.name.endswith(".tmp")], f"temp files left at {moment:.2f} s"
    assert killed_mid_run >= MOMENTS // 2, "most moments must fall inside the run, or the test proves little"

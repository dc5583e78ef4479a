"""A zygote for crash tests: imports ssdd once, then forks one `ssdd` process per request.

Each request (a JSON line on stdin) names the CLI arguments, the environment and, optionally,
``kill_after`` seconds: the zygote then SIGKILLs the child at that moment, as a power cut of the
process would. It answers with a JSON line: the exit status, or -9 when it was killed. Forking a
process that already imported Python, pandas, GX and Prefect makes a run cost seconds, not the ten
seconds of imports, so twenty random moments fit in the test suite.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time

import expectations  # noqa: F401  (the heavy imports, once)
import flows.cli
import flows.run
import flows.service


def _child(args: list[str], env: dict[str, str]) -> None:
    os.environ.clear()
    os.environ.update(env)
    sys.argv = ["ssdd", *args]
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    try:
        flows.cli.main()
    except SystemExit as exc:
        os._exit(exc.code if isinstance(exc.code, int) else 1)
    os._exit(0)


def main() -> None:
    for line in sys.stdin:
        req = json.loads(line)
        started = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            _child(req["args"], req["env"])
        kill_after = req.get("kill_after")
        status = None
        if kill_after is not None:
            deadline = started + float(kill_after)
            while time.perf_counter() < deadline:
                done, raw = os.waitpid(pid, os.WNOHANG)
                if done:
                    status = os.waitstatus_to_exitcode(raw)
                    break
                time.sleep(0.005)
            if status is None:
                os.kill(pid, signal.SIGKILL)
        if status is None:
            _, raw = os.waitpid(pid, 0)
            status = os.waitstatus_to_exitcode(raw)
        print(json.dumps({"status": status, "seconds": round(time.perf_counter() - started, 3)}), flush=True)


if __name__ == "__main__":
    main()

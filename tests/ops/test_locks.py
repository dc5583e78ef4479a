"""One writer at a time: a held trader lock blocks a second process, and dies with its holder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from transforms.plumbing.locks import LockTimeout, holder_pid, known_traders, lock_path, trader_lock, trader_locks

HOLD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from transforms.plumbing.locks import trader_lock
    with trader_lock(Path(sys.argv[1]), sys.argv[2], timeout=5):
        print("held", flush=True)
        time.sleep(120)
""")

TRY = textwrap.dedent("""
    import sys
    from pathlib import Path
    from transforms.plumbing.locks import LockTimeout, trader_lock
    try:
        with trader_lock(Path(sys.argv[1]), sys.argv[2], timeout=float(sys.argv[3])):
            print("acquired")
    except LockTimeout as exc:
        print(exc)
        sys.exit(9)
""")


def _python(code: str, *args: str) -> list[str]:
    return [sys.executable, "-c", code, *args]


def test_second_holder_is_blocked_with_a_sentence_naming_trader_and_pid(tmp_path: Path) -> None:
    with trader_lock(tmp_path, "mingfai", timeout=1):
        assert holder_pid(lock_path(tmp_path, "mingfai")) == os.getpid()
        done = subprocess.run(_python(TRY, str(tmp_path), "mingfai", "0.5"), capture_output=True, text=True,
                              timeout=60, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 9, done.stdout + done.stderr
    message = done.stdout.strip()
    assert "trader mingfai is busy" in message and f"pid {os.getpid()}" in message
    assert message.count(".") <= 2 and "\n" not in message          # one sentence
    # released: the next holder gets it at once, and other traders were never blocked
    with trader_lock(tmp_path, "mingfai", timeout=0):
        pass


def test_lock_is_released_when_the_holder_is_killed(tmp_path: Path) -> None:
    holder = subprocess.Popen(_python(HOLD, str(tmp_path), "acme"), stdout=subprocess.PIPE, text=True,
                              cwd=Path(__file__).resolve().parents[2])
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(LockTimeout) as caught, trader_lock(tmp_path, "acme", timeout=0.3):
            pass
        assert caught.value.holder == holder.pid
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
        start = time.monotonic()
        with trader_lock(tmp_path, "acme", timeout=5):
            assert holder_pid(lock_path(tmp_path, "acme")) == os.getpid()
        assert time.monotonic() - start < 1
    finally:
        holder.kill()
        holder.wait(timeout=30)


def test_several_locks_sorted_reentrant_and_cjk_names(tmp_path: Path) -> None:
    with trader_locks(tmp_path, ["明辉", "acme", "ACME", "acme"], timeout=1) as names:
        assert names == sorted({"明辉", "acme", "ACME"})
        with trader_lock(tmp_path, "acme", timeout=0):      # the same process does not wait for itself
            pass
    assert known_traders(tmp_path) == sorted(["ACME", "acme", "明辉"])
    with pytest.raises(ValueError):
        lock_path(tmp_path, "../x")

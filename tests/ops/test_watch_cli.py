"""`ssdd watch` end to end: a trader's export uploaded in pieces is filed once, whole, and archived
(the default for watch) with the sha256 the run summary records."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path

from tests.ops.conftest import AS_OF, SAMPLE_INBOX, Server, ssdd_env, start_ssdd, stop_ssdd

GOODS = "goods_lines_20261125.xlsx"


def test_watch_files_an_upload_once_whole_and_archives_it(prefect_server: Server, tmp_path: Path) -> None:
    inbox, workspace = tmp_path / "inbox", tmp_path / "ws"
    inbox.mkdir()
    env = ssdd_env(prefect_server, SSDD_AS_OF=AS_OF, PYTHONUNBUFFERED="1")
    proc = start_ssdd("watch", "--inbox", str(inbox), "--workspace", str(workspace), "--settle", "2", "--poll", "0.5",
                      env=env)
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        while not any(line.startswith("watching") for line in lines):
            line = proc.stdout.readline()
            assert line, "ssdd watch exited early:\n" + "".join(lines) + prefect_server.explain()
            lines.append(line)
        (inbox / "acme").mkdir()
        for name in ("trader.yaml", "item_master.csv", "trip_plan.csv"):
            shutil.copy2(SAMPLE_INBOX / "acme" / name, inbox / "acme" / name)
        data = (SAMPLE_INBOX / "acme" / GOODS).read_bytes()
        third = len(data) // 3 + 1
        with (inbox / "acme" / GOODS).open("wb") as fh:          # an upload in three pieces: a partial xlsx
            for i in range(3):                                    # would be refused if it were ever read
                fh.write(data[i * third:(i + 1) * third])
                fh.flush()
                time.sleep(0.5)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and not list(workspace.glob("archive/*/acme/" + GOODS)):
            assert proc.poll() is None, "ssdd watch died"
            time.sleep(0.5)
        time.sleep(3)                                             # a second run would start within this
    finally:
        out = stop_ssdd(proc, 120)
    why = "\n--- ssdd watch output ---\n" + "".join(lines) + out + prefect_server.explain()
    summaries = [json.loads(p.read_text(encoding="utf-8")) for p in workspace.glob("runs/*/summary.json")]
    reads = [f for s in summaries for f in s["files"] if f["path"] == f"acme/{GOODS}"]
    assert len(reads) == 1, f"read {len(reads)} times" + why
    goods = reads[0]
    assert goods["status"] == "read" and goods["rows_in"] > 0, why
    assert goods["sha256"] == hashlib.sha256(data).hexdigest(), why
    run_id = next(s["run_id"] for s in summaries if goods in s["files"])
    archived = workspace / "archive" / run_id / "acme" / GOODS
    assert archived.read_bytes() == data, why
    assert not (inbox / "acme" / GOODS).exists()
    assert (inbox / "acme" / "trader.yaml").is_file()            # reference files stay in the inbox
    assert proc.returncode == 0 and "ssdd watch stopped." in out, why

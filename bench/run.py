"""The benchmark (not a test): ``make bench LINES=100000``.

Generates an inbox of N goods lines in every source family (at most 100k lines a file, about half
in xlsx, GB18030 and Big5-HKSCS CSVs among them, 5 % bad rows), runs the whole flow as the user
would (``ssdd run`` in a child process), and prints goods lines per second per stage, wall time,
peak RSS summed over all processes of the run, and the ratio of the run to the bare read of the
same files with fastexcel and pyarrow.csv (the floor). Also measures the fixed cost: ``ssdd run``
on an empty inbox. Figures go to ``bench/results/<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-25T20:00:00+08:00"


def _peak_rss(proc: subprocess.Popen[bytes]) -> tuple[int, int]:
    """(peak RSS summed over the process tree, peak RSS of the main process), sampled every 0.1 s."""
    peak_sum = peak_main = 0
    try:
        parent = psutil.Process(proc.pid)
        while proc.poll() is None:
            total = 0
            try:
                main = parent.memory_info().rss
                total = main + sum(c.memory_info().rss for c in parent.children(recursive=True))
            except psutil.Error:
                pass
            else:
                peak_main = max(peak_main, main)
            peak_sum = max(peak_sum, total)
            time.sleep(0.1)
    except psutil.Error:
        pass
    return peak_sum, peak_main


def run_ssdd(inbox: Path, workspace: Path, *extra: str) -> dict[str, object]:
    cmd = [str(ROOT / ".venv" / "bin" / "ssdd"), "run", "--inbox", str(inbox), "--workspace", str(workspace),
           "--as-of", AS_OF, *extra]
    # files as the demo broker (the official road manifest samples' sender id), as `make run` does
    env = {**os.environ, "SSDD_CN_SENDER_ID": "5345766374655_DXPESW0000001256",
           "SSDD_CN_TRANSMITTER_NAME": "深圳市示例报关有限公司"}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    box: dict[str, tuple[int, int]] = {}
    th = threading.Thread(target=lambda: box.setdefault("rss", _peak_rss(proc)))
    th.start()
    _, err = proc.communicate()
    th.join()
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"ssdd run failed ({proc.returncode}): {err.decode(errors='replace')[-2000:]}")
    summaries = sorted((workspace / "runs").glob("*/summary.json"), key=lambda p: p.stat().st_mtime)
    summary = json.loads(summaries[-1].read_text(encoding="utf-8"))
    rss_sum, rss_main = box.get("rss", (0, 0))
    return {"wall_s": round(wall, 2), "peak_rss_sum_mb": round(rss_sum / 2**20), "peak_rss_main_mb":
            round(rss_main / 2**20), "summary": summary}


def floor_read(inbox: Path) -> float:
    """Bare read of the same files: fastexcel for xlsx, pyarrow.csv for CSV (the floor)."""
    import fastexcel
    import pyarrow.csv as pacsv

    t0 = time.perf_counter()
    for path in sorted(inbox.rglob("export_*")):
        if path.suffix == ".xlsx":
            fastexcel.read_excel(str(path)).load_sheet(0).to_arrow()
        else:
            raw = path.read_bytes()
            enc = "gb18030" if b"\xb5\xa5" in raw[:200] else "big5hkscs" if "hk" in path.parent.name else "utf-8"
            text = raw.decode(enc).lstrip("\ufeff").encode("utf-8")
            delim = ";" if "sap" in path.parent.name else ","
            import io
            pacsv.read_csv(io.BytesIO(text), parse_options=pacsv.ParseOptions(delimiter=delim))
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--work", type=Path, default=ROOT / "bench" / "work")
    ap.add_argument("--runner", choices=("local", "dask"), default="local")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from transforms.devtools.benchgen import write_bench_inbox

    work: Path = args.work
    shutil.rmtree(work, ignore_errors=True)
    inbox = work / "inbox"
    t0 = time.perf_counter()
    manifest = write_bench_inbox(inbox, args.lines)
    print(f"generated {args.lines} lines in {len(manifest['files'])} files ({time.perf_counter() - t0:.1f} s)")
    empty = work / "empty"
    empty.mkdir(parents=True)
    fixed = run_ssdd(empty, work / "ws-empty")
    print(f"fixed cost (empty inbox): {fixed['wall_s']} s")
    res = run_ssdd(inbox, work / "ws", "--runner", args.runner)
    s = res["summary"]
    assert isinstance(s, dict)
    floor = floor_read(inbox)
    lines = int(s["goods_lines"])
    stages = {k: {"seconds": v, "lines_per_s": round(lines / v) if v else None} for k, v in s["timings_s"].items()}
    totals = s["totals"]
    outbox = work / "ws" / "outbox"   # per message folder: single, hk, cn/dec, cn/rmft
    xml_by_folder = Counter(p.parent.relative_to(outbox).as_posix() for p in outbox.rglob("*.xml"))
    out = {"lines": args.lines, "runner": args.runner, "goods_lines_seen": lines, "files": len(manifest["files"]),
           "wall_s": res["wall_s"],
           "lines_per_s": round(lines / res["wall_s"]), "peak_rss_sum_mb": res["peak_rss_sum_mb"],
           "peak_rss_main_mb": res["peak_rss_main_mb"], "fixed_cost_s": fixed["wall_s"], "stages": stages,
           "peak_rss_main_mb_per_stage": s.get("peak_rss_mb_per_stage", {}),
           "floor_read_s": round(floor, 2), "ratio_to_floor": round(res["wall_s"] / floor, 1) if floor else None,
           "xml_files": sum(xml_by_folder.values()),
           "xml_files_by_folder": dict(sorted(xml_by_folder.items())), "totals": totals,
           "machine": {"cpus": psutil.cpu_count()}}
    print(json.dumps(out, indent=2))
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / f"{datetime.now().strftime('%Y%m%dT%H%M%S')}-{args.lines}-{args.runner}.json").write_text(
        json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

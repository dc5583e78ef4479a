"""Whole runs of `ssdd run` on the sample inbox: a run killed before its ledger commit resumes without
double filing, and the Dask runner (a 2-worker LocalCluster) files exactly what the local runner files.

The three runs that do not depend on each other (clean, killed, Dask) start together to save wall time.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.ops.conftest import AS_OF, Server, copy_sample, ssdd_env, start_ssdd
from transforms.filing.ledger import Ledger

TIMEOUT = 420


@dataclass
class Done:
    workspace: Path
    inbox: Path
    returncode: int
    output: str


def _run_args(inbox: Path, workspace: Path, *extra: str) -> list[str]:
    return ["run", "--inbox", str(inbox), "--workspace", str(workspace), "--as-of", AS_OF, *extra]


def _finish(proc: subprocess.Popen[str], inbox: Path, workspace: Path) -> Done:
    out, _ = proc.communicate(timeout=TIMEOUT)
    return Done(workspace, inbox, proc.returncode, out)


@pytest.fixture(scope="module")
def runs(prefect_server: Server, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Done]:
    """clean (in this process); killed at each crash point then resumed; and dask (`ssdd run` children)."""
    root = tmp_path_factory.mktemp("runs")
    env = ssdd_env(prefect_server)
    started = {}
    plan = [(f"killed-{point}", (), {"SSDD_KILL_AT": point}) for point in KILL_POINTS]
    for name, extra, hook in (*plan, ("dask", ("--runner", "dask"), {})):
        inbox, ws = copy_sample(root / name / "inbox"), root / name / "workspace"
        started[name] = (start_ssdd(*_run_args(inbox, ws, *extra), env={**env, **hook}), inbox, ws)
    done = {"clean": _clean_run(prefect_server, copy_sample(root / "clean" / "inbox"), root / "clean" / "workspace")}
    resumed = {}
    for point in KILL_POINTS:
        k = done[f"killed-{point}"] = _finish(*started[f"killed-{point}"])
        resumed[point] = start_ssdd(*_run_args(k.inbox, k.workspace), env=env)
    done["dask"] = _finish(*started["dask"])
    for point in KILL_POINTS:
        k = done[f"killed-{point}"]
        done[f"resumed-{point}"] = _finish(resumed[point], k.inbox, k.workspace)
    return done


#: where a run can die: after the temp files are synced but before any rename, after the first rename,
#: after all renames but before the ledger commit, and after the ledger commit but before the Parquet append
KILL_POINTS = ("rename", "rename-partial", "ledger", "analytics")


def _clean_run(server: Server, inbox: Path, workspace: Path) -> Done:
    """The reference: the flow with the local runner, in this process (against the same server)."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.run import nightly_filing
    from flows.service import prepare_workspace
    from transforms.plumbing.settings import Settings

    settings = Settings(inbox=inbox, workspace=workspace, as_of=AS_OF)
    prepare_workspace(settings)
    with temporary_settings({PREFECT_API_URL: server.url}):
        summary = nightly_filing(settings)
    return Done(workspace, inbox, 0 if summary.status == "completed" else 1, summary.status)


def _outbox(workspace: Path) -> dict[str, bytes]:
    return {p.relative_to(workspace).as_posix(): p.read_bytes()
            for p in sorted((workspace / "outbox").rglob("*")) if p.is_file()}


def _summary(workspace: Path) -> dict[str, object]:
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in (workspace / "runs").glob("*/summary.json")]
    assert len(docs) == 1, f"expected one run summary in {workspace}, found {len(docs)}"
    return docs[0]


def _ledger_state(workspace: Path) -> list[tuple[object, ...]]:
    with Ledger(workspace / "ledger.sqlite") as ledger:
        filed = ledger.filed()
        rows = []
        for sid in sorted(filed["submission_id"]):
            history = [(h["version"], h["status"], h["content_hash"]) for h in ledger.history(sid)
                       if h["status"] != "held"]
            rows.append((sid, ledger.status(sid), tuple(history)))
        return rows


def test_clean_run_completes(runs: dict[str, Done], prefect_server: Server) -> None:
    clean = runs["clean"]
    assert clean.returncode == 0, clean.output + prefect_server.explain()
    assert _outbox(clean.workspace), "the sample inbox files at least one trip"


@pytest.mark.parametrize("point", KILL_POINTS)
def test_killed_run_resumes_without_double_filing(runs: dict[str, Done], prefect_server: Server, point: str) -> None:
    clean, killed, resumed = runs["clean"], runs[f"killed-{point}"], runs[f"resumed-{point}"]
    assert killed.returncode == 137, f"SSDD_KILL_AT={point} should kill the run: {killed.output}"
    assert resumed.returncode == 0, resumed.output + prefect_server.explain()
    assert _outbox(resumed.workspace) == _outbox(clean.workspace)
    # the same filings, each version once (the killed run's renamed files were re-rendered, not re-filed)
    assert _ledger_state(resumed.workspace) == _ledger_state(clean.workspace)
    leftovers = [p for p in resumed.workspace.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []
    # a run killed after its ledger commit already filed: the resumed run finds those trips unchanged
    assert _on_record(_summary(resumed.workspace)["totals"]) == _on_record(_summary(clean.workspace)["totals"])
    assert _analytics(resumed.workspace) == _analytics(clean.workspace)


def _on_record(totals: object) -> dict[str, object]:
    assert isinstance(totals, dict)
    merged = {k: v for k, v in totals.items() if k not in ("submissions_filed", "submissions_unchanged")}
    merged["submissions_on_record"] = totals["submissions_filed"] + totals["submissions_unchanged"]
    return merged


def _analytics(workspace: Path) -> dict[str, list[tuple[object, ...]]]:
    """(submission_id, version) and the business columns of every filed row, per table."""
    import duckdb

    out = {}
    for table in ("submissions", "consignments", "goods_items"):
        glob = (workspace / "analytics" / table / "**" / "*.parquet").as_posix()
        cols = "submission_id, version" + (", line_no, hs_cn, quantity_value" if table == "goods_items" else "")
        out[table] = duckdb.sql(f"select {cols} from read_parquet('{glob}', hive_partitioning=true) "
                                f"order by all").fetchall()
    return out


def test_dask_runner_files_what_the_local_runner_files(runs: dict[str, Done], prefect_server: Server) -> None:
    clean, dask = runs["clean"], runs["dask"]
    assert dask.returncode == 0, dask.output + prefect_server.explain()
    assert _outbox(dask.workspace) == _outbox(clean.workspace)
    assert _summary(dask.workspace)["totals"] == _summary(clean.workspace)["totals"]
    assert _ledger_state(dask.workspace) == _ledger_state(clean.workspace)

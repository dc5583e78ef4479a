"""Filing in overlapping chunks on two worker processes gives what one process gives, in the same
order: every trip of a multi-chunk night, each file byte for byte, each ledger version."""

from __future__ import annotations

from pathlib import Path

import pytest

import transforms.filing.submissions as filing
from bench.writers_speed import AS_OF, SENDER, bundle
from transforms.filing.ledger import Ledger
from transforms.filing.submissions import file_submissions
from transforms.plumbing.settings import Settings


def _file(root: Path, workers: int, n: int) -> tuple[list[tuple[str, str, int]], dict[str, bytes]]:
    bundles = [bundle(i, items=2) for i in range(n)]
    held_id = bundles[7].submission_id
    results = file_submissions(bundles, held={held_id: (["held for the test"], ["测试暂扣"])},
                               ledger=Ledger(root / "ledger.sqlite"), workspace=root, run_id="r1", as_of=AS_OF,
                               settings=Settings(workspace=root, cn_sender_id=SENDER,
                                                 cn_transmitter_name="深圳市示例报关有限公司"),
                               workers=workers, traders={b.submission_id: "acme" for b in bundles})
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "outbox").rglob("*.xml"))}
    return [(r.submission_id, r.status, r.version) for r in results], files


def test_overlapping_chunks_on_two_workers_match_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(filing, "PUBLISH_CHUNK", 70)   # 5 chunks of 70 (the pool takes chunks of 64 or more)
    one = _file(tmp_path / "one", 1, 330)
    two = _file(tmp_path / "two", 2, 330)
    assert two[0] == one[0]
    assert len(one[0]) == 330 and sum(s == "held" for _, s, _ in one[0]) == 1
    # per filed trip: single submission, Hong Kong filing, one DecMessage, road manifest, conveyance
    assert len(two[1]) == 329 * 5 and two[1] == one[1]
    for message in ("MT2401", "MT4402"):   # each trip its own SendTime slot, so its own file name
        assert sum(name.startswith(f"outbox/cn/rmft/CN_{message}_1p0_5345766374655_") for name in one[1]) == 329
    assert Ledger(tmp_path / "two" / "ledger.sqlite").filed().shape[0] == 329

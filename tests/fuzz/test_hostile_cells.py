"""One hostile cell never takes the night down (issue #13), proven with Hypothesis.

Each example is one night: the clean traders of every family (the controls) plus ``FUZZ_MUTANTS``
copies of one family's trader, each with one cell replaced by a hostile value. ``make test`` runs a
few examples per target; ``make fuzz`` runs enough for 10,000 mutated cells per target
(``FUZZ_EXAMPLES``, ``FUZZ_MUTANTS``) and writes the counts to ``bench/results/fuzz-*.json``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.fuzz import hostile
from tests.fuzz.conftest import COUNTS
from transforms.devtools.benchgen import FAMILIES

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2"))
MUTANTS = int(os.environ.get("FUZZ_MUTANTS", "4"))

#: (what is mutated, which families' traders are copied): every commercial family, then the trip
#: plan and the item master (the same files in every family's folder)
TARGETS = [*((f"commercial-{f}", ("commercial",), (f,)) for f in FAMILIES),
           ("trip_plan", ("trip_plan",), FAMILIES), ("item_master", ("item_master",), FAMILIES)]


#: ``make fuzz`` runs the targets in FUZZ_SHARDS processes (one per core): this one runs those whose
#: index modulo FUZZ_SHARDS is FUZZ_SHARD
SHARD, SHARDS = int(os.environ.get("FUZZ_SHARD", "0")), int(os.environ.get("FUZZ_SHARDS", "1"))
#: the long profile does not shrink: a night of a hundred mutants is re-run for every shrink step, and
#: the falsifying night already names each mutant's file, cell and value
PHASES = (Phase.explicit, Phase.reuse, Phase.generate) if EXAMPLES > 5 else tuple(Phase)


def _night(inbox: Path, workspace: Path) -> dict[str, Any]:
    """One night as ``ssdd run`` files it: trader locks, the bounded task runner, the after-run alerts."""
    from flows.service import file_inbox, prepare_workspace
    from transforms.plumbing.settings import Settings

    settings = Settings(inbox=inbox, workspace=workspace, as_of=hostile.AS_OF, workers=1)
    prepare_workspace(settings)
    file_inbox(settings)
    return hostile.read_summary(workspace)


@pytest.fixture(scope="module")
def clean(prefect_harness: None, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The clean inbox and what a night without mutants files for each of its traders."""
    root = tmp_path_factory.mktemp("fuzz-clean")
    inbox = hostile.clean_inbox(root / "inbox")
    summary = _night(inbox, root / "ws")
    outputs = hostile.outputs_by_trader(root / "ws", summary)
    # the controls must really file: a clean night that holds everything would prove nothing. The one
    # hold allowed is the one source-formats.md prescribes: a billing list (SAP) carries no package
    # count per line, which the Mainland road manifest needs (商品项件数) for a multi-line invoice
    filed = [s for s in summary["submissions"] if s["status"] == "filed"]
    assert len(filed) >= 4, summary["submissions"]
    for s in summary["submissions"]:
        if s["status"] != "filed":
            assert s["status"] == "held" and "sap" in s["trader"], s
            assert all("商品项件数" in r for r in s["reasons"]), s["reasons"]
    return inbox, outputs


@pytest.mark.parametrize(("name", "targets", "families"), TARGETS, ids=[t[0] for t in TARGETS])
def test_one_hostile_cell_holds_only_its_own(name: str, targets: tuple[str, ...], families: tuple[str, ...],
                                             clean: tuple[Path, dict[str, Any]]) -> None:
    shard = TARGETS.index((name, targets, families)) % SHARDS
    if shard != SHARD:
        pytest.skip(f"run by fuzz shard {shard} of {SHARDS}")
    clean_inbox, clean_outputs = clean

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=EXAMPLES <= 5, phases=PHASES,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.lists(hostile.mutations(targets, families), min_size=MUTANTS, max_size=MUTANTS))
    def night_with(muts: list[hostile.Mutation]) -> None:
        root = Path(tempfile.mkdtemp(prefix="fuzz-"))
        try:
            inbox = root / "inbox"
            shutil.copytree(clean_inbox, inbox)
            mutants = {hostile.add_mutant(inbox, k, m): m for k, m in enumerate(muts)}
            summary = _night(inbox, root / "ws")
            hostile.check_night(root / "ws", summary, clean_outputs, mutants)
            COUNTS.add(name, summary, mutants)
        finally:
            shutil.rmtree(root, ignore_errors=True)

    night_with()


def test_a_mutants_own_value_quoted_in_its_trips_reason_is_not_a_leak() -> None:
    """Found by `make fuzz` (trip_plan target): a mutant wrote NaN, as the text 'nan', into a trailer
    number; the held trip's reason quotes it back ("Trailer 1 number … 'nan' …"), which is the
    trader's own word, though the reason does not name the trader. The same sentence about a control
    trader would be a Python value leaking out."""
    mutation = hostile.Mutation("yonyou_xlsx", "trip_plan", 39, 10, float("nan"))
    reason = ("Trailer 1 number (托架或拖挂车编号) 'nan' does not have the form the channel requires (capital "
              "letters and digits, at most one hyphen inside); the Mainland conveyance confirmation cannot "
              "carry it, so the trip is held until it is corrected.")
    summary = {"submissions": [{"trader": "mut10_yonyou_xlsx", "reasons": [reason]},
                               {"trader": "t001_yonyou", "reasons": [reason]}], "files": [], "pending": []}
    mutants = {"mut10_yonyou_xlsx": mutation}
    leaks = [t for trader, t in hostile.user_texts(summary)
             if hostile._NOT_FOR_USERS.search(hostile._without_own_words(trader, t, mutants))]
    assert hostile.user_texts(summary)[0] == ("mut10_yonyou_xlsx", reason)
    assert leaks == [reason]   # only the control trader's

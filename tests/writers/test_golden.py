"""Golden files: the reviewed output of the LMC fixture, compared byte for byte.

Regenerate only on purpose: ``SSDD_UPDATE_GOLDEN=1 .venv/bin/pytest tests/writers/test_golden.py``,
then read the diff before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.writers.conftest import make_bundle
from transforms.filing.writers.context import WriterContext
from transforms.filing.writers.registry import DOCUMENT_WRITERS

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("w", DOCUMENT_WRITERS, ids=lambda w: w.id)
def test_lmc_output_matches_golden_file(w, ctx: WriterContext) -> None:  # type: ignore[no-untyped-def]
    data = w.render(make_bundle(), ctx)
    path = GOLDEN / f"{w.id}.xml"
    if os.environ.get("SSDD_UPDATE_GOLDEN") == "1":
        path.write_bytes(data)
    assert path.is_file(), f"{path} missing: run with SSDD_UPDATE_GOLDEN=1 and review the file"
    assert data == path.read_bytes(), f"{w.id} output changed; review, then regenerate with SSDD_UPDATE_GOLDEN=1"

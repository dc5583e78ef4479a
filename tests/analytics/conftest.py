from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.analytics.case import build_workspace


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The hand-written case in a fresh workspace (ledger, dataset, responses ingested)."""
    workspace = tmp_path_factory.mktemp("ws")
    built = build_workspace(workspace)
    return {**built, "workspace": workspace}


@pytest.fixture
def fresh(tmp_path: Path) -> dict[str, Any]:
    """The same case in a workspace of the test's own, for tests that change the dataset."""
    return {**build_workspace(tmp_path), "workspace": tmp_path}

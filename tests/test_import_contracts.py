"""The house's import directions (``[tool.importlinter]`` in ``pyproject.toml``) and no import cycle,
TYPE_CHECKING imports included: a lower layer never imports a higher one, the pipeline never imports
the development tools."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("flows", "transforms", "expectations", "bench")


def test_the_layers_contract_is_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "1 kept, 0 broken" in done.stdout


def test_no_module_imports_itself_back() -> None:
    graph = grimp.build_graph(*PACKAGES, include_external_packages=False)
    cycles = []
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back:
                cycles.append(" -> ".join((importer, *back)))
    assert cycles == []


def test_a_broken_direction_is_caught(tmp_path: Path) -> None:
    """The contract is not vacuous: the plumbing importing a stage breaks it."""
    graph = grimp.build_graph(*PACKAGES, include_external_packages=False)
    plumbing, stage = "transforms.plumbing.runtime", "transforms.filing.ledger"
    assert graph.find_shortest_chain(importer=plumbing, imported=stage) is None
    graph.add_import(importer=plumbing, imported=stage)
    assert graph.find_illegal_dependencies_for_layers(
        layers=("transforms.filing", "transforms.plumbing"), containers=set()) != set()

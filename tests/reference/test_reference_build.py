"""The committed data/reference is exactly what the build script makes from ../shared."""

from __future__ import annotations

from pathlib import Path

from transforms.devtools.reference_build import main
from transforms.model.reference import DEFAULT_ROOT

SHARED = Path(__file__).resolve().parents[2].parent / "shared"


def test_build_reproduces_committed_files(tmp_path: Path) -> None:
    assert SHARED.is_dir(), f"the research snapshot is missing: {SHARED}"  # fail, never skip
    out = tmp_path / "reference"
    assert main(["--shared", str(SHARED), "--out", str(out)]) == 0
    built = sorted(p.name for p in out.iterdir())
    committed = sorted(p.name for p in DEFAULT_ROOT.iterdir())
    assert built == committed
    for name in built:
        assert (out / name).read_bytes() == (DEFAULT_ROOT / name).read_bytes(), name

"""The shipped sample inbox is exactly what its generator writes (so it is reviewable and reproducible)."""

from __future__ import annotations

from pathlib import Path

from transforms.devtools.samples import write_sample_inbox

REPO = Path(__file__).resolve().parents[1]


def test_generator_reproduces_the_committed_sample_inbox(tmp_path: Path) -> None:
    write_sample_inbox(tmp_path)
    made = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    shipped = sorted(p.relative_to(REPO / "data" / "samples").as_posix()
                     for p in (REPO / "data" / "samples").rglob("*") if p.is_file())
    assert made == shipped
    for rel in made:
        assert (tmp_path / rel).read_bytes() == (REPO / "data" / "samples" / rel).read_bytes(), rel

"""The README's cut-down Mainland messages show what `make run` really writes: every value shown is in
the reviewed golden file of that path (which tests/test_end_to_end.py compares with a fresh run)."""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "golden" / "sample"
_BLOCK = re.compile(r"One of each, cut down.*?```xml\n(.*?)```", re.S)
_FILE = re.compile(r"<!-- outbox/(\S+) -->")
_LEAF = re.compile(r"<(\w+)((?: \w+=\"[^\"]*\")*)>([^<…]+)</\1>")


def _sections() -> dict[str, str]:
    block = _BLOCK.search((REPO / "README.md").read_text(encoding="utf-8"))
    assert block is not None, "README lost its cut-down messages"
    parts = _FILE.split(block.group(1))
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_the_readme_shows_one_of_each_message() -> None:
    kinds = sorted(re.sub(r"_.*", "", Path(p).name) if p.startswith("cn/rmft") else "dec" for p in _sections())
    assert kinds == ["CN", "CN", "dec"]
    assert sorted(Path(p).name[:9] for p in _sections() if p.startswith("cn/rmft")) == ["CN_MT2401", "CN_MT4402"]


def test_every_value_shown_is_in_the_file_make_run_writes() -> None:
    checked = 0
    for path, text in _sections().items():
        doc = etree.parse(str(GOLDEN / path)).getroot()
        ns = doc.nsmap[None]
        first = re.search(r"<(\w+) xmlns=\"([^\"]+)\"", text)
        assert first is not None and (f"{{{first.group(2)}}}{first.group(1)}") == doc.tag, path
        for tag, attrs, value in _LEAF.findall(text):
            wanted = dict(re.findall(r"(\w+)=\"([^\"]*)\"", attrs))
            hits = [e for e in doc.iter(f"{{{ns}}}{tag}")
                    if (e.text or "").strip() == value and all(e.get(k) == v for k, v in wanted.items())]
            assert hits, f"README shows <{tag}{attrs}>{value}</{tag}> in {path}, which the file does not have"
            checked += 1
    assert checked >= 30

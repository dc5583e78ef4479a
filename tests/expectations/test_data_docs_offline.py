"""GX Data Docs render without internet: every script and stylesheet a page loads is a file in the site."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from expectations import validate
from expectations.data_docs import OFFLINE_DIR, build_data_docs
from expectations.synthetic import Frames
from transforms.model.reference import Reference

SetCell = Callable[[Frames, str, int, str, object], None]
_LOADED = re.compile(r"<script\b[^>]*\bsrc=[\"']([^\"']+)[\"']|<link\b[^>]*\bhref=[\"']([^\"']+)[\"']|"
                     r"<img\b[^>]*\bsrc=[\"']([^\"']+)[\"']|url\(\s*[\"']?([^\"')]+)", re.IGNORECASE)


def test_every_page_loads_only_local_scripts_and_styles(frames: Frames, reference: Reference, as_of: datetime,
                                                        set_cell: SetCell, tmp_path: Path) -> None:
    set_cell(frames, "goods_items", 2, "hs_cn", "85171300")
    index = build_data_docs(validate(frames, reference=reference, as_of=as_of).results, tmp_path / "docs")
    site = index.parent
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        html = page.read_text(encoding="utf-8")
        loaded = [next(g for g in m.groups() if g) for m in _LOADED.finditer(html)]
        remote = [u for u in loaded if u.startswith(("http://", "https://", "//"))]
        assert not remote, (page.relative_to(site), remote)
        for ref in loaded:
            local = (page.parent / ref.split("?")[0]).resolve()
            assert local.is_file(), (page.relative_to(site), ref)
        assert f"{OFFLINE_DIR}/ssdd-offline.js" in html and f"{OFFLINE_DIR}/ssdd-offline.css" in html
    # the index's result list is drawn by the local script from the data GX wrote into the page
    html = index.read_text(encoding="utf-8")
    assert "bootstrapTable(" in html and "'_table_row_link_path': 'validations/goods_items/" in html
    script = (site / OFFLINE_DIR / "ssdd-offline.js").read_text(encoding="utf-8")
    assert "Nodes.prototype.bootstrapTable" in script and "window.$ = window.jQuery = $" in script


def test_result_list_is_drawn_in_a_browser_without_internet(frames: Frames, reference: Reference, as_of: datetime,
                                                            tmp_path: Path) -> None:
    import shutil
    import subprocess

    import pytest

    browser = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(browser).exists():
        pytest.skip("SKIPPED: /usr/bin/chromium is missing; install it with `apt-get install chromium` (Debian).")
    index = build_data_docs(validate(frames, reference=reference, as_of=as_of).results, tmp_path / "docs")
    # every name lookup fails and every proxy connection is refused: the machine is offline
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
           "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9", "--virtual-time-budget=5000",
           f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", index.resolve().as_uri()]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False).stdout
    rows = re.findall(r'<tr class="clickable-row" data-href="(validations/[^"]+)"', dom)
    assert len(rows) == len(list(index.parent.glob("validations/*/*/*/*.html"))) >= 8
    assert all((index.parent / r).is_file() for r in rows)
    assert "ge-success-icon" in dom and "Expectation Suites" in dom

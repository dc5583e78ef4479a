"""The report rendered by headless Chromium (Debian's ``chromium``) to a screenshot that shows a page.

Run alone with ``.venv/bin/pytest tests/analytics/test_report_browser.py -rs``; without /usr/bin/chromium the
test is SKIPPED with the reason printed (install it with ``apt-get install chromium``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.analytics.pngcheck import read_png
from transforms.analytics.report import build_report

CHROMIUM = Path("/usr/bin/chromium")


def _chromium() -> str:
    found = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
    if found is None:
        reason = ("SKIPPED: headless Chromium screenshot of reports/clearance.html: /usr/bin/chromium is missing; "
                  "install it with `apt-get install chromium` (Debian) to run this check.")
        print(f"\n{'!' * 100}\n{reason}\n{'!' * 100}", file=sys.stderr)
        pytest.skip(reason)
    return found


def test_report_renders_in_headless_chromium(case: dict[str, Any], tmp_path: Path) -> None:
    browser = _chromium()
    html = build_report(case["workspace"]).html
    png = tmp_path / "clearance.png"
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={png}", "--window-size=1280,2000",
           html.resolve().as_uri()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert png.is_file() and png.stat().st_size > 0, done.stderr[-2000:]
    pixels = read_png(png)
    assert pixels.shape[:2] == (2000, 1280)
    colours = np.unique(pixels[..., :3].reshape(-1, 3), axis=0)
    assert len(colours) > 50, "the screenshot is one uniform colour (or nearly): the page did not render"
    # the side colours of the charts are on the page (CN red, HK blue), not only text on white
    rgb = pixels[..., :3].astype(int)
    reddish = ((rgb[..., 0] > 150) & (rgb[..., 1] < 90) & (rgb[..., 2] < 80)).sum()
    bluish = ((rgb[..., 2] > 130) & (rgb[..., 0] < 70)).sum()
    assert reddish > 1000 and bluish > 1000, (reddish, bluish)
    shutil.copy(png, html.with_suffix(".png"))  # beside the report, for a person to look at

"""Same bundle + same as-of = same bytes, whatever the process time zone or hash seed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.writers.conftest import make_bundle
from transforms.filing.writers.context import WriterContext
from transforms.filing.writers.registry import DOCUMENT_WRITERS

ROOT = Path(__file__).resolve().parents[2]

_SCRIPT = """
import sys
from tests.writers.conftest import AS_OF, make_bundle
from transforms.model.reference import Reference
from transforms.filing.writers.context import WriterContext
from transforms.filing.writers.registry import DOCUMENT_WRITERS
ctx = WriterContext(reference=Reference.load(), as_of=AS_OF)
for bundle in (make_bundle(), make_bundle(direction="HK_EXPORT")):
    for w in DOCUMENT_WRITERS:
        sys.stdout.write(w.render(bundle, ctx).hex() + "\\n")
"""


def _in_process(ctx: WriterContext) -> list[str]:
    return [w.render(b, ctx).hex() for b in (make_bundle(), make_bundle(direction="HK_EXPORT"))
            for w in DOCUMENT_WRITERS]


def test_render_twice_is_byte_identical(ctx: WriterContext) -> None:
    for w in DOCUMENT_WRITERS:
        assert w.render(make_bundle(), ctx) == w.render(make_bundle(), ctx)


@pytest.mark.parametrize("tz", ["UTC", "Asia/Hong_Kong", "America/Los_Angeles"])
def test_bytes_do_not_depend_on_process_time_zone(tz: str, ctx: WriterContext) -> None:
    env = {**os.environ, "TZ": tz, "PYTHONHASHSEED": "random"}
    out = subprocess.run([sys.executable, "-c", _SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.split() == _in_process(ctx)

"""Render a run's GX results as GX Data Docs (a static HTML site).

An ephemeral GX context is enough: its site builder is pointed at a filesystem store in a temporary
folder next to ``out_dir``; the finished site then replaces ``out_dir`` in one rename, so readers
never see a half-written site.

GX's pages load jQuery, Bootstrap, bootstrap-table, Font Awesome and vega from third-party CDNs, and
the list of results is drawn by script: without internet (a customs broker's office, a locked-down
server) the index showed an empty list. No installed package ships those libraries, so every remote
script and stylesheet is replaced by two small local files (``data_docs_static/``) that implement
just what the generated pages call, copied into the site's ``static/ssdd/``.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx
from great_expectations.core.expectation_validation_result import ExpectationSuiteValidationResult
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)

from expectations.suites import build_suites
from transforms.plumbing.personal import PERSONAL_MASK, PII_COLUMNS, known_personal

__all__ = ["SITE_NAME", "build_data_docs"]

SITE_NAME = "ssdd"
#: Where the local replacements of the CDN scripts and styles go, relative to the site root.
OFFLINE_DIR = "static/ssdd"
_OFFLINE_SOURCE = Path(__file__).with_name("data_docs_static")
_REMOTE_SCRIPT = re.compile(r"<script\b[^>]*\bsrc=[\"']https?://[^>]*>\s*</script>[ \t]*\n?", re.IGNORECASE)
_REMOTE_LINK = re.compile(r"<link\b[^>]*\bhref=[\"']https?://[^>]*>[ \t]*\n?", re.IGNORECASE)
_REMOTE_LOGO = re.compile(r"src=[\"']https?://[^\"']*/logo-long\.png[^\"']*[\"']", re.IGNORECASE)
_REMOTE_URL = re.compile(r"url\(\s*[\"']?https?://[^)]*\)", re.IGNORECASE)
# GX writes the favicon of a validation page one folder too shallow: every static/ path is re-rooted.
_LOCAL_STATIC = re.compile(r"""(?<=["'(])(?:\./|(?:\.\./)+)static/""")


def build_data_docs(results: Mapping[str, ExpectationSuiteValidationResult], out_dir: Path) -> Path:
    """Write the Data Docs site for ``results`` (suite name -> result) to ``out_dir``; return index.html."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        context = gx.get_context(mode="ephemeral")
        context.add_data_docs_site(SITE_NAME, {
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(staging)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder", "show_how_to_buttons": False},
        })
        for suite in build_suites().values():
            context.suites.add(suite)
        for name, result in results.items():
            run_id = result.meta.get("run_id")
            key = ValidationResultIdentifier(
                expectation_suite_identifier=ExpectationSuiteIdentifier(name=name),
                run_id=RunIdentifier(**run_id) if isinstance(run_id, dict) else RunIdentifier(),
                batch_identifier=result.batch_id or name,
            )
            context.validation_results_store.set(key, without_personal(result, name))
        context.build_data_docs(site_names=[SITE_NAME])
        serve_offline(staging)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        staging.rename(out_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return out_dir / "index.html"


#: The parts of a GX result that quote cell values.
_VALUE_LISTS = ("partial_unexpected_list", "unexpected_list")
_COUNT_LISTS = ("partial_unexpected_counts",)


def without_personal(result: ExpectationSuiteValidationResult, table: str) -> ExpectationSuiteValidationResult:
    """A copy of ``result`` whose unexpected values on drivers' columns (or equal to a driver's name
    or code read tonight) are masked: Data Docs are read by operators, not by the driver's trader."""
    personal = set(PII_COLUMNS.get(table, ()))
    known = known_personal()

    def hidden(column: object, value: object) -> bool:
        return column in personal or (isinstance(value, str) and value in known)

    out = copy.deepcopy(result)
    for evr in out.results:
        column = (evr.expectation_config.kwargs.get("column") if evr.expectation_config is not None else None)
        details = evr.result or {}
        for key in _VALUE_LISTS:
            if isinstance(details.get(key), list):
                details[key] = [PERSONAL_MASK if hidden(column, v) else v for v in details[key]]
        for key in _COUNT_LISTS:
            for entry in details.get(key) or []:
                if isinstance(entry, dict) and hidden(column, entry.get("value")):
                    entry["value"] = PERSONAL_MASK
    return out


def serve_offline(site: Path) -> None:
    """Point every page of ``site`` at local copies of what it loaded from the internet."""
    target = site / OFFLINE_DIR
    target.mkdir(parents=True, exist_ok=True)
    for asset in sorted(_OFFLINE_SOURCE.glob("ssdd-offline.*")):
        shutil.copyfile(asset, target / asset.name)
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        page.write_text(offline_html(html, "../" * (len(page.relative_to(site).parts) - 1) or "./"),
                        encoding="utf-8")


def offline_html(html: str, root: str) -> str:
    """``html`` with remote scripts and stylesheets replaced by the local ones (``root``: the
    relative path from the page to the site root), and GX's remote logo by its local copy."""
    seen = {"script": False, "link": False}

    def local(kind: str, tag: str) -> str:
        if seen[kind]:
            return ""
        seen[kind] = True   # the first remote reference becomes ours, in its place in the page
        return tag + "\n"

    html = _REMOTE_LINK.sub(lambda _: local(
        "link", f'<link rel="stylesheet" href="{root}{OFFLINE_DIR}/ssdd-offline.css">'), html)
    html = _REMOTE_SCRIPT.sub(lambda _: local(
        "script", f'<script src="{root}{OFFLINE_DIR}/ssdd-offline.js"></script>'), html)
    html = _REMOTE_LOGO.sub(f'src="{root}static/images/logo-long.png"', html)
    html = _REMOTE_URL.sub(f"url('{root}static/images/logo-long-vector.svg')", html)
    return _LOCAL_STATIC.sub(f"{root}static/", html)

"""Render a run's GX results as GX Data Docs (a static HTML site).

An ephemeral GX context is enough: its site builder is pointed at a filesystem store in a temporary
folder next to ``out_dir``; the finished site then replaces ``out_dir`` in one rename, so readers
never see a half-written site.
"""

from __future__ import annotations

import os
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

__all__ = ["SITE_NAME", "build_data_docs"]

SITE_NAME = "ssdd"


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
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
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
            context.validation_results_store.set(key, result)
        context.build_data_docs(site_names=[SITE_NAME])
        if out_dir.exists():
            shutil.rmtree(out_dir)
        staging.rename(out_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return out_dir / "index.html"

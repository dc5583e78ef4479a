"""Results are real GX objects that GX tooling reads natively (JSON, Data Docs)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from great_expectations.core.expectation_validation_result import (
    ExpectationSuiteValidationResult,
    ExpectationValidationResult,
)

from expectations import validate
from expectations.context import SUITE_TABLES
from expectations.data_docs import build_data_docs
from expectations.rules import rules_for
from expectations.synthetic import Frames
from transforms.model.reference import Reference

SetCell = Callable[[Frames, str, int, str, object], None]


def test_results_are_gx_objects_with_source_row_ids(frames: Frames, reference: Reference, as_of: datetime,
                                                     set_cell: SetCell) -> None:
    set_cell(frames, "goods_items", 7, "hs_cn", "8517")
    line = frames["goods_items"].iloc[7]
    out = validate(frames, reference=reference, as_of=as_of)
    assert set(out.results) == set(SUITE_TABLES)
    suite = out.results["goods_items"]
    assert isinstance(suite, ExpectationSuiteValidationResult)
    assert suite.success is False and suite.suite_name == "goods_items"
    assert len(suite.results) == len(rules_for("goods_items"))
    evr = next(r for r in suite.results if r.meta["rule_key"] == "V06.hs_cn_format")
    assert isinstance(evr, ExpectationValidationResult)
    assert evr.expectation_config.type == "expect_column_values_to_match_regex"
    assert evr.expectation_config.kwargs["regex"] == "^[0-9]{10}$"
    assert evr.expectation_config.severity == "critical"
    result = evr.result
    assert (result["element_count"], result["unexpected_count"]) == (len(frames["goods_items"]), 1)
    assert result["unexpected_percent"] == 100 / len(frames["goods_items"])
    assert result["partial_unexpected_list"] == ["8517"]
    assert result["unexpected_index_list"] == [f"{line['src_file']}:{line['src_sheet']}:{line['src_row']}"]
    json.dumps(suite.to_json_dict())  # serialisable as GX stores it
    warning = next(r for r in suite.results if r.meta["rule_key"] == "V05.hs_hk_present")
    assert warning.expectation_config.severity == "warning"


def test_data_docs_site_is_built_quickly(frames: Frames, reference: Reference, as_of: datetime, set_cell: SetCell,
                                         tmp_path: Path) -> None:
    set_cell(frames, "goods_items", 2, "hs_cn", "85171300")
    frames["consignments"].loc[0, "stated_gross_mass_kg"] = None  # a not-checkable result renders too
    out = validate(frames, reference=reference, as_of=as_of)
    started = time.perf_counter()
    index = build_data_docs(out.results, tmp_path / "docs")
    assert time.perf_counter() - started < 10
    assert index == tmp_path / "docs" / "index.html" and index.is_file()
    pages = {p.relative_to(index.parent).parts[0] for p in index.parent.rglob("*.html")}
    assert {"validations", "expectations", "index.html"} <= pages
    goods_page = next(index.parent.glob("validations/goods_items/**/*.html")).read_text(encoding="utf-8")
    assert "V06.hs_cn_format" in goods_page and "85171300" in goods_page
    # rebuilding replaces the site in place
    assert build_data_docs(out.results, tmp_path / "docs") == index
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".docs")]

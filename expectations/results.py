"""GX-native result objects built from vectorised masks.

The runner knows, per rule, which rows GX would judge and which fail; this module turns that into
the :class:`ExpectationValidationResult` GX itself would produce with
``result_format={"result_format": "COMPLETE", "return_unexpected_index_query": False}`` on a frame
indexed by source row id: the same keys, counts, percentages and caps, built by GX's own
``_format_map_output``. What is ours is additive: ``not_checkable_count`` /
``not_checkable_index_list`` (and an ``observed_value`` saying so, which Data Docs displays) in
``result``, and ``meta.status`` (``passed`` / ``failed`` / ``not_checkable``). A rule with rows it
could not check and no failure gets ``success=None``: it is never reported as passed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
from great_expectations import __version__ as gx_version
from great_expectations.constants import MAX_RESULT_RECORDS
from great_expectations.core.expectation_validation_result import (
    ExpectationSuiteValidationResult,
    ExpectationValidationResult,
)
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.expectations.expectation import (
    ColumnMapExpectation,
    ColumnPairMapExpectation,
    MulticolumnMapExpectation,
    _format_map_output,
)
from great_expectations.expectations.expectation_configuration import parse_result_format
from great_expectations.validator.validation_statistics import calc_validation_statistics

from expectations import checks
from expectations.rules import Rule

__all__ = ["DATASOURCE", "RESULT_FORMAT", "Status", "rule_result", "suite_result"]

#: The result format the native results reproduce (and the parity test asks real GX for).
RESULT_FORMAT: Final[dict[str, Any]] = {"result_format": "COMPLETE", "return_unexpected_index_query": False}
DATASOURCE: Final = "ssdd"
Status = Literal["passed", "failed", "not_checkable"]


def _unexpected_values(rule: Rule, frame: pd.DataFrame, positions: np.ndarray) -> list[Any]:
    """Failing values as GX lists them (capped at MAX_RESULT_RECORDS like its pandas metrics)."""
    gx = rule.gx
    if len(positions) == 0:
        return []
    head = positions[:MAX_RESULT_RECORDS]
    if isinstance(gx, ColumnMapExpectation):
        values: list[Any] = frame[gx.column].take(head).to_numpy(dtype=object).tolist()
        return values
    if isinstance(gx, ColumnPairMapExpectation):
        a = frame[gx.column_A].take(head).to_numpy(dtype=object)
        b = frame[gx.column_B].take(head).to_numpy(dtype=object)
        return list(zip(a.tolist(), b.tolist(), strict=True))
    if isinstance(gx, MulticolumnMapExpectation):
        records: list[Any] = frame[gx.column_list].iloc[head].to_dict("records")
        return records
    raise TypeError(f"unsupported expectation {type(gx).__name__}")


def rule_result(rule: Rule, frame: pd.DataFrame, considered: checks.Mask, failed: checks.Mask,
                row_ids: Sequence[str], not_checkable_ids: Sequence[str]) -> ExpectationValidationResult:
    """The EVR of one rule. ``row_ids`` are the source ids of the failing rows, in frame order."""
    positions = np.flatnonzero(failed)
    element_count = len(frame)
    unexpected_count = len(positions)
    nonnull = None if checks.counts_nulls(rule.gx) else int(considered.sum())
    judged = element_count if nonnull is None else nonnull
    mostly = float(getattr(rule.gx, "mostly", 1.0))
    passed = True if judged == 0 else (judged - unexpected_count) / judged >= mostly
    raw: dict[str, Any] = _format_map_output(
        result_format=parse_result_format(dict(RESULT_FORMAT)), success=passed, element_count=element_count,
        nonnull_count=nonnull, unexpected_count=unexpected_count,
        unexpected_list=_unexpected_values(rule, frame, positions),
        unexpected_index_list=list(row_ids),  # type: ignore[arg-type]  # GX types these as ints; pandas gives labels
    )
    result: dict[str, Any] = raw["result"]
    status: Status = "passed" if passed else "failed"
    success: bool | None = passed
    if not_checkable_ids:
        result["not_checkable_count"] = len(not_checkable_ids)
        result["not_checkable_index_list"] = list(not_checkable_ids)
        if passed:
            status, success = "not_checkable", None
        # Data Docs shows observed_value in its "Observed Value" column
        failed_part = f"{result['unexpected_percent']:.4g}% unexpected; " if unexpected_count else ""
        result["observed_value"] = f"{failed_part}{len(not_checkable_ids)} row(s) not checkable"
    return ExpectationValidationResult(
        success=success, expectation_config=rule.expectation().configuration, result=result,
        meta={"rule_id": rule.id, "rule_key": rule.key, "severity": rule.severity, "status": status},
    )


def suite_result(suite_name: str, results: list[ExpectationValidationResult], run_name: str,
                 run_time: datetime, parameters: dict[str, Any]) -> ExpectationSuiteValidationResult:
    """Wrap rule results like GX's validator does (statistics, run id, batch identity in meta)."""
    stats = calc_validation_statistics(results)
    run_id = RunIdentifier(run_name=run_name, run_time=run_time)
    return ExpectationSuiteValidationResult(
        success=stats.success,
        results=results,
        suite_name=suite_name,
        suite_parameters=parameters,
        statistics={
            "evaluated_expectations": stats.evaluated_expectations,
            "successful_expectations": stats.successful_expectations,
            "unsuccessful_expectations": stats.unsuccessful_expectations,
            "success_percent": stats.success_percent,
        },
        meta={
            "great_expectations_version": gx_version,
            "run_id": run_id.to_json_dict(),
            "validation_time": run_time.isoformat(),
            "batch_spec": {"data_asset_name": suite_name, "engine": "ssdd.expectations (vectorised pandas)"},
            "batch_markers": {},
            "active_batch_definition": {
                "datasource_name": DATASOURCE, "data_connector_name": "fluent",
                "data_asset_name": suite_name, "batch_identifiers": {},
            },
        },
        batch_id=f"{DATASOURCE}-{suite_name}",
    )

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

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final, Literal, cast

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
from expectations.rule import Rule

__all__ = ["DATASOURCE", "RESULT_FORMAT", "Status", "merge_batches", "merge_rule_results", "merge_suite_results",
           "rule_result", "suite_result"]

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
    return _evr(rule.expectation().configuration,
                {"rule_id": rule.id, "rule_key": rule.key, "severity": rule.severity},
                element_count=len(frame),
                nonnull=None if checks.counts_nulls(rule.gx) else int(considered.sum()),
                unexpected_count=len(positions), unexpected_list=_unexpected_values(rule, frame, positions),
                row_ids=row_ids, not_checkable_ids=not_checkable_ids,
                mostly=float(getattr(rule.gx, "mostly", 1.0)))


def _evr(config: Any, meta: dict[str, Any], *, element_count: int, nonnull: int | None, unexpected_count: int,
         unexpected_list: list[Any], row_ids: Sequence[str], not_checkable_ids: Sequence[str],
         mostly: float) -> ExpectationValidationResult:
    judged = element_count if nonnull is None else nonnull
    passed = True if judged == 0 else (judged - unexpected_count) / judged >= mostly
    raw: dict[str, Any] = _format_map_output(
        result_format=parse_result_format(dict(RESULT_FORMAT)), success=passed, element_count=element_count,
        nonnull_count=nonnull, unexpected_count=unexpected_count,
        unexpected_list=unexpected_list[:MAX_RESULT_RECORDS],
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
    return ExpectationValidationResult(success=success, expectation_config=config, result=result,
                                       meta={**meta, "status": status})


def merge_rule_results(parts: Sequence[ExpectationValidationResult]) -> ExpectationValidationResult:
    """One rule's results over batches of a night as one result: what the rule gives on the batches'
    frames concatenated in batch order (counts summed, failing values and row ids in order, capped
    as GX caps them), so Data Docs shows the night, not its batches."""
    if len(parts) == 1:
        return parts[0]
    results = [p.result for p in parts]
    config = parts[0].expectation_config
    skip_missing = "missing_count" not in results[0]
    return _evr(
        config, {k: v for k, v in parts[0].meta.items() if k != "status"},
        element_count=sum(int(r["element_count"]) for r in results),
        nonnull=None if skip_missing else sum(int(r["element_count"]) - int(r["missing_count"]) for r in results),
        unexpected_count=sum(int(r["unexpected_count"]) for r in results),
        unexpected_list=[v for r in results for v in r.get("unexpected_list", [])],
        row_ids=[v for r in results for v in r.get("unexpected_index_list", [])],
        not_checkable_ids=[v for r in results for v in r.get("not_checkable_index_list", [])],
        mostly=float((config.kwargs if config is not None else {}).get("mostly", 1.0)))


def merge_suite_results(parts: Sequence[ExpectationSuiteValidationResult]) -> ExpectationSuiteValidationResult:
    """A suite's results over the night's batches as one suite result (see :func:`merge_rule_results`)."""
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    if any(len(p.results) != len(first.results) for p in parts):
        raise ValueError(f"suite {first.suite_name}: batches were checked with different rules")
    merged = [merge_rule_results([p.results[i] for p in parts]) for i in range(len(first.results))]
    run: dict[str, Any] = cast(dict[str, Any], first.meta["run_id"])   # suite_result stores it as a JSON dict
    parameters: dict[str, Any] = {}
    for p in parts:
        parameters.update(p.suite_parameters or {})
    return suite_result(first.suite_name, merged, run["run_name"], datetime.fromisoformat(str(run["run_time"])),
                        parameters)


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


def merge_batches(parts: Sequence[Mapping[str, ExpectationSuiteValidationResult]]
                  ) -> dict[str, ExpectationSuiteValidationResult]:
    """Suite name -> result over every batch of the night that ran the suite."""
    names = list(dict.fromkeys(name for part in parts for name in part))
    return {name: merge_suite_results([part[name] for part in parts if name in part]) for name in names}

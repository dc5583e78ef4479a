"""Hostile settings and inbox layouts: a YAML alias bomb, a misspelt time zone, a codec that is not
a text encoding, a feedback folder outside the workspace, links out of the inbox, two files of the
same name in two subfolders. Each is refused in one sentence (or kept apart), and the run goes on."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from transforms.filing.quarantine import report_jobs
from transforms.ingest.inbox import trader_folders, walk_folder
from transforms.model.trader import TraderSettingsError, load_trader
from transforms.plumbing.paths import OutsideWorkspace, inside_workspace

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples" / "inbox"
AS_OF = "2026-11-25T20:00:00+08:00"


def _trader_yaml(tmp_path: Path, extra: str) -> Path:
    folder = tmp_path / "mingfai"
    folder.mkdir(exist_ok=True)
    path = folder / "trader.yaml"
    path.write_text((SAMPLES / "mingfai" / "trader.yaml").read_text(encoding="utf-8") + extra, encoding="utf-8")
    return path


# --- trader.yaml -----------------------------------------------------------------------------------


def test_yaml_alias_bomb_is_refused_before_it_is_built(tmp_path: Path) -> None:
    # Nine levels of nine aliases: 387 million strings once expanded; used to never return (17.8 GB).
    levels = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    levels += [f"a{n}: &a{n} [" + ",".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, 9)]
    path = _trader_yaml(tmp_path, "\n".join(["", *levels, "defaults: *a8", ""]))
    assert path.stat().st_size < 4000   # a few KB of YAML (the sample trader.yaml plus the bomb)
    started = time.perf_counter()
    with pytest.raises(TraderSettingsError) as refused:
        load_trader(path)
    assert str(refused.value) == ("mingfai/trader.yaml holds more than 100,000 values once its aliases (*name) are "
                                  "expanded; write the values out without nested aliases and run again.")
    assert time.perf_counter() - started < 5


def test_yaml_alias_that_contains_itself_is_refused(tmp_path: Path) -> None:
    path = _trader_yaml(tmp_path, "defaults: &loop {package_type: *loop}\n")
    with pytest.raises(TraderSettingsError) as refused:
        load_trader(path)
    assert str(refused.value) == ("mingfai/trader.yaml holds an alias that contains itself; write the values out "
                                  "without nested aliases and run again.")


def test_oversized_settings_file_is_refused_by_its_size(tmp_path: Path) -> None:
    path = _trader_yaml(tmp_path, "# " + "x" * 1_100_000 + "\n")
    with pytest.raises(TraderSettingsError, match=r"^mingfai/trader\.yaml is 1,10\d,\d{3} bytes, more than the "
                                                  r"limit of 1,000,000 for a settings file; keep only the settings"):
        load_trader(path)


def test_misspelt_time_zone_is_refused_naming_key_and_value(tmp_path: Path) -> None:
    path = _trader_yaml(tmp_path, "timezone: Asia/HongKong\n")
    with pytest.raises(TraderSettingsError) as refused:
        load_trader(path)
    assert str(refused.value) == ("mingfai/trader.yaml: timezone 'Asia/HongKong' is not a time zone; expected an "
                                  "IANA zone like Asia/Hong_Kong.")


def test_codec_that_is_not_a_text_encoding_is_refused(tmp_path: Path) -> None:
    path = _trader_yaml(tmp_path, "encodings: [gb18030, rot13]\n")
    with pytest.raises(TraderSettingsError) as refused:
        load_trader(path)
    assert str(refused.value) == ("mingfai/trader.yaml: encodings 'rot13' is not a text encoding; expected one such "
                                  "as gb18030, big5hkscs, utf-8.")


def test_good_time_zone_and_encodings_load(tmp_path: Path) -> None:
    settings = load_trader(_trader_yaml(tmp_path, "timezone: Asia/Shanghai\nencodings: [big5hkscs, utf-8]\n"))
    assert (settings.timezone, settings.encodings) == ("Asia/Shanghai", ["big5hkscs", "utf-8"])


@pytest.mark.parametrize("value", ["/tmp/ssdd-escape", "../../escape", "feedback/../../escape", "C:\\feedback"])
def test_feedback_dir_outside_the_workspace_is_refused(tmp_path: Path, value: str) -> None:
    path = _trader_yaml(tmp_path, f"feedback_dir: '{value}'\n")
    with pytest.raises(TraderSettingsError) as refused:
        load_trader(path)
    assert str(refused.value) == (f"mingfai/trader.yaml: feedback_dir '{value}' is not a folder inside the workspace; "
                                  "expected a relative path such as feedback/acme, without .. or a leading /.")


def test_validation_messages_quote_values_not_python_reprs(tmp_path: Path) -> None:
    path = _trader_yaml(tmp_path, "language: [zh-Hant]\n")
    with pytest.raises(TraderSettingsError) as refused:
        load_trader(path)
    assert str(refused.value).endswith("(value a list).")
    assert "[" not in str(refused.value)


def test_feedback_dir_through_a_link_out_of_the_workspace_is_refused(tmp_path: Path) -> None:
    workspace, elsewhere = tmp_path / "ws", tmp_path / "elsewhere"
    workspace.mkdir()
    elsewhere.mkdir()
    (workspace / "feedback").symlink_to(elsewhere)
    with pytest.raises(OutsideWorkspace) as refused:
        inside_workspace(workspace, "feedback", "mingfai/trader.yaml feedback_dir")
    assert str(refused.value) == (f"mingfai/trader.yaml feedback_dir 'feedback' leads outside the workspace "
                                  f"({elsewhere.resolve()}) through a link; expected a folder inside the workspace")
    assert inside_workspace(workspace, "reports/acme", "x") == workspace.resolve() / "reports" / "acme"


# --- the inbox walk --------------------------------------------------------------------------------


def test_links_inside_the_trader_folder_are_read_once_and_links_out_refused(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    acme, other = inbox / "acme", inbox / "mingfai"
    (acme / "plans").mkdir(parents=True)
    other.mkdir()
    (acme / "plans" / "trip_plan.csv").write_text("trip_ref\nT1\n", encoding="utf-8")
    (acme / "same_plan.csv").symlink_to(acme / "plans" / "trip_plan.csv")
    (acme / "again").symlink_to(acme / "plans")
    (other / "plan.csv").write_text("trip_ref\nT2\n", encoding="utf-8")
    (acme / "borrowed.csv").symlink_to(other / "plan.csv")
    outside = tmp_path / "secret.txt"
    outside.write_text("not for the inbox", encoding="utf-8")
    (acme / "secret.csv").symlink_to(outside)
    (inbox / "root").symlink_to("/")
    walk = walk_folder(acme, inbox)
    assert [p.relative_to(inbox).as_posix() for p in walk.files] == ["acme/plans/trip_plan.csv"]
    reasons = {p.relative_to(inbox).as_posix(): r for p, r in walk.refused}
    assert reasons == {
        "acme/borrowed.csv": "acme/borrowed.csv is a link to mingfai/plan.csv, a file of another trader's folder; "
                             "it is read for that trader only, so remove the link.",
        "acme/secret.csv": f"acme/secret.csv is a link to {outside.resolve()}, outside the inbox; links are not "
                           "followed out of the inbox, so copy the file itself into the trader's folder.",
    }
    assert [p.name for p in trader_folders(inbox)] == ["acme", "mingfai"]


@pytest.mark.skipif(os.name != "posix", reason="symbolic links to / need a POSIX file system")
def test_inbox_entry_linking_to_root_is_refused_and_the_night_is_filed(tmp_path: Path, run_flow: Any) -> None:
    inbox, ws = tmp_path / "inbox", tmp_path / "ws"
    shutil.copytree(SAMPLES, inbox)
    (inbox / "evil").symlink_to("/")   # used to end the run: PermissionError on /proc/1/cwd
    summary = run_flow(inbox, ws, AS_OF)
    assert {s.trip_ref: s.status for s in summary.submissions} == {
        "MF-T001": "filed", "AC-T101": "filed", "MF-T002": "held"}
    files = {f.path: f for f in summary.files}
    assert files["evil"].status == "refused"
    assert files["evil"].reason == ("evil is a link to /, outside the inbox; links are not followed out of the inbox, "
                                    "so copy the file itself into the trader's folder.")
    assert all(f.reconciles() for f in summary.files)


# --- error workbook names --------------------------------------------------------------------------


def test_same_file_name_in_two_subfolders_gets_two_workbooks(tmp_path: Path) -> None:
    findings = pd.DataFrame({"src_file": ["acme/north/invoice.csv", "acme/south/invoice.csv", "acme/invoice.csv"],
                             "message_zh": ["甲", "乙", "丙"]})
    jobs = report_jobs(findings, inbox=tmp_path, out_dir=tmp_path / "quarantine", trader="acme", language="zh-Hans",
                       feedback_dir=tmp_path / "feedback")
    assert sorted(j.target.relative_to(tmp_path).as_posix() for j in jobs) == [
        "quarantine/acme/invoice.csv.errors.xlsx",
        "quarantine/acme/north/invoice.csv.errors.xlsx",
        "quarantine/acme/south/invoice.csv.errors.xlsx",
    ]
    assert sorted(str(j.feedback.relative_to(tmp_path)) for j in jobs if j.feedback is not None) == [
        "feedback/acme/invoice.csv.errors.xlsx",
        "feedback/acme/north/invoice.csv.errors.xlsx",
        "feedback/acme/south/invoice.csv.errors.xlsx",
    ]


def test_copy_of_another_traders_trip_plan_does_not_block_its_trucks(tmp_path: Path, run_flow: Any) -> None:
    inbox, ws = tmp_path / "inbox", tmp_path / "ws"
    shutil.copytree(SAMPLES, inbox)
    # mingfai's folder holds a copy of acme's plan: AC-T101 used to wait for "acme's" invoices from mingfai
    shutil.copy(inbox / "acme" / "trip_plan.csv", inbox / "mingfai" / "acme_trip_plan_copy.csv")
    summary = run_flow(inbox, ws, AS_OF)
    assert {s.trip_ref: s.status for s in summary.submissions} == {
        "MF-T001": "filed", "AC-T101": "filed", "MF-T002": "held"}
    [ac] = [s for s in summary.submissions if s.trip_ref == "AC-T101"]
    assert ac.trader == "acme"
    assert (ws / "outbox" / "cn" / "dec" / f"{ac.submission_id}_v1_dec1.xml").is_file()
    assert all(f.reconciles() for f in summary.files)

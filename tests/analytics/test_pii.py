"""Personal data never reaches the dataset in plain text; the keyed hash still lets analysts count drivers."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from pydantic import SecretStr

import transforms.plumbing.personal as pii_mod
from tests.analytics.case import DRIVER, DRIVER_PHONE, PII_KEY
from transforms.analytics.dataset import append_tables, read_table
from transforms.plumbing.personal import DEMO_PII_KEY, hasher, require_key


def _every_file(workspace: Path) -> list[Path]:
    return [p for p in workspace.rglob("*") if p.is_file() and p.suffix in (".parquet", ".sql")]


def test_driver_name_and_phone_are_not_in_any_parquet_byte(case: dict[str, Any]) -> None:
    files = _every_file(case["root"])
    assert any(p.suffix == ".parquet" for p in files)
    for path in files:
        raw = path.read_bytes()
        for secret in (DRIVER, DRIVER_PHONE, "D1234567", "A123***(7)"):
            assert secret.encode() not in raw, (path, secret)
    # zstd could hide a plain value from a byte grep: decode every cell as well
    for name in ("transport", "findings"):
        for row in read_table(case["root"], name).to_pylist():
            assert not any(isinstance(v, str) and (DRIVER in v or DRIVER_PHONE in v) for v in row.values()), row


def test_the_keyed_hash_is_stored_and_labelled(case: dict[str, Any]) -> None:
    expected = hmac.new(PII_KEY.encode(), DRIVER.encode(), hashlib.sha256).hexdigest()
    transport = read_table(case["root"], "transport")
    assert set(transport["driver_name"].to_pylist()) == {expected}
    assert set(transport["driver_phone"].to_pylist()) == {hmac.new(PII_KEY.encode(), DRIVER_PHONE.encode(),
                                                                   hashlib.sha256).hexdigest()}
    meta = pq.read_schema(next(case["root"].glob("transport/*/*/*.parquet"))).metadata
    assert meta[b"ssdd_pii_hash"] == b"hmac-sha256" and meta[b"ssdd_pii_key"] == b"configured"
    # the finding on the driver column carries the hash, and its message no longer quotes the name
    finding = next(r for r in read_table(case["root"], "findings").to_pylist() if r["finding_id"] == "f2")
    assert finding["value"] == expected and "<hashed>" in finding["message_en"]


def test_without_a_key_the_demo_key_is_used_labelled_and_warned_once(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.analytics.case import _frames, hk

    monkeypatch.setattr(pii_mod, "_warned", False)
    append_tables(tmp_path, _frames(["T1"], 1, "9", hk(8, 0)), "run-a")
    append_tables(tmp_path, _frames(["T2"], 1, "9", hk(8, 0)), "run-b", pii_key=None)
    assert capsys.readouterr().err.count("SSDD_PII_KEY is not set") == 1
    meta = pq.read_schema(next(tmp_path.glob("transport/*/*/*.parquet"))).metadata
    assert meta[b"ssdd_pii_key"] == b"demo"
    demo = hmac.new(DEMO_PII_KEY.encode(), DRIVER.encode(), hashlib.sha256).hexdigest()
    assert set(read_table(tmp_path, "transport")["driver_name"].to_pylist()) == {demo}


def test_configured_key_comes_from_the_settings_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    from transforms.plumbing.settings import load_settings

    monkeypatch.setenv("SSDD_PII_KEY", "from-env-secret")
    settings = load_settings()
    h = hasher(settings.pii_key)
    assert not h.demo and h.hash(DRIVER) == hmac.new(b"from-env-secret", DRIVER.encode(), hashlib.sha256).hexdigest()
    assert "from-env-secret" not in repr(settings)
    with pytest.raises(ValueError, match="SSDD_PII_KEY"):
        require_key(None, "watch")
    assert not require_key(SecretStr("x" * 32), "serve").demo

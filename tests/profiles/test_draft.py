"""Drafting a profile for an ERP outside the built-in families, finishing it, and filing its export."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import yaml

from tests.families.fixtures import write_csv
from transforms.assembly import assemble
from transforms.ingest import ingest_trader
from transforms.profiles.draft import NEEDED, draft_yaml
from transforms.profiles.registry import load_profiles
from transforms.readers import read_file
from transforms.reference import Reference
from transforms.timeutil import parse_as_of

REPO = Path(__file__).resolve().parents[2]
# An "Odoo" invoice-lines export: English headers no built-in profile uses.
ODOO_HEADER = ["Invoice Reference", "Invoice Date", "Customer", "Product Code", "Product Name (CN)", "Quantity",
               "Unit of Measure", "Unit Price", "Subtotal", "Currency", "Country of Origin", "HS Code CN",
               "Gross Weight (kg)", "Net Weight (kg)", "Cartons"]


def _odoo(path: Path) -> Path:
    rows = [ODOO_HEADER,
            ["ODO-1", "2026-11-25", "Acme HK Distribution", "AC-TS-COT", "男式棉制T恤衫", "100", "PCS", "3.20",
             "320.00", "USD", "CN", "6109100010", "25", "20", "2"],
            ["ODO-1", "2026-11-25", "Acme HK Distribution", "AC-SHOE-RN", "纺织鞋面运动鞋", "10", "PR", "14.00",
             "140.00", "USD", "CN", "6404110000", "9", "6", "1"]]
    return write_csv(path, rows, "utf-8")


def test_draft_maps_most_needed_fields_and_a_short_finish_files_the_export(tmp_path: Path) -> None:
    export = _odoo(tmp_path / "odoo_invoice_lines.csv")
    profiles = load_profiles(None)
    text, coverage = draft_yaml(export, read_file(export), profiles, "odoo_invoice_lines")
    assert coverage >= 0.8, text
    draft = yaml.safe_load(text)
    assert draft["columns"]["hs_cn"]["headers"] == ["HS Code CN"]
    assert draft["columns"]["line_amount_currency"]["headers"] == ["Currency"]
    # a person finishes it: the fields still missing, in at most ten YAML lines
    missing = [f for f in NEEDED if f not in draft["columns"]]
    finishing = {"invoice_no": {"headers": ["Invoice Reference"], "required": True},
                 "invoice_date": {"headers": ["Invoice Date"], "type": "date"},
                 "sku": {"headers": ["Product Code"], "type": "code"},
                 "description_zh": {"headers": ["Product Name (CN)"]},
                 "line_amount_value": {"headers": ["Subtotal"], "type": "number", "required": True},
                 "packages_qty": {"headers": ["Cartons"], "type": "integer"}}
    added = {k: v for k, v in finishing.items() if k in missing or k not in draft["columns"]}
    added_lines = yaml.safe_dump(added, default_flow_style=None, sort_keys=False).strip().splitlines()
    assert len(added_lines) <= 10, added_lines
    draft["columns"].update(added)
    user_dir = tmp_path / "profiles"
    user_dir.mkdir()
    (user_dir / "odoo_invoice_lines.yaml").write_text(yaml.safe_dump(draft, allow_unicode=True), encoding="utf-8")

    inbox = tmp_path / "inbox"
    shutil.copytree(REPO / "data" / "samples" / "inbox" / "acme", inbox / "acme")
    (inbox / "acme" / "goods_lines_20261125.xlsx").unlink()
    shutil.copy(export, inbox / "acme" / export.name)
    trips = (inbox / "acme" / "trip_plan.csv").read_text(encoding="utf-8-sig").replace("ACME-INV-7001", "ODO-1")
    (inbox / "acme" / "trip_plan.csv").write_text(trips, encoding="utf-8")
    settings = (inbox / "acme" / "trader.yaml").read_text(encoding="utf-8").replace(
        "profile: ssdd_canonical", "profile: odoo_invoice_lines")
    (inbox / "acme" / "trader.yaml").write_text(settings, encoding="utf-8")

    load_profiles.cache_clear()
    ing = ingest_trader(inbox / "acme", inbox, load_profiles(user_dir), Reference.load())
    load_profiles.cache_clear()
    report = {f.path: f for f in ing.files}["acme/odoo_invoice_lines.csv"]
    assert report.status == "read" and report.profile == "odoo_invoice_lines@1" and report.rows_in == 2
    assert ing.problems == []
    assert ing.input is not None
    asm = assemble([ing.input], Reference.load(), as_of=parse_as_of("2026-11-25T20:00:00+08:00"),
                   pending_max_age=timedelta(hours=72))
    assert asm.problems == [] and asm.submission_problems == []
    goods = asm.frames["goods_items"]
    assert goods["hs_cn"].tolist() == ["6109100010", "6404110000"]
    assert goods["line_amount_value"].tolist() == [320.0, 140.0]
    assert asm.frames["consignments"]["invoice_no"].tolist() == ["ODO-1"]

"""The content hash decides new / unchanged / amended in the ledger: it must see business changes
and nothing else."""

from __future__ import annotations

import copy

from tests.writers.conftest import make_bundle as build_lmc_bundle
from transforms.model.bundle import bundles_to_frames, content_hash, content_hashes


def test_hash_ignores_provenance_versions_and_run_time() -> None:
    a = build_lmc_bundle()
    b = copy.deepcopy(a)
    b.submission.update(version=7, function_code="5", created_at="2030-01-01T00:00:00Z",
                        source_files=["x.csv " + "1" * 64], profile_versions=["p@9"], reference_versions=["t@2030"])
    for g in b.goods_items:
        g["src_file"], g["src_row"] = "other.xlsx", 999
    assert content_hash(a) == content_hash(b)


def test_hash_sees_a_changed_quantity_and_a_changed_consignee_address() -> None:
    a = build_lmc_bundle()
    b = copy.deepcopy(a)
    b.goods_items[0]["quantity_value"] = float(b.goods_items[0]["quantity_value"]) + 1
    c = copy.deepcopy(a)
    next(p for p in c.parties if p["role"] == "CONSIGNEE")["address_lines"] = "Somewhere else"
    assert len({content_hash(a), content_hash(b), content_hash(c)}) == 3


def test_frame_path_equals_bundle_path_and_float_noise_is_ignored() -> None:
    a = build_lmc_bundle()
    b = copy.deepcopy(a)
    b.goods_items[0]["gross_mass_kg"] = float(a.goods_items[0]["gross_mass_kg"]) + 1e-9
    frames = bundles_to_frames([a])
    assert content_hashes(frames)[a.submission_id] == content_hash(a) == content_hash(b)

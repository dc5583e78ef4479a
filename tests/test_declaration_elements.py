"""申报要素 in the form customs accepts: [品牌类型 code, 出口享惠情况 code, values in tariff order], no 品名;
the trader's words become codes through the crosswalks and V16 counts against lists without 品名."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from expectations import validate
from expectations.rules import RULES
from transforms.assembly.assemble import assemble
from transforms.assembly.mainland_record import declaration_element_codes
from transforms.devtools.samples import AS_OF, write_sample_inbox
from transforms.ingest.folders import ingest_trader
from transforms.ingest.profiles.registry import load_profiles
from transforms.model.inputs import Assembly
from transforms.model.reference import Reference
from transforms.plumbing.timeutil import parse_as_of

V16 = tuple(r for r in RULES if r.id == "V16")


def _assemble(inbox: Path) -> Assembly:
    ref = Reference.load()
    ingested = ingest_trader(inbox / "acme", inbox, load_profiles(), ref)
    assert ingested.input is not None
    return assemble([ingested.input], ref, as_of=parse_as_of(AS_OF), pending_max_age=timedelta(hours=48))


def _v16_messages(asm: Assembly) -> list[str]:
    out = validate(asm.frames, reference=Reference.load(), as_of=parse_as_of(AS_OF), rules=V16)
    # the message after its place ("file (sheet) row n, column c: ")
    return sorted(m.split(": ", 1)[1] for m in out.findings["message_en"]) if not out.findings.empty else []


@pytest.mark.parametrize(("words", "codes"), [
    (["无品牌", "不享惠"], ["0", "0"]), (["境内自主品牌", "出口货物在最终目的国（地区）享受优惠关税"], ["1", "1"]),
    (["境内收购品牌", "不能确定"], ["2", "2"]), (["境外品牌（贴牌生产）", "不适用于进口报关单"], ["3", "3"]),
    (["境外品牌(其他)", "不适用"], ["4", "3"]), (["4", "3"], ["4", "3"]),
])
def test_brand_and_preference_words_become_their_codes(words: list[str], codes: list[str]) -> None:
    out = declaration_element_codes(pd.Series([[*words, "办公", "ACME"]]), Reference.load())
    assert out.iloc[0] == [*codes, "办公", "ACME"]


def test_an_unknown_word_stays_as_written() -> None:
    out = declaration_element_codes(pd.Series([["自有品牌", "不享惠"], None]), Reference.load())
    assert out.iloc[0] == ["自有品牌", "0"] and out.iloc[1] is None


def test_item_master_elements_without_pinming_and_the_right_count_pass_v16(tmp_path: Path) -> None:
    asm = _assemble(write_sample_inbox(tmp_path))
    tee = asm.frames["goods_items"].set_index("sku").loc["AC-TS-COT", "cn_declaration_elements"]
    assert tee == ["1", "0", "针织", "T恤衫", "男式", "棉100%", "ACME", "TS-M-WHT"]
    assert _v16_messages(asm) == []


def test_elements_with_pinming_first_fail_the_count_and_the_code_sets(tmp_path: Path) -> None:
    inbox = write_sample_inbox(tmp_path)
    master = inbox / "acme" / "item_master.csv"
    text = master.read_text(encoding="utf-8-sig")
    with_pinming = text.replace(",境内自主品牌|不享惠|针织", ",T恤衫|境内自主品牌|不享惠|针织")
    master.write_text(with_pinming, encoding="utf-8-sig")
    asm = _assemble(inbox)
    # one finding per cell and rule id, the most severe: the count only warns while the tariff rows are
    # illustrative, the 品牌类型 code set (official) holds
    assert _v16_messages(asm) == [
        "申报要素 element 1 (品牌类型) 'T恤衫' is not a 品牌类型 code 0-4 (0 无品牌, 1 境内自主品牌, 2 境内收购品牌, "
        "3 境外品牌(贴牌生产), 4 境外品牌(其他))."]
    out = validate(asm.frames, reference=Reference.load(), as_of=parse_as_of(AS_OF), rules=V16)
    failed = {r.meta["rule_key"]: r.result["unexpected_count"] for r in out.results["goods_items"].results
              if r.success is False}
    assert failed == {"V16.declaration_element_count": 1, "V16.declaration_brand_type": 1,
                      "V16.declaration_export_preference": 1}
    assert out.held == {asm.frames["submissions"].iloc[0]["submission_id"]}

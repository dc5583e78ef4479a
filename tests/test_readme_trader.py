"""The README's trader.yaml section stays true: both annotated examples load as trader settings, the HK_IMPORT
one is the shipped sample, and every key the settings model accepts is explained there."""

from __future__ import annotations

import re
import shutil
import textwrap
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from transforms.model.trader import TraderSettings

REPO = Path(__file__).resolve().parents[1]


def _section() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index("## Onboarding a trader: `trader.yaml`")
    return text[start:text.index("\n## ", start + 1)]


def _examples() -> dict[str, str]:
    section = _section()
    out = {}
    for heading in ("### HK_IMPORT", "### HK_EXPORT"):
        after = section[section.index(heading):]
        out[heading[4:]] = re.search(r"```yaml\n(.*?)```", after, re.DOTALL).group(1)  # type: ignore[union-attr]
    return out


def test_both_annotated_examples_are_valid_trader_settings() -> None:
    examples = {k: TraderSettings.model_validate(yaml.safe_load(v)) for k, v in _examples().items()}
    assert examples["HK_IMPORT"].self_.country == "CN" and examples["HK_EXPORT"].self_.country == "HK"
    assert examples["HK_EXPORT"].direction_view == "HK"
    shipped = yaml.safe_load((REPO / "data" / "samples" / "inbox" / "mingfai" / "trader.yaml").read_text("utf-8"))
    assert yaml.safe_load(_examples()["HK_IMPORT"]) == shipped


def _keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    keys = []
    for name, info in model.model_fields.items():
        key = f"{prefix}{info.alias or name}"
        keys.append(key)
        kind = info.annotation
        nested = [a for a in getattr(kind, "__args__", (kind,)) if isinstance(a, type) and issubclass(a, BaseModel)]
        for sub in nested:
            keys.extend(_keys(sub, f"{key}."))
    return keys


def test_every_accepted_key_is_explained() -> None:
    section = _section()
    table = set(re.findall(r"^\| `([a-z_.]+)` \|", section, re.MULTILINE))
    def explained(key: str) -> bool:
        """In the key table itself, through a key below it, or named in backquotes in the section."""
        return key in table or any(t.startswith(f"{key}.") for t in table) or f"`{key.rsplit('.', 1)[-1]}`" in section

    missing = [key for key in _keys(TraderSettings) if not explained(key)]
    assert missing == [], f"trader.yaml keys without a word in the README: {missing}"


def test_the_readme_route_files_a_sap_billing_list_with_package_counts(tmp_path: Path, run_flow: Any) -> None:
    """'A billing list without package counts (SAP)': the profile the README describes (sap_billing with
    another id and its two yaml lines) files the trips the built-in profile holds, with each billing
    item's count in the Mainland road manifest."""
    from lxml import etree

    from transforms.devtools.benchgen import write_bench_inbox

    section = _section()
    route = section[section.index("### A billing list without package counts (SAP)"):]
    snippet = re.search(r"```yaml\n(.*?)```", route, re.DOTALL).group(1)  # type: ignore[union-attr]
    generated = tmp_path / "generated"
    write_bench_inbox(generated, 120, seed=7, bad_share=0.0)
    sap = next(p for p in sorted(generated.iterdir()) if p.name.endswith("_sap") and (p / "export_000.csv").exists())
    inbox = tmp_path / "inbox"
    shutil.copytree(sap, inbox / "sapco")
    settings = inbox / "sapco" / "trader.yaml"
    settings.write_text(re.sub(r"(?m)^trader: .*$", "trader: sapco", settings.read_text("utf-8")), "utf-8")

    before = run_flow(inbox, tmp_path / "ws-before", "2026-11-25T20:00:00+08:00")
    assert before.submissions and {s.status for s in before.submissions} == {"held"}
    assert all(any("(商品项件数)" in r and "is missing" in r for r in s.reasons) for s in before.submissions)

    export = inbox / "sapco" / "export_000.csv"
    head, *rows = export.read_text(encoding="utf-8-sig").splitlines()
    counts = [3 + i % 5 for i in range(len(rows))]
    export.write_text("\n".join([f"{head};Packages;Package Type",
                                 *(f"{r};{n};CT" for r, n in zip(rows, counts, strict=True))]) + "\n",
                      encoding="utf-8-sig")
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    mine = yaml.safe_load((REPO / "data" / "profiles" / "sap_billing.yaml").read_text("utf-8"))
    mine["id"] = "acme_sap_billing"
    mine["columns"].update(yaml.safe_load(textwrap.dedent(snippet)))
    (profiles / "acme_sap_billing.yaml").write_text(yaml.safe_dump(mine, allow_unicode=True), "utf-8")
    settings.write_text(re.sub(r"(?m)^profile: .*$", "profile: acme_sap_billing", settings.read_text("utf-8")),
                        "utf-8")

    ws = tmp_path / "ws-after"
    after = run_flow(inbox, ws, "2026-11-25T20:00:00+08:00", profiles_dir=profiles)
    assert {f.profile for f in after.files if f.path.endswith("export_000.csv")} == {"acme_sap_billing@1"}
    assert len(after.submissions) == len(before.submissions)
    assert {s.status for s in after.submissions} == {"filed"}, [s.reasons for s in after.submissions]
    sent: list[tuple[str, str]] = []
    for manifest in sorted((ws / "outbox" / "cn" / "rmft").glob("CN_MT2401_*.xml")):
        tree = etree.parse(str(manifest))
        sent += [(q.text or "", q.get("unitCode") or "")
                 for q in tree.iter("{*}QuantityQuantity") if q.getparent().tag.endswith("Packaging")]
    assert sorted(sent) == sorted((str(n), "CT") for n in counts)

"""The README's trader.yaml section stays true: both annotated examples load as trader settings, the HK_IMPORT
one is the shipped sample, and every key the settings model accepts is explained there."""

from __future__ import annotations

import re
from pathlib import Path

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

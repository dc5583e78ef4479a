"""Load a YAML file that is *data* into a strict pydantic model, with one-sentence errors.

``yaml.safe_load`` only: a tag that would construct a Python object is refused, so a profile or a
trader's settings can never carry code.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def load_yaml_model(path: Path, model: type[M], label: str, error: type[Exception]) -> M:
    """``label`` names the file for the trader (e.g. 'Profile x.yaml' or 'mingfai/trader.yaml')."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise error(f"{label} is not valid YAML ({exc.__class__.__name__}); fix the file and run again.") from None
    if not isinstance(doc, dict):
        raise error(f"{label} must be a YAML mapping.")
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise error(f"{label}: {where}: {first['msg']} (value {first.get('input')!r}).") from None

"""Load a YAML file that is *data* into a strict pydantic model, with one-sentence errors.

``yaml.SafeLoader`` (or libyaml's ``CSafeLoader``, the same constructor) only: a tag that would
construct a Python object is refused, so a profile or a trader's settings can never carry code. The
document is bounded before it is built: the file's size, and the number of nodes it stands for once
its aliases are expanded (a "billion laughs" of nested aliases is a few hundred bytes that expand to
billions of nodes in whatever walks the result). Messages quote the offending value briefly and
never as a Python repr.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any, Final, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ValidationError

from transforms.plumbing.paths import OutsideWorkspace

M = TypeVar("M", bound=BaseModel)

#: Largest settings or profile file accepted; real ones are a few kilobytes.
MAX_YAML_BYTES: Final = 1_000_000
#: Most nodes a document may stand for with its aliases expanded; real ones have a few hundred.
MAX_YAML_NODES: Final = 100_000
#: How much of a value a message quotes.
_QUOTE_CHARS: Final = 80


#: libyaml's parser with the same safe constructor: the pure-Python one was a tenth of a small trader
#: folder's ingest; the wheels we pin carry libyaml, and the fallback keeps the same behaviour without it
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _TooBig(Exception):
    pass


class SettingValueError(ValueError):
    """A field validator's refusal worded as the rest of a sentence that starts with the key."""


def _expanded_nodes(root: yaml.Node) -> int:
    """Nodes the document stands for with every alias expanded; raises _TooBig past the limit or on a
    node that contains itself. Each distinct node is sized once, so this is linear in the file."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise _TooBig("an alias that contains itself")
        open_nodes.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        open_nodes.discard(key)
        if total > MAX_YAML_NODES:
            raise _TooBig(f"more than {MAX_YAML_NODES:,} values once its aliases (*name) are expanded")
        sizes[key] = total
        return total

    return size(root)


def _load_bounded(path: Path, label: str, error: type[Exception]) -> Any:
    size = path.stat().st_size
    if size > MAX_YAML_BYTES:
        raise error(f"{label} is {size:,} bytes, more than the limit of {MAX_YAML_BYTES:,} for a settings file; "
                    "keep only the settings in it and run again.")
    loader = _SafeLoader(path.read_text(encoding="utf-8"))
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _expanded_nodes(node)
        return loader.construct_document(node)
    except _TooBig as exc:
        raise error(f"{label} holds {exc}; write the values out without nested aliases and run again.") from None
    finally:
        loader.dispose()


def quote(value: object) -> str:
    """A value as a message shows it: text in quotes (shortened), a mapping or a list by kind."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if value is None:
        return "nothing"
    text = " ".join(str(value).split())
    return f"'{text if len(text) <= _QUOTE_CHARS else text[: _QUOTE_CHARS - 1] + '…'}'"


def load_yaml_model(path: Path, model: type[M], label: str, error: type[Exception]) -> M:
    """``label`` names the file for the trader (e.g. 'Profile x.yaml' or 'mingfai/trader.yaml')."""
    try:
        doc = _load_bounded(path, label, error)
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError) as exc:
        raise error(f"{label} is not valid YAML ({exc.__class__.__name__}); fix the file and run again.") from None
    if not isinstance(doc, dict):
        raise error(f"{label} must be a YAML mapping.")
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        cause = first.get("ctx", {}).get("error")
        if isinstance(cause, SettingValueError | OutsideWorkspace):
            raise error(f"{label}: {where} {cause}.") from None
        raise error(f"{label}: {where}: {first['msg']} (value {quote(first.get('input'))}).") from None


def iana_time_zone(value: str) -> str:
    """A ``timezone`` setting: an IANA zone name that this machine's zone database knows."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise SettingValueError(f"{quote(value)} is not a time zone; expected an IANA zone like "
                                "Asia/Hong_Kong") from None
    return value


def text_encodings(values: list[str]) -> list[str]:
    """An ``encodings`` setting: codec names that decode bytes to text (not rot13, base64, zlib …)."""
    for value in values:
        try:
            info = codecs.lookup(value)
        except LookupError:
            info = None
        if info is None or not getattr(info, "_is_text_encoding", True):
            raise SettingValueError(f"{quote(value)} is not a text encoding; expected one such as gb18030, big5hkscs, "
                             "utf-8")
    return values

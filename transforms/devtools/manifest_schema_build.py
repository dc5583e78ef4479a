"""Flatten the official Mainland road-manifest XSDs into one self-contained schema per message.

    python -m transforms.devtools.manifest_schema_build --source ../shared/reference/cn-manifest/schemas \
        --out data/schemas/cn-manifest

The official pack (中国海关进出境公路运输工具货运舱单报文 V1.0, Shenzhen single window, 2019-02-12)
splits every message into a message schema plus type libraries in their own namespaces (``Head``,
``Declaration``, ``Response``, ``DataType``, ``CN010`` …). libxml2 does not resolve those library
namespaces (``The QName value '{CN010}CN010' does not resolve to a(n) simple type definition``), so
lxml cannot compile the official files. Python ``xmlschema`` can, but it is far too slow to validate
every filing of a night.

The flattened schema is the message schema with its imports replaced by copies of every library type
it reaches (transitively), renamed ``<library namespace>.<type name>`` into the message's own target
namespace, and every QName reference rewritten to match. Nothing else changes: element names,
sequence order, occurrences, facets, enumerations, ``fixed`` values and identity constraints are the
official ones, and no library declares an element (checked here), so instance documents keep their
namespaces. Annotations and comments of the copied library types are dropped (the official files
keep them). ``tests/writers/test_cn_manifest_schemas.py`` re-generates these files and validates the
official samples, receipts and broken variants with both the flattened (lxml) and the official
(``xmlschema``) schema. The product reads only the generated files, never the source folder.

Windows back-slashes in the official ``schemaLocation`` values are normalised when loading.
"""

from __future__ import annotations

import argparse
import copy
from pathlib import Path
from typing import Final

from lxml import etree

REPO: Final = Path(__file__).resolve().parents[2]
DEFAULT_SOURCE: Final = REPO.parent / "shared" / "reference" / "cn-manifest" / "schemas"
DEFAULT_OUT: Final = REPO / "data" / "schemas" / "cn-manifest"

XS: Final = "http://www.w3.org/2001/XMLSchema"
_XS: Final = "{" + XS + "}"
#: Attributes whose value is a QName (the official files use no itemType/memberTypes/ref, but a
#: new pack might: they are rewritten the same way).
_QNAME_ATTRS: Final = ("type", "base", "itemType", "ref")
_TYPES: Final = (_XS + "simpleType", _XS + "complexType")

#: The message schemas the product validates against, as published.
MESSAGE_SCHEMAS: Final = (
    "Manifest_Declare_Export_Road_MT2401_9.xsd",
    "Manifest_Declare_Export_Road_Update_MT2401_5.xsd",
    "Manifest_Declare_Export_Road_Delete_MT2401_3.xsd",
    "Manifest_Declare_Import_Road_MT1401_9.xsd",
    "Manifest_Declare_Import_Road_Update_MT1401_5.xsd",
    "Manifest_Declare_Import_Road_Delete_MT1401_3.xsd",
    "Manifest_Binding_Export_Road_MT4402_2.xsd",
    "Manifest_Binding_Export_Road_Delete_MT4402_3.xsd",
    "Manifest_Binding_Import_Road_MT4401_2.xsd",
    "Manifest_Binding_Import_Road_Delete_MT4401_3.xsd",
    "Manifest_Response_Road.xsd",
)


class FlattenError(ValueError):
    """The source pack holds something this flattener cannot carry over unchanged."""


def _parse(path: Path) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=True,
                             remove_comments=True)
    return etree.parse(str(path), parser).getroot()


def _imports(schema: etree._Element, here: Path) -> list[Path]:
    out = []
    for imp in schema.iter(_XS + "import", _XS + "include"):
        location = imp.get("schemaLocation")
        if location is None:
            raise FlattenError(f"{here.name}: an import without schemaLocation cannot be flattened")
        out.append((here.parent / location.replace("\\", "/")).resolve())
    return out


def _libraries(message: Path) -> dict[str, etree._Element]:
    """Every schema the message imports, directly or not, by target namespace."""
    found: dict[str, etree._Element] = {}
    todo = _imports(_parse(message), message)
    seen: set[Path] = set()
    while todo:
        path = todo.pop(0)
        if path in seen:
            continue
        seen.add(path)
        lib = _parse(path)
        ns = lib.get("targetNamespace")
        if ns is None or ns in found:
            raise FlattenError(f"{path.name}: library without a target namespace or namespace {ns!r} twice")
        if next(lib.iter(_XS + "element"), None) is not None:
            raise FlattenError(f"{path.name}: a library declaring elements would change instance namespaces")
        found[ns] = lib
        todo.extend(_imports(lib, path))
    return found


def _resolve(el: etree._Element, value: str) -> tuple[str | None, str]:
    prefix, _, local = value.strip().rpartition(":")
    return el.nsmap.get(prefix or None), local


def _flat_name(ns: str, local: str) -> str:
    return f"{ns}.{local}"


def _rewrite(el: etree._Element, target: str, libs: dict[str, etree._Element], wanted: set[tuple[str, str]]) -> None:
    """Rewrite the QName attributes below ``el`` (in place) and note the library types they need."""
    for node in el.iter():
        if not isinstance(node.tag, str):
            continue
        for attr in _QNAME_ATTRS:
            value = node.get(attr)
            if value is None:
                continue
            ns, local = _resolve(node, value)
            if ns == XS:
                node.set(attr, f"xs:{local}")
            elif ns == target:
                node.set(attr, f"mft:{local}")
            elif ns in libs:
                wanted.add((ns, local))
                node.set(attr, f"mft:{_flat_name(ns, local)}")
            else:
                raise FlattenError(f"QName {value!r} resolves to namespace {ns!r}, which no import provides")


def _library_types(libs: dict[str, etree._Element]) -> dict[tuple[str, str], etree._Element]:
    types: dict[tuple[str, str], etree._Element] = {}
    for ns, lib in libs.items():
        for t in lib:
            if t.tag in _TYPES:
                types[(ns, t.get("name", ""))] = t
    return types


def flatten(message: Path) -> bytes:
    """The flattened schema of one official message schema, as UTF-8 bytes (deterministic)."""
    schema = _parse(message)
    target = schema.get("targetNamespace")
    if target is None:
        raise FlattenError(f"{message.name}: no targetNamespace")
    libs = _libraries(message)
    types = _library_types(libs)
    wanted: set[tuple[str, str]] = set()
    body = [child for child in schema if child.tag not in (_XS + "import", _XS + "include")]
    for child in body:
        _rewrite(child, target, libs, wanted)
    copied: dict[tuple[str, str], etree._Element] = {}
    while wanted - copied.keys():
        key = min(wanted - copied.keys())
        if key not in types:
            raise FlattenError(f"{message.name}: type {key[1]!r} of namespace {key[0]!r} is not defined")
        # rewrite before copying: a copy keeps only the namespace declarations its tags use, and
        # QName values need the library's own (its unprefixed names are its namespace's)
        _rewrite(types[key], key[0], libs, wanted)
        t = copy.deepcopy(types[key])
        for ann in list(t.iter(_XS + "annotation")):
            parent = ann.getparent()
            if parent is not None:
                parent.remove(ann)
        t.set("name", _flat_name(*key))
        copied[key] = t
    nsmap: dict[str | None, str] = {"xs": XS, "mft": target}
    root = etree.Element(_XS + "schema", nsmap=nsmap)  # type: ignore[arg-type]  # lxml-stubs: str keys
    for attr in ("targetNamespace", "elementFormDefault", "attributeFormDefault"):
        value = schema.get(attr)
        if value is not None:
            root.set(attr, value)
    root.append(etree.Comment(
        f" Generated by transforms/devtools/manifest_schema_build.py from the official {message.name} "
        "(公路舱单 XSD V1.0, Shenzhen single window pack 2019-02-12) and the library types it imports, "
        "renamed <namespace>.<name> into this namespace. Do not edit: re-generate. "))
    for child in body:
        root.append(copy.deepcopy(child))
    for key in sorted(copied):
        root.append(copied[key])
    etree.cleanup_namespaces(root, top_nsmap=nsmap, keep_ns_prefixes=["xs", "mft"])  # type: ignore[arg-type]
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def build(source: Path, out: Path) -> list[Path]:
    """Write the flattened schema of every message in :data:`MESSAGE_SCHEMAS`; returns the paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in MESSAGE_SCHEMAS:
        path = out / name
        path.write_bytes(flatten(source / name))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="the official schemas folder")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the flattened schemas go")
    args = parser.parse_args(argv)
    for path in build(args.source, args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

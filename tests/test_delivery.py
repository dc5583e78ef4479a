"""China Single Window folder contract: each Mainland message lands in its form's OutBox, atomically;
the form folders are settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from transforms.filing.delivery import BOXES, deliver, single_window_files
from transforms.plumbing.settings import Settings

SID = "8e830b29-5802-596c-97dd-da7c3b642cec"
ROAD = "CN_MT2401_1p0_5301123456789_2026112516000012309.xml"
CONVEYANCE = "CN_MT4402_1p0_5301123456789_2026112516000012402.xml"
CONVEYANCE_DELETE = "CN_MT4402_1p0_5301123456789_2026112516000012303.xml"


def test_each_message_goes_to_its_forms_outbox_and_nothing_half_written_stays(tmp_path: Path) -> None:
    root = tmp_path / "ImpPath"
    paths = deliver(root, [("Deccus001", f"{SID}_v1_dec1.xml", b"<DecMessage/>"),
                           ("Rmft", ROAD, b"<Manifest/>")])
    assert paths == [root / "Deccus001" / "OutBox" / f"{SID}_v1_dec1.xml", root / "Rmft" / "OutBox" / ROAD]
    assert [p.read_bytes() for p in paths] == [b"<DecMessage/>", b"<Manifest/>"]
    for form in ("Deccus001", "Rmft"):
        assert sorted(p.name for p in (root / form).iterdir()) == sorted(BOXES)
        assert [p.name for p in (root / form / "OutBox").iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize(("form", "name"), [("../Rmft", ROAD), ("Rmft", "../x.xml"), ("Rmft", ".hidden.xml")])
def test_a_form_or_file_name_that_leaves_its_folder_is_refused(tmp_path: Path, form: str, name: str) -> None:
    with pytest.raises(ValueError, match="is not a"):
        deliver(tmp_path, [(form, name, b"<x/>")])
    assert list(tmp_path.rglob("*.xml")) == []


def test_outputs_route_declarations_to_the_dec_form_and_road_messages_to_the_manifest_form(tmp_path: Path) -> None:
    outputs = {"single": f"outbox/single/{SID}_v2.xml", "hk": f"outbox/hk/{SID}_v2.xml",
               "cn_dec_10": f"outbox/cn/dec/{SID}_v2_dec10.xml", "cn_dec_2": f"outbox/cn/dec/{SID}_v2_dec2.xml",
               "cn_conveyance": f"outbox/cn/rmft/{CONVEYANCE}", "cn_manifest": f"outbox/cn/rmft/{ROAD}",
               "cn_conveyance_delete": f"outbox/cn/rmft/{CONVEYANCE_DELETE}"}
    for rel in outputs.values():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(Path(rel).name.encode())
    triples = single_window_files(outputs, tmp_path, dec_form="Deccus001", manifest_form="Rmft")
    assert [(form, name) for form, name, _ in triples] == [
        ("Deccus001", f"{SID}_v2_dec2.xml"), ("Deccus001", f"{SID}_v2_dec10.xml"),
        ("Rmft", ROAD), ("Rmft", CONVEYANCE_DELETE), ("Rmft", CONVEYANCE)]   # deletion before the new application
    assert all(data == name.encode() for _, name, data in triples)


def test_form_folders_are_settings_with_the_observed_defaults() -> None:
    s = Settings()
    assert (s.single_window_dec_form, s.single_window_manifest_form) == ("Deccus001", "Rmft")
    assert Settings(single_window_dec_form="DecCus002").single_window_dec_form == "DecCus002"
    with pytest.raises(ValueError, match="single_window_manifest_form"):
        Settings(single_window_manifest_form="../Rmft")

from __future__ import annotations

import io
import zipfile

import pytest

from wissenswerk.core.errors import LimitExceededError, ParseError
from wissenswerk.parsing import ParseLimits


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_members_are_parsed_recursively_with_joined_names(parse_sample):
    doc = parse_sample("projekt.zip")

    members = {b.member for b in doc.blocks}
    assert members == {"handbuch.docx", "Notizen/liesmich.txt", "anhang.zip/preise.xlsx"}
    price_rows = next(b for b in doc.blocks if b.member == "anhang.zip/preise.xlsx")
    assert "Artikel: Schraube M8 | Preis: 0,12" in price_rows.text
    assert price_rows.heading_path == ("Preisliste",)


def test_skipped_members_are_warnings(parse_sample):
    doc = parse_sample("projekt.zip")

    # skizze.png (4×4 pixels) is an image now, too small to hold text: no warning for it.
    assert doc.warnings == ["geheim.txt: encrypted, skipped"]
    # Folder entries and macOS resource forks are not content and not worth a warning.
    assert not any("__MACOSX" in w or w.startswith("Notizen/:") for w in doc.warnings)


def test_zip_bomb_is_rejected(parse_sample):
    with pytest.raises(LimitExceededError) as error:
        parse_sample("bombe.zip")

    assert "nullen.txt" in error.value.reason
    assert "possible zip bomb" in error.value.reason
    assert "bombe.zip" in str(error.value)


def test_bomb_inside_an_archive_is_a_warning_on_the_outer_archive(registry, sample_bytes):
    outer = _zip({"liesmich.txt": b"Inhalt", "bombe.zip": sample_bytes("bombe.zip")})

    doc = registry.parse_bytes(outer, "aussen.zip")

    assert doc.text == "Inhalt"
    assert len(doc.warnings) == 1
    assert doc.warnings[0].startswith("bombe.zip: member 'nullen.txt' unpacks 20971520 bytes")


def test_too_many_members(registry):
    data = _zip({f"datei{i}.txt": b"x" for i in range(5)})

    with pytest.raises(LimitExceededError, match="archive has 5 members, the limit is 4"):
        registry.parse_bytes(data, "viele.zip", ParseLimits(max_members=4))


def test_total_unpacked_size(registry):
    data = _zip({"a.txt": b"a" * 600, "b.txt": b"b" * 600})

    with pytest.raises(LimitExceededError, match="unpacks to 1200 bytes, more than the 1000"):
        registry.parse_bytes(data, "gross.zip", ParseLimits(max_total_unpacked_bytes=1000))


def test_oversized_member_is_skipped_and_the_rest_indexed(registry):
    data = _zip({"klein.txt": b"Kleine Datei", "gross.txt": b"g" * 2000})

    doc = registry.parse_bytes(data, "gemischt.zip", ParseLimits(max_member_bytes=1000))

    assert doc.text == "Kleine Datei"
    assert doc.warnings == [
        "gross.txt: unpacks to 2000 bytes, the limit per member is 1000; skipped"
    ]


def test_nesting_depth(registry, sample_bytes):
    level3 = _zip({"tief.txt": b"ganz unten"})
    level2 = _zip({"ebene3.zip": level3})
    level1 = _zip({"ebene2.zip": level2, "oben.txt": b"oben"})

    shallow = registry.parse_bytes(level1, "ebene1.zip", ParseLimits(max_depth=2))
    deep = registry.parse_bytes(level1, "ebene1.zip", ParseLimits(max_depth=3))

    # tief.txt sits inside three containers: ebene1.zip > ebene2.zip > ebene3.zip.
    assert shallow.text == "oben"
    assert shallow.warnings == [
        "ebene2.zip: ebene3.zip: tief.txt: nested 3 levels deep, the limit is 2; skipped"
    ]
    assert [b.member for b in deep.blocks] == ["ebene2.zip/ebene3.zip/tief.txt", "oben.txt"]


def test_member_whose_header_understates_its_size(registry):
    data = bytearray(_zip({"luege.txt": b"L" * 5000}))
    # Patch the declared uncompressed size (local and central header) down to 10 bytes.
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = data.find(signature)
        data[start + offset : start + offset + 4] = (10).to_bytes(4, "little")

    doc = registry.parse_bytes(bytes(data), "luege.zip")

    assert doc.blocks == []
    assert doc.warnings and doc.warnings[0].startswith("luege.txt: damaged in the archive")


def test_path_traversal_names_are_only_labels(registry):
    data = _zip({"../../etc/passwd.txt": b"harmlos"})

    doc = registry.parse_bytes(data, "boese.zip")

    assert [(b.member, b.text) for b in doc.blocks] == [("../../etc/passwd.txt", "harmlos")]


def test_corrupt_archive(registry, sample_bytes):
    data = sample_bytes("projekt.zip")

    with pytest.raises(ParseError, match="not a valid ZIP archive"):
        registry.parse_bytes(data[:1000], "projekt.zip")

"""Hostile and broken files: each one gets a clear error of its own, and the batch goes on.

Every file is generated here: XML entity bombs and external entities inside Office packages
and HTML, zip bombs, deep nesting, huge CSV fields, wrong encodings, encrypted, truncated and
mislabelled files. The last test runs them all as one batch through isolated workers, with a
hanging and a memory-hungry file among them.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from tests.parsing import worker_tasks
from tests.parsing.conftest import DATA
from wissenswerk.core.documents import ParsedDocument
from wissenswerk.core.errors import LimitExceededError, ParseError
from wissenswerk.parsing import ParseLimits, ParserRegistry
from wissenswerk.parsing.isolation import IsolatedParsers

# Ten levels of ten: expanded, "&lol9;" is 10^9 times "lol".
BILLION_LAUGHS = (
    b'<!DOCTYPE lolz [<!ENTITY lol0 "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10))
    + b"]>"
)
DTD_REASON = "contains an XML document type declaration"
# Which part of which sample gets the entity, and the tag whose text it goes into.
OFFICE_PARTS = {
    "docx": ("handbuch.docx", "word/document.xml", b"<w:t>"),
    "xlsx": ("preise.xlsx", "xl/sharedStrings.xml", b"<t>"),
    "pptx": ("schulung.pptx", "ppt/slides/slide1.xml", b"<a:t>"),
}


def _members(package: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _with_entity(kind: str, doctype: bytes, reference: bytes) -> bytes:
    """An Office sample whose first text run holds ``reference``, declared by ``doctype``."""
    sample, part, tag = OFFICE_PARTS[kind]
    members = _members((DATA / sample).read_bytes())
    xml = members[part]
    prolog_end = xml.index(b"?>") + 2
    xml = xml[:prolog_end] + doctype + xml[prolog_end:]
    text_start = xml.index(tag) + len(tag)
    members[part] = xml[:text_start] + reference + xml[text_start:]
    return _zip(members)


def _external_entity(secret: Path) -> bytes:
    return b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "%s">]>' % secret.as_uri().encode()


def _parse(data: bytes, filename: str, limits: ParseLimits | None = None) -> ParsedDocument:
    return ParserRegistry().parse_bytes(data, filename, limits)


@pytest.mark.parametrize("kind", sorted(OFFICE_PARTS))
def test_entity_bomb_in_office_file_is_rejected(kind):
    data = _with_entity(kind, BILLION_LAUGHS, b"&lol9;")

    with pytest.raises(ParseError) as error:
        _parse(data, f"lachen.{kind}")
    assert DTD_REASON in error.value.reason
    assert "possible XML entity attack" in error.value.reason


@pytest.mark.parametrize("kind", sorted(OFFICE_PARTS))
def test_external_entity_in_office_file_is_rejected(kind, tmp_path):
    secret = tmp_path / "geheim.txt"
    secret.write_text("Kennwort4711")
    data = _with_entity(kind, _external_entity(secret), b"&xxe;")

    with pytest.raises(ParseError, match=DTD_REASON) as error:
        _parse(data, f"xxe.{kind}")
    assert "Kennwort4711" not in str(error.value)


def test_html_entities_are_neither_expanded_nor_resolved(tmp_path):
    secret = tmp_path / "geheim.txt"
    secret.write_text("Kennwort4711")
    page = (
        BILLION_LAUGHS.replace(b"lolz", b"html")
        + _external_entity(secret).replace(b" x ", b" body ")
        + b"<html><body><p>Start &lol9; &xxe; Ende</p></body></html>"
    )

    doc = _parse(page, "seite.html")

    assert "Start" in doc.text and "Ende" in doc.text
    assert "lollol" not in doc.text
    assert "Kennwort4711" not in doc.text


def test_zip_bomb_inside_an_office_package_is_rejected():
    members = _members((DATA / "handbuch.docx").read_bytes())
    members["word/media/nullen.bin"] = bytes(5 * 1024 * 1024)

    with pytest.raises(LimitExceededError, match="rejected as a possible zip bomb"):
        _parse(_zip(members), "bombe.docx")


def test_archives_nested_too_deeply_are_cut_off_with_a_warning():
    data, name = b"ganz innen", "innen.txt"
    for level in range(6):
        data, name = _zip({name: data}), f"ebene{level}.zip"

    doc = _parse(data, name)

    assert doc.blocks == []
    assert "nested 4 levels deep, the limit is 3; skipped" in doc.warnings[0]


def test_archive_with_too_many_members_is_rejected():
    data = _zip({f"datei{i}.txt": b"x" for i in range(30)})

    with pytest.raises(LimitExceededError, match="archive has 30 members, the limit is 20"):
        _parse(data, "viele.zip", ParseLimits(max_members=20))


def test_deeply_nested_multipart_mail_is_a_clear_error():
    body = b"Text"
    for level in range(3000):
        body = (
            b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (level, level)
            + body
            + b"\n--b%d--\n" % level
        )

    with pytest.raises(ParseError, match="nested too deeply"):
        _parse(b"Subject: tief\nMIME-Version: 1.0\n" + body, "tief.eml")


def test_csv_field_beyond_the_field_limit_is_a_clear_error():
    data = b'Name;Notiz\nMeier;"' + b"x" * 200_000 + b'"\n'

    with pytest.raises(ParseError) as error:
        _parse(data, "notizen.csv")
    assert error.value.reason == (
        "a CSV field is longer than 131072 characters (an unclosed quote?); not a regular CSV file"
    )


@pytest.mark.parametrize("filename", ["zufall.txt", "zufall.csv", "zufall.html", "zufall.md"])
def test_binary_content_under_a_text_extension(filename):
    noise = bytes(range(256)) * 40  # every byte value, control characters included

    with pytest.raises(ParseError, match="binary content"):
        _parse(noise, filename)


def test_html_declared_utf8_but_written_in_latin1_is_read_with_replacements():
    page = '<meta charset="utf-8"><p>Größe: 5 m²</p>'.encode("latin-1")

    doc = _parse(page, "seite.html")

    assert doc.text == "Gr\ufffd\ufffde: 5 m\ufffd"


def test_stray_control_characters_in_html_are_dropped():
    # lxml refuses text with any NUL byte; one broken byte must not lose the page.
    page = b"<html><head><title>Anleitung</title></head><body><p>Hallo\x00 Welt!</p></body></html>"

    assert _parse(page, "seite.html").text == "Hallo Welt!"


def test_password_protected_office_file_says_so(msgwriter):
    # What Word writes for a DOCX with a password: an OLE file, not a ZIP.
    data = msgwriter.write_cfb(
        {"EncryptionInfo": b"\x04\x00\x04\x00" + bytes(200), "EncryptedPackage": bytes(5000)}
    )

    for filename in ("vertrag.docx", "zahlen.xlsx", "ohne_endung"):
        with pytest.raises(ParseError, match="password-protected"):
            _parse(data, filename)


def test_password_protected_pdf_says_so():
    with pytest.raises(ParseError, match="encrypted PDF, password required"):
        _parse((DATA / "verschluesselt.pdf").read_bytes(), "verschluesselt.pdf")


@pytest.mark.parametrize(
    ("sample", "reason"),
    [
        ("handbuch.docx", "not a valid DOCX (truncated or corrupt)"),
        ("preise.xlsx", "not a valid XLSX (truncated or corrupt)"),
        ("schulung.pptx", "not a valid PPTX (truncated or corrupt)"),
        ("bericht.pdf", "not a valid PDF (truncated or corrupt)"),
        ("rundmail.msg", "damaged Outlook .msg file"),
        ("projekt.zip", "not a valid ZIP archive (truncated or corrupt)"),
    ],
)
def test_truncated_files(sample, reason):
    data = (DATA / sample).read_bytes()

    with pytest.raises(ParseError) as error:
        _parse(data[: len(data) // 2], sample)
    assert error.value.reason.startswith(reason)


@pytest.mark.parametrize(
    ("sample", "lie", "parser"),
    [("bericht.pdf", "bericht.docx", "pdf"), ("handbuch.docx", "handbuch.txt", "docx")],
)
def test_files_with_a_lying_extension_are_read_by_content(sample, lie, parser):
    doc = _parse((DATA / sample).read_bytes(), lie)

    assert doc.metadata["parser"] == parser
    assert doc.blocks


@pytest.mark.parametrize(
    ("filename", "reason"),
    [
        ("bild.pdf", "not a valid PDF"),
        ("bild.msg", "not a valid Outlook .msg file"),
        ("bild.docx", "not a valid DOCX"),
        ("bild.eml", "not an e-mail message"),
    ],
)
def test_a_picture_under_a_document_extension(filename, reason):
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8

    with pytest.raises(ParseError, match=reason):
        _parse(png, filename)


def test_markdown_with_unclosed_html_comments_parses_in_linear_time():
    # The old comment regex needed minutes for this (every "<!--" rescanned the rest).
    text = b"<!--" * 100_000
    with IsolatedParsers(ParserRegistry, ParseLimits(), workers=1, timeout_s=10) as parsers:
        doc = parsers.parse(text, "kommentare.md")
    assert doc.blocks == []


def _hostile_batch(tmp_path: Path) -> list[tuple[str, bytes]]:
    secret = tmp_path / "geheim.txt"
    secret.write_text("Kennwort4711")
    handbook = (DATA / "handbuch.docx").read_bytes()
    return [
        ("lachen.docx", _with_entity("docx", BILLION_LAUGHS, b"&lol9;")),
        ("xxe.xlsx", _with_entity("xlsx", _external_entity(secret), b"&xxe;")),
        ("endlos.slow", b"60"),  # hangs until the worker is killed
        ("gierig.hungry", b"4000"),  # wants 4 GB
        ("tief.html", b"<div>" * 100_000 + b"x"),
        ("kommentare.md", b"<!--" * 50_000),
        ("feld.csv", b'a;"' + b"x" * 200_000),
        ("bombe.zip", (DATA / "bombe.zip").read_bytes()),
        ("halb.docx", handbook[: len(handbook) // 2]),
        ("zufall.txt", bytes(range(256)) * 40),
        ("verschluesselt.pdf", (DATA / "verschluesselt.pdf").read_bytes()),
        ("handbuch.docx", handbook),  # the batch must still reach this one
    ]


def test_a_batch_of_hostile_files_gets_one_error_each_and_goes_on(tmp_path):
    results: dict[str, ParsedDocument | ParseError] = {}
    parsers = IsolatedParsers(
        worker_tasks.registry_with_test_parsers,
        ParseLimits(),
        workers=2,
        timeout_s=3,
        memory_mb=768,
    )
    with parsers:
        for name, data in _hostile_batch(tmp_path):
            try:
                results[name] = parsers.parse(data, name)
            except ParseError as exc:  # what the sync engine records per file
                results[name] = exc

    errors = {name: r.reason for name, r in results.items() if isinstance(r, ParseError)}
    assert DTD_REASON in errors["lachen.docx"]
    assert DTD_REASON in errors["xxe.xlsx"]
    assert errors["endlos.slow"] == (
        "parsing took longer than 3 s (setting parsing.timeout_s); it was stopped"
    )
    assert errors["gierig.hungry"] == (
        "the parser needed more than 768 MB of memory (setting parsing.memory_mb)"
    )
    assert "CSV field is longer" in errors["feld.csv"]
    assert "possible zip bomb" in errors["bombe.zip"]
    assert "truncated or corrupt" in errors["halb.docx"]
    assert errors["zufall.txt"] == "binary content, not a text file"
    assert errors["verschluesselt.pdf"] == "encrypted PDF, password required"
    assert set(results) - set(errors) == {"tief.html", "kommentare.md", "handbuch.docx"}
    handbook = results["handbuch.docx"]
    assert isinstance(handbook, ParsedDocument) and "Wartung" in handbook.text

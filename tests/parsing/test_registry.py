from __future__ import annotations

import pytest

from wissenswerk.core.documents import Block, ParsedDocument
from wissenswerk.core.errors import LimitExceededError, ParseError, UnsupportedFormatError
from wissenswerk.parsing import (
    ParseContext,
    ParseLimits,
    ParserRegistry,
    default_parsers,
    parse_bytes,
    parse_file,
    supported_extensions,
)
from wissenswerk.parsing.registry import sniff, sniff_text

from .conftest import DATA


class ShoutParser:
    """A plugin-style parser, as a pluggy hook would register it."""

    name: str = "shout"
    extensions: tuple[str, ...] = (".txt", ".shout")

    def parse(self, data: bytes, filename: str, ctx: ParseContext) -> ParsedDocument:
        return ParsedDocument(blocks=[Block(data.decode().upper())])


class BrokenParser:
    name: str = "broken"
    extensions: tuple[str, ...] = (".kaputt",)

    def parse(self, data: bytes, filename: str, ctx: ParseContext) -> ParsedDocument:
        raise IndexError("list index out of range")


def test_default_parsers_cover_the_office_formats():
    assert {p.name for p in default_parsers()} == {
        "pdf", "docx", "xlsx", "csv", "pptx", "html", "markdown", "text", "eml", "msg", "zip",
        "image",
    }  # fmt: skip
    assert {".pdf", ".docx", ".xlsx", ".csv", ".pptx", ".html", ".md", ".txt", ".eml", ".msg",
            ".zip"} <= set(supported_extensions())  # fmt: skip


@pytest.mark.parametrize(
    ("sample", "disguise", "expected"),
    [
        ("bericht.pdf", "rechnung.txt", "Wartungsbericht"),  # PDF with a wrong extension
        ("handbuch.docx", "handbuch.pdf", "Betriebshandbuch"),  # DOCX mailed as .pdf
        ("preise.xlsx", "preise", "Schraube M8"),  # no extension at all
        ("schulung.pptx", "folien.zip", "Arbeitssicherheit"),
        ("rundmail.msg", "rundmail.dat", "Rundmail"),
        ("anfrage.eml", "anfrage", "Wartungsbericht"),
        ("intranet.html", "index", "Reisekostenrichtlinie"),
        ("notiz_utf8.txt", "LIESMICH", "Übergabe"),
    ],
)
def test_content_wins_over_a_wrong_or_missing_extension(
    registry, sample_bytes, sample, disguise, expected
):
    doc = registry.parse_bytes(sample_bytes(sample), disguise)

    assert expected in doc.text


def test_sniffing():
    assert sniff(b"%PDF-1.7\n...") == "pdf"
    assert sniff(b"\xef\xbb\xbf  junk before the header %PDF-1.4") == "pdf"
    assert sniff(b"PK\x03\x04 truncated") is None  # damaged zip: the extension decides
    assert sniff(b"plain text") is None
    assert sniff_text(b"<!DOCTYPE html><html>") == "html"
    assert sniff_text(b"Return-Path: <a@b.de>\nSubject: x\n\nText") == "eml"
    assert sniff_text(b"\x00\x01\x02") is None


def test_unknown_extension(registry):
    with pytest.raises(UnsupportedFormatError) as error:
        registry.parse_bytes(b"MZ\x90\x00", "setup.exe")

    assert error.value.name == "setup.exe"
    assert "unsupported file type '.exe'" in error.value.reason
    assert ".docx" in error.value.reason  # tells what would work


def test_legacy_office_file_gets_advice(registry, msgwriter):
    data = msgwriter.write_cfb({"WordDocument": b"x" * 100})

    with pytest.raises(UnsupportedFormatError, match=r"\.doc/\.xls/\.ppt\) is not supported"):
        registry.parse_bytes(data, "Angebot.doc")


def test_plain_zip_under_a_foreign_extension_is_not_an_archive(registry, sample_bytes):
    with pytest.raises(UnsupportedFormatError, match=r"'\.jar'"):
        registry.parse_bytes(sample_bytes("projekt.zip"), "werkzeug.jar")


def test_default_and_empty_registries():
    assert ParserRegistry().supported_extensions() == supported_extensions()
    assert ParserRegistry([]).supported_extensions() == ()
    assert parse_bytes(b"# Titel", "a.md").metadata["parser"] == "markdown"


def test_registered_parser_wins_its_extensions():
    registry = ParserRegistry()
    registry.register(ShoutParser())

    assert registry.parse_bytes(b"leise", "a.txt").text == "LEISE"
    assert registry.parse_bytes(b"leise", "a.shout").text == "LEISE"
    assert registry.parse_bytes(b"# leise", "a.md").text == "leise"  # others untouched


def test_extensions_must_be_lower_case_with_dot():
    class Bad(ShoutParser):
        extensions = ("TXT",)

    with pytest.raises(ValueError, match="must be lower-case and start with a dot"):
        ParserRegistry([Bad()])


def test_unexpected_exception_of_a_top_level_parser_becomes_parse_error():
    registry = ParserRegistry([BrokenParser()])

    with pytest.raises(ParseError) as error:
        registry.parse_bytes(b"x", "datei.kaputt")

    assert error.value.reason == "broken parser failed: IndexError: list index out of range"
    assert isinstance(error.value.__cause__, IndexError)


def test_unexpected_exception_of_a_member_parser_becomes_a_warning(sample_bytes):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.kaputt", b"x")
        archive.writestr("b.txt", b"gut")
    registry = ParserRegistry([*default_parsers(), BrokenParser()])

    doc = registry.parse_bytes(buffer.getvalue(), "gemischt.zip")

    assert doc.text == "gut"
    assert doc.warnings == ["a.kaputt: broken parser failed: IndexError: list index out of range"]


def test_member_blocks_are_retagged_and_ocr_pages_reported(registry, sample_bytes):
    ctx = ParseContext(limits=ParseLimits(), parse_member=registry._parse_member)

    doc = ctx.parse_member(sample_bytes("scan.pdf"), "lieferschein.pdf", ctx)

    assert {b.member for b in doc.blocks} == {"lieferschein.pdf"}
    assert {b.page for b in doc.blocks} == {1}
    assert doc.warnings == ["lieferschein.pdf: pages 2 have no text layer and need OCR"]
    assert ctx.member_count == 1
    assert ctx.unpacked_bytes == len(sample_bytes("scan.pdf"))


def test_file_size_limit(registry, tmp_path):
    path = tmp_path / "gross.txt"
    path.write_bytes(b"x" * 2000)

    with pytest.raises(LimitExceededError, match="file is 2000 bytes, the limit is 1000"):
        registry.parse_file(path, ParseLimits(max_file_bytes=1000))
    with pytest.raises(LimitExceededError):
        registry.parse_bytes(b"x" * 2000, "gross.txt", ParseLimits(max_file_bytes=1000))


def test_parse_file_names_the_path_in_errors(tmp_path):
    missing = tmp_path / "fehlt.pdf"

    with pytest.raises(ParseError, match=r"fehlt\.pdf: cannot read file"):
        parse_file(missing)
    with pytest.raises(ParseError, match=r"/kaputt\.pdf: not a valid PDF"):
        parse_file(DATA / "kaputt.pdf")


def test_module_level_shortcuts():
    assert parse_bytes(b"Hallo Welt", "gruss.txt").text == "Hallo Welt"
    assert parse_file(DATA / "leitfaden.md").title == "Leitfaden Urlaubsantrag"


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.iterdir()))
@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9])
def test_truncated_samples_never_raise_anything_but_parse_error(
    registry, sample_bytes, name, fraction
):
    data = sample_bytes(name)

    try:
        registry.parse_bytes(data[: int(len(data) * fraction)], name)
    except ParseError as error:
        assert error.name == name
        # No library exception text slipped through unwrapped.
        assert "parser failed" not in error.reason, error.reason

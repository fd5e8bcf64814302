from __future__ import annotations

import io

import olefile
import pytest

from wissenswerk.core.errors import ParseError


def test_sample_is_a_valid_compound_file(sample_bytes):
    # The sample comes from our own CFB writer; olefile is the independent reader.
    with olefile.OleFileIO(io.BytesIO(sample_bytes("rundmail.msg"))) as ole:
        assert ole.parsing_issues == []
        subject = ole.openstream("__substg1.0_0037001F").read().decode("utf-16-le")
        attachment = ole.openstream("__attach_version1.0_#00000000/__substg1.0_37010102").read()
    assert subject == "Rundmail: Neue Wartungsintervalle ab April"
    assert attachment == sample_bytes("handbuch.docx")  # > 4096 bytes: regular sectors


def test_headers_body_and_ansi_sender(parse_sample):
    doc = parse_sample("rundmail.msg")

    assert doc.title == "Rundmail: Neue Wartungsintervalle ab April"
    assert doc.blocks[0].text.splitlines() == [
        # The sender name is an ANSI (cp1252) property, the address a Unicode one.
        "From: Jörg Weber (Instandhaltung, Büro Süd) <j.weber@mueller-maschinenbau.example>",
        "To: Alle Mitarbeitenden Fertigung",
        "Date: Mon, 04 Mar 2024 09:15:00 +0000",
        "Subject: Rundmail: Neue Wartungsintervalle ab April",
    ]
    body = [b.text for b in doc.blocks if b.member is None][1:]
    assert body == [
        "Liebe Kolleginnen und Kollegen,",
        "ab April gilt für die Fräsmaschinen ein Wartungsintervall von 500 Betriebsstunden.",
        "Details im angehängten Handbuch.",
    ]


def test_attachments_are_members(parse_sample):
    doc = parse_sample("rundmail.msg")

    assert next(b.member for b in doc.blocks if b.member) == "handbuch.docx"
    csv_rows = next(b for b in doc.blocks if b.member == "reisekosten.csv")
    assert csv_rows.text.splitlines()[0].startswith("Datum: 04.03.2024 | Mitarbeiter: Jörg Weber")
    assert doc.warnings == []


def test_html_body_in_its_declared_charset(parse_sample):
    doc = parse_sample("html_mail.msg")

    assert doc.title == "Einladung Betriebsausflug"
    assert [b.text for b in doc.blocks[1:]] == [
        "Betriebsausflug",
        "Der Betriebsausflug führt dieses Jahr nach Würzburg.",
    ]


def test_not_an_ole_file(registry):
    with pytest.raises(ParseError, match=r"mail\.msg: not a valid Outlook \.msg file"):
        registry.parse_bytes(b"From: x\n\nText", "mail.msg")


def test_ole_file_without_mapi_properties(registry, msgwriter):
    data = msgwriter.write_cfb({"WordDocument": b"x" * 5000})

    with pytest.raises(ParseError, match="not an Outlook message"):
        registry.parse_bytes(data, "alt.msg")


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-le")


def test_rtf_only_body_and_embedded_item_are_reported(registry, msgwriter):
    data = msgwriter.write_cfb(
        {
            "__properties_version1.0": bytes(32),
            "__substg1.0_0037001F": _utf16("Alte Nachricht"),
            "__substg1.0_10090102": b"LZFu compressed rtf",
            "__attach_version1.0_#00000000": {
                "__properties_version1.0": bytes(8),
                "__substg1.0_3001001F": _utf16("Weitergeleitet"),
                "__substg1.0_3701000D": {"__properties_version1.0": bytes(24)},
            },
            "__attach_version1.0_#00000001": {
                "__properties_version1.0": bytes(8),
                "__substg1.0_3707001F": _utf16("link.url"),
            },
        }
    )

    doc = registry.parse_bytes(data, "alt.msg")

    assert doc.title == "Alte Nachricht"
    assert doc.warnings == [
        "message body is stored only as compressed RTF, not supported yet",
        "Weitergeleitet: attached Outlook item not supported yet, skipped",
        "link.url: attachment has no data (a link or OLE object), skipped",
    ]

from __future__ import annotations

from email import policy
from email.message import EmailMessage

import pytest

from wissenswerk.core.errors import ParseError


def test_subject_is_the_title_and_headers_the_first_block(parse_sample):
    doc = parse_sample("anfrage.eml")

    assert doc.title == "Wartungsbericht FM-200 und Übergabeprotokoll"
    assert doc.blocks[0].text.splitlines() == [
        "From: Jörg Weber <j.weber@mueller-maschinenbau.example>",
        "To: Anna Schmidt <a.schmidt@mueller-maschinenbau.example>",
        "Date: Mon, 04 Mar 2024 10:15:00 +0100",
        "Subject: Wartungsbericht FM-200 und Übergabeprotokoll",
    ]
    assert doc.metadata["date"] == "Mon, 04 Mar 2024 10:15:00 +0100"


def test_plain_body_is_preferred_over_html(parse_sample):
    doc = parse_sample("anfrage.eml")

    body = [b.text for b in doc.blocks if b.member is None][1:]
    assert body == [
        "Hallo Anna,",
        "anbei der Wartungsbericht der Fräsmaschine FM-200 und das Handbuch.",
        "Die nächste Wartung ist in 500 Betriebsstunden fällig.",
        "Gruß\nJörg",
    ]


def test_attachments_are_parsed_as_members(parse_sample):
    doc = parse_sample("anfrage.eml")

    members = {b.member for b in doc.blocks} - {None}
    assert members == {"wartungsbericht.pdf", "Übergabe Handbuch.docx"}
    pdf_pages = {b.page for b in doc.blocks if b.member == "wartungsbericht.pdf"}
    assert pdf_pages == {1, 2, 3}  # locators of the attachment survive
    docx_heading = next(b for b in doc.blocks if b.member == "Übergabe Handbuch.docx")
    assert docx_heading.text == "Betriebshandbuch FM-200"
    assert doc.warnings == []


def _message(**parts: bytes) -> bytes:
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = "personal@example.de"
    message["Subject"] = "Unterlagen"
    message.set_content("Siehe Anhang.")
    for name, data in parts.items():
        message.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return message.as_bytes()


def test_broken_attachment_becomes_a_warning_and_the_rest_is_indexed(registry, sample_bytes):
    data = _message(**{"kaputt.pdf": b"%PDF-1.4 kaputt", "notiz.txt": "Größe 42".encode()})

    doc = registry.parse_bytes(data, "unterlagen.eml")

    assert doc.warnings == ["kaputt.pdf: not a valid PDF (truncated or corrupt)"]
    assert [(b.member, b.text) for b in doc.blocks if b.member] == [("notiz.txt", "Größe 42")]


def test_html_only_mail_and_forwarded_message(registry):
    inner = EmailMessage(policy=policy.SMTP)
    inner["Subject"] = "Ursprüngliche Nachricht"
    inner["From"] = "lieferant@example.com"
    inner.set_content("Liefertermin ist der 12. April.")
    outer = EmailMessage(policy=policy.SMTP)
    outer["Subject"] = "WG: Liefertermin"
    outer["From"] = "einkauf@example.de"
    outer.set_content("<p>Bitte <b>beachten</b>.</p>", subtype="html")
    outer.add_attachment(inner)

    doc = registry.parse_bytes(outer.as_bytes(), "wg.eml")

    assert "Bitte beachten." in [b.text for b in doc.blocks if b.member is None]
    forwarded = [b for b in doc.blocks if b.member == "Ursprüngliche Nachricht.eml"]
    assert forwarded[-1].text == "Liefertermin ist der 12. April."


def test_attachment_without_name_and_with_client_path(registry):
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = "Export"
    message.set_content("Anbei.")
    message.add_attachment(b"a;b\n1;2\n", maintype="text", subtype="csv")
    message.add_attachment(b"Text", maintype="text", subtype="plain", filename="C:\\Temp\\x.txt")

    doc = registry.parse_bytes(message.as_bytes(), "export.eml")

    assert {b.member for b in doc.blocks} == {None, "anhang-1.csv", "x.txt"}


def test_non_mail_is_rejected(registry):
    with pytest.raises(ParseError, match="not an e-mail message"):
        registry.parse_bytes(b"\n\nnur Text ohne Kopfzeilen", "nachricht.eml")

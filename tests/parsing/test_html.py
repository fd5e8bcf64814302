from __future__ import annotations

import pytest

from wissenswerk.core.documents import BlockKind
from wissenswerk.parsing.html import detect_encoding, parse_html_text

BOILERPLATE = (
    "Zum Inhalt springen",
    "Intranet Startseite",
    "Personalabteilung</a>",
    "Startseite",
    "Cookies",
    "Akzeptieren",
    "Beliebte Seiten",
    "Impressum",
    "tracking",
    "font-family",
)


def test_only_main_content_is_kept(parse_sample):
    doc = parse_sample("intranet.html")

    for phrase in BOILERPLATE:
        assert phrase not in doc.text, phrase
    assert "Diese Richtlinie regelt die Erstattung von Reisekosten für Dienstreisen." in doc.text
    # The article's own <header> holds its heading and date and must survive.
    assert "Stand: März 2024" in doc.text


def test_title_headings_and_heading_paths(parse_sample):
    doc = parse_sample("intranet.html")

    assert doc.title == "Reisekostenrichtlinie – Intranet Müller Maschinenbau"
    headings = [(b.level, b.text) for b in doc.blocks if b.kind is BlockKind.HEADING]
    assert headings == [
        (1, "Reisekostenrichtlinie"),
        (2, "Fahrtkosten"),
        (2, "Verpflegungsmehraufwand"),
        (3, "Hinweise"),
    ]
    last = doc.blocks[-1]
    assert last.text == "Fragen beantwortet die Personalabteilung."
    assert last.heading_path == ("Reisekostenrichtlinie", "Verpflegungsmehraufwand", "Hinweise")


def test_paragraphs_line_breaks_lists_and_tables(parse_sample):
    doc = parse_sample("intranet.html")
    texts = [b.text for b in doc.blocks]

    assert (
        "Für Fahrten mit dem Privatwagen gilt eine Pauschale von 0,30 € je Kilometer.\n"
        "Bahnfahrten werden in der 2. Klasse erstattet."
    ) in texts
    assert "- Belege im Original einreichen\n- Abrechnung innerhalb von 6 Monaten" in texts
    (table,) = [b for b in doc.blocks if b.kind is BlockKind.TABLE]
    assert table.header == "Abwesenheit | Pauschale"
    assert table.text.splitlines() == [
        "Abwesenheit: mehr als 8 Stunden | Pauschale: 14 €",
        "Abwesenheit: 24 Stunden | Pauschale: 28 €",
    ]


def test_table_without_th_uses_a_text_first_row_as_header():
    doc = parse_html_text(
        "<table><tr><td>Raum</td><td>Plätze</td></tr><tr><td>A 1.02</td><td>12</td></tr>"
        "<tr><td>B 2.10</td><td colspan='1'>30</td></tr></table>"
    )

    assert doc.blocks[0].text == "Raum: A 1.02 | Plätze: 12\nRaum: B 2.10 | Plätze: 30"


def test_body_is_used_without_main_element_and_hidden_parts_are_dropped():
    doc = parse_html_text(
        "<html><body><div id='sidebar'>Links</div><p>Kantine: Montag Linsensuppe.</p>"
        "<div hidden>Versteckt</div><p aria-hidden='true'>Icon</p><!-- Kommentar --></body></html>"
    )

    assert doc.text == "Kantine: Montag Linsensuppe."


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"<meta charset='iso-8859-1'><p>Gr\xf6\xdfe</p>", "cp1252"),
        (b'<meta http-equiv="Content-Type" content="text/html; charset=utf-8">', "utf-8"),
        ("<p>Größe</p>".encode(), "utf-8"),
        ("<p>Größe</p>".encode("cp1252"), "cp1252"),
        (b"<meta charset='x-unbekannt'><p>Gr\xc3\xb6\xc3\x9fe</p>", "utf-8"),
    ],
)
def test_encoding_detection(data, expected):
    assert detect_encoding(data) == expected


def test_latin1_page_is_decoded(registry):
    page = "<html><head><meta charset='ISO-8859-1'><title>Übergabe</title></head>"
    page += "<body><p>Größe, Übergabe, Maßnahme</p></body></html>"

    doc = registry.parse_bytes(page.encode("cp1252"), "seite.htm")

    assert doc.title == "Übergabe"
    assert doc.text == "Größe, Übergabe, Maßnahme"


def test_xhtml_with_xml_declaration_and_empty_documents():
    xhtml = '<?xml version="1.0" encoding="utf-8"?><html><body><p>Text</p></body></html>'
    assert parse_html_text(xhtml).text == "Text"
    assert parse_html_text("   ").blocks == []
    assert parse_html_text("<!-- nur ein Kommentar -->").blocks == []

from __future__ import annotations

from wissenswerk.core.documents import BlockKind


def test_title_is_the_first_h1(parse_sample):
    assert parse_sample("leitfaden.md").title == "Leitfaden Urlaubsantrag"


def test_headings_paragraphs_and_paths(parse_sample):
    doc = parse_sample("leitfaden.md")

    headings = [(b.level, b.text) for b in doc.blocks if b.kind is BlockKind.HEADING]
    assert headings == [
        (1, "Leitfaden Urlaubsantrag"),
        (2, "Ablauf"),
        (2, "Resturlaub"),
        (3, "Export aus dem Portal"),
    ]
    intro = doc.blocks[1]
    assert intro.text == "Dieser Leitfaden erklärt den Urlaubsantrag im Personalportal."  # no **
    assert intro.heading_path == ("Leitfaden Urlaubsantrag",)


def test_lists_become_one_block(parse_sample):
    doc = parse_sample("leitfaden.md")

    steps = next(b for b in doc.blocks if b.text.startswith("1."))
    assert steps.text == (
        "1. Antrag im Portal anlegen\n2. Vertretung eintragen\n"
        "  - Vertretung muss zustimmen\n3. Freigabe durch die Teamleitung"
    )
    assert steps.heading_path == ("Leitfaden Urlaubsantrag", "Ablauf")


def test_tables_and_code(parse_sample):
    doc = parse_sample("leitfaden.md")

    (table,) = [b for b in doc.blocks if b.kind is BlockKind.TABLE]
    assert table.header == "Jahr | Resturlaub | Verfällt am"
    assert table.text.splitlines()[0] == "Jahr: 2023 | Resturlaub: 5 Tage | Verfällt am: 31.03.2024"
    code = next(b for b in doc.blocks if "GET" in b.text)
    assert code.text == "GET /api/urlaub?jahr=2024"
    assert code.heading_path[-1] == "Export aus dem Portal"
    assert doc.blocks[-1].text == "Hinweis: Resturlaub verfällt nicht bei Krankheit."


def test_front_matter_title_and_inline_markup(registry):
    source = (
        '---\ntitle: "Kantinenplan"\nautor: Küche\n---\n\n'
        "Heute *Linsensuppe* mit `Spätzle`, siehe [Speiseplan](https://intranet/speiseplan).\n"
        "![Foto der Suppe](suppe.jpg)\n\n<!-- intern -->\n<div>Preis <b>3,50 €</b></div>\n"
    )

    doc = registry.parse_bytes(source.encode(), "kantine.md")

    assert doc.title == "Kantinenplan"
    assert [b.text for b in doc.blocks] == [
        "Heute Linsensuppe mit Spätzle, siehe Speiseplan. Foto der Suppe",
        "Preis 3,50 €",
    ]

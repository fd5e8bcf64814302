from datetime import UTC, datetime

from wissenswerk.answering.versions import version_key, version_order


def test_versions_share_a_key() -> None:
    a = "Allgemein/Richtlinien/Reisekostenrichtlinie_2023.docx"
    b = "Allgemein/Richtlinien/Reisekostenrichtlinie_2025.docx"
    assert version_key(a) == version_key(b) != ""
    assert version_key("x/Handbuch v2.pdf") == version_key("x/Handbuch v3.pdf")
    assert version_key("x/Handbuch.pdf") != version_key("y/Handbuch.pdf")
    assert version_key("x/Preisliste.xlsx") != version_key("x/Telefonliste.xlsx")


def test_newer_version_orders_higher() -> None:
    old = datetime(2024, 1, 1, tzinfo=UTC)
    new = datetime(2025, 1, 1, tzinfo=UTC)
    assert version_order("R_2025.docx", old) > version_order("R_2023.docx", new)
    assert version_order("H v3.pdf", old) > version_order("H v2.pdf", new)
    assert version_order("H.pdf", new) > version_order("H.pdf", old)

"""Extractive answers quote documents verbatim, but a document's Markdown must not turn the
quote into an image fetch or a link when a front-end renders the answer."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import make_app, write_share

# Plain text keeps the Markdown as the document's words (the Markdown parser would have
# turned the image into its alt text already).
POISONED = (
    "Die Kantine öffnet um 11:30 Uhr ![x](https://evil.example/p.png?q=1) "
    "und schließt um 14 Uhr, siehe [Plan](https://evil.example/plan).\n"
)


def test_a_quoted_image_or_link_is_not_rendered(
    tmp_path: Path, acl_map: Path, users_csv: Path
) -> None:
    share = write_share(tmp_path / "share", {"Allgemein/Kantine.txt": POISONED})
    ww = make_app(tmp_path / "data")
    try:
        ww.import_users(users_csv)
        ww.add_folder_source("share", share, acl_map)
        ww.syncer.sync(ww.source("share"))
        answer = ww.answerer.ask("Wann öffnet die Kantine?", "anna")
    finally:
        ww.close()
    assert answer.found
    assert "evil.example" not in answer.answer
    assert "\\[Bild entfernt\\]" in answer.answer and "Plan" in answer.answer
    assert "evil.example" in answer.citations[0].quote  # the source list shows it as it is

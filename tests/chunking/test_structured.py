import pytest

from wissenswerk.chunking import StructuredChunker
from wissenswerk.core.documents import Block, BlockKind, ParsedDocument


def words(n: int, word: str = "Wort") -> str:
    return " ".join(f"{word}{i}." for i in range(n))


def test_headings_become_context_and_start_new_chunks() -> None:
    doc = ParsedDocument(
        title="Handbuch",
        blocks=[
            Block("Wartung", BlockKind.HEADING, level=1),
            Block("Das Wartungsintervall beträgt 2.000 Stunden.", heading_path=("Wartung",)),
            Block("Sicherheit", BlockKind.HEADING, level=1),
            Block("Vor Arbeiten Strom abschalten.", heading_path=("Sicherheit",)),
        ],
    )
    chunks = StructuredChunker().chunk(doc)
    assert [c.context for c in chunks] == ["Handbuch › Wartung", "Handbuch › Sicherheit"]
    assert chunks[0].text == "Das Wartungsintervall beträgt 2.000 Stunden."


def test_chunks_never_span_pages_or_members() -> None:
    doc = ParsedDocument(
        blocks=[
            Block("Seite eins.", page=1),
            Block("Seite zwei.", page=2),
            Block("Anhang.", page=None, member="anhang.pdf"),
        ]
    )
    chunks = StructuredChunker().chunk(doc)
    assert [(c.page, c.member) for c in chunks] == [(1, None), (2, None), (None, "anhang.pdf")]


def test_long_text_is_split_at_sentences_with_overlap() -> None:
    doc = ParsedDocument(blocks=[Block(words(600))])
    chunks = StructuredChunker(target_words=100, max_words=150, overlap=1).chunk(doc)
    assert len(chunks) >= 6
    assert all(len(c.text.split()) <= 150 for c in chunks)
    # The last sentence of a chunk opens the next one.
    assert chunks[1].text.split()[0] == chunks[0].text.split()[-1]


def test_tables_are_split_between_rows_and_keep_the_header() -> None:
    rows = "\n".join(f"Artikel: A{i} | Preis: {i},00 €" for i in range(200))
    doc = ParsedDocument(blocks=[Block(rows, BlockKind.TABLE, header="Artikel | Preis")])
    chunks = StructuredChunker(target_words=60, max_words=80).chunk(doc)
    assert len(chunks) > 3
    assert all(c.text.startswith("Artikel | Preis\n") for c in chunks)
    assert sum(c.text.count("Artikel: A") for c in chunks) == 200


def test_ids_are_stable_and_content_derived() -> None:
    doc = ParsedDocument(title="T", blocks=[Block("Gleicher Text.")])
    a = StructuredChunker().chunk(doc)
    b = StructuredChunker().chunk(doc)
    changed = StructuredChunker().chunk(ParsedDocument(title="T", blocks=[Block("Anderer.")]))
    assert a[0].chunk_id == b[0].chunk_id != changed[0].chunk_id


def test_invalid_sizes_are_rejected_with_a_reason() -> None:
    with pytest.raises(ValueError, match="target_words"):
        StructuredChunker(target_words=5)

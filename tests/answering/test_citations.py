"""Citation markers of a generated answer are checked against the sources it was given."""

from __future__ import annotations

import pytest

from wissenswerk.analysis import Analyzer
from wissenswerk.answering.citations import check_citations, statements

PASSAGES = [
    "Die Kantine öffnet um 11:30 Uhr. Das Menü wechselt täglich.",
    "Die Kilometerpauschale beträgt 0,35 € je Kilometer. Übernachtungen werden bis 140 € "
    "erstattet.",
]


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


def test_valid_citations_are_renumbered_in_order_of_use(analyzer: Analyzer) -> None:
    text = "Die Kilometerpauschale beträgt 0,35 € [2]. Die Kantine öffnet um 11:30 Uhr [1]."
    check = check_citations(text, PASSAGES, analyzer)
    assert check.text == (
        "Die Kilometerpauschale beträgt 0,35 € [1]. Die Kantine öffnet um 11:30 Uhr [2]."
    )
    assert check.cited == [2, 1]
    assert (check.invalid, check.unsupported, check.uncited) == ([], [], [])
    assert check.validity == 1.0


@pytest.mark.parametrize("invented", ["[3]", "[0]", "[17]", "[Quelle 9]"])
def test_invented_numbers_are_removed_and_reported(analyzer: Analyzer, invented: str) -> None:
    text = f"Übernachtungen werden bis 140 € erstattet {invented}. Das Menü wechselt täglich [1]."
    check = check_citations(text, PASSAGES, analyzer)
    assert check.text == "Übernachtungen werden bis 140 € erstattet. Das Menü wechselt täglich [1]."
    assert check.invalid == [int(invented.strip("[]").split()[-1])]
    assert check.cited == [1]
    assert (check.markers, check.valid) == (2, 1)


def test_a_citation_to_an_unrelated_passage_is_flagged(analyzer: Analyzer) -> None:
    check = check_citations("Die Kilometerpauschale beträgt 0,35 € [1].", PASSAGES, analyzer)
    assert check.unsupported == [(1, "Die Kilometerpauschale beträgt 0,35 €.")]
    assert check.validity == 0.0
    assert check.text == "Die Kilometerpauschale beträgt 0,35 € [1]."  # kept, but flagged


def test_a_statement_may_draw_on_several_passages(analyzer: Analyzer) -> None:
    text = "Die Kantine öffnet um 11:30 Uhr, Übernachtungen werden bis 140 € erstattet [1, 2]."
    check = check_citations(text, PASSAGES, analyzer)
    assert check.text.endswith("erstattet [1][2].")
    assert check.unsupported == []
    assert check.validity == 1.0


def test_markers_after_the_full_stop_belong_to_the_sentence_before(analyzer: Analyzer) -> None:
    found = statements("Das Menü wechselt täglich. [1] Die Pauschale beträgt 0,35 € [2].")
    assert [(s.text, s.numbers) for s in found] == [
        ("Das Menü wechselt täglich.", (1,)),
        ("Die Pauschale beträgt 0,35 €.", (2,)),
    ]


def test_statements_without_a_source_are_listed(analyzer: Analyzer) -> None:
    check = check_citations(
        "Das Menü wechselt täglich [1].\nDer Vorstand isst dort nie.", PASSAGES, analyzer
    )
    assert check.uncited == ["Der Vorstand isst dort nie."]
    assert check.validity == 1.0


def test_a_number_used_as_link_text_is_checked_like_a_marker(analyzer: Analyzer) -> None:
    check = check_citations(
        "Das Menü wechselt [2](https://evil.example/x) täglich [7].", PASSAGES, analyzer
    )
    # Renumbered; the link itself is left to the Markdown sanitiser, which keeps the marker.
    assert check.text == "Das Menü wechselt [1](https://evil.example/x) täglich."
    assert (check.cited, check.invalid) == ([2], [7])


def test_an_answer_without_markers_has_no_validity(analyzer: Analyzer) -> None:
    check = check_citations("Das steht nicht in den Quellen.", PASSAGES, analyzer)
    assert check.validity is None
    assert check.cited == []

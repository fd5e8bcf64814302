"""The lexical analyzer: what a query must find, in German and English."""

from __future__ import annotations

import pytest

from wissenswerk.analysis import Analyzer, detect_language, fold


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


def matches(analyzer: Analyzer, query: str, text: str) -> set[str]:
    return set(analyzer.query_terms(query)) & set(analyzer.index_terms(text))


def test_compound_query_finds_its_parts_in_a_phrase(analyzer: Analyzer) -> None:
    hit = matches(analyzer, "Wartungsintervall", "Das Intervall der Wartung beträgt 6 Monate.")
    assert {"wartung", "intervall"} <= hit


def test_phrase_query_finds_the_compound(analyzer: Analyzer) -> None:
    hit = matches(analyzer, "Intervall der Wartung", "Das Wartungsintervall beträgt 6 Monate.")
    assert {"wartung", "intervall"} <= hit


def test_compound_keeps_the_whole_word(analyzer: Analyzer) -> None:
    terms = analyzer.index_terms("Wartungsintervalle")
    assert terms[0] == analyzer.index_terms("Wartungsintervall")[0]
    assert "wartung" in terms and "intervall" in terms


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Maßnahme", "Massnahme"),
        ("Maßnahmen", "Massnahme"),
        ("Größe", "Groesse"),
        ("Größe", "Grösse"),
        ("Straße", "Strasse"),
        ("Kühlschrank", "Kuehlschrank"),
        ("Café", "Cafe"),
    ],
)
def test_spelling_variants_meet(analyzer: Analyzer, a: str, b: str) -> None:
    assert analyzer.index_terms(a, "de")[0] == analyzer.index_terms(b, "de")[0]


def test_german_stopwords_are_dropped(analyzer: Analyzer) -> None:
    assert analyzer.query_terms("Wann wurde die Firma gegründet?") == ["firma", "gegrund"]


def test_english_text_is_stemmed_as_english(analyzer: Analyzer) -> None:
    text = "The engineers were running the tests on the houses"
    assert detect_language(text) == "en"
    assert analyzer.index_terms(text) == ["engin", "run", "test", "hous"]
    assert analyzer.index_terms(text, "en") == analyzer.index_terms(text)


def test_english_question_matches_english_text(analyzer: Analyzer) -> None:
    hit = matches(analyzer, "How do I replace the filters?", "Replacing a filter takes minutes.")
    assert hit == {"replac", "filter"}


def test_no_compound_splitting_for_english(analyzer: Analyzer) -> None:
    assert analyzer.index_terms("the housekeeping of the spaceship", "en") == [
        "housekeep",
        "spaceship",
    ]


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("HX-200", "Modell HX200 mit Pumpe"),
        ("HX200", "Typ HX-200"),
        ("2000 Euro", "Kosten: 2.000 Euro"),
        ("E-Mail", "per Email senden"),
        ("2024", "am 12.03.2024 geliefert"),
    ],
)
def test_codes_and_numbers(analyzer: Analyzer, query: str, text: str) -> None:
    assert matches(analyzer, query, text)


def test_decimal_comma(analyzer: Analyzer) -> None:
    assert analyzer.index_terms("2,5 Liter", "de")[0] == "2.5"


def test_settings() -> None:
    plain = Analyzer(decompound=False, stopwords=False, stem=False)
    assert plain.index_terms("Der Wartungsintervall") == ["der", "wartungsintervall"]
    assert Analyzer(language="en", detect=False).index_terms("Häuser") == ["haeuser"]


def test_invalid_language() -> None:
    with pytest.raises(ValueError, match="language"):
        Analyzer(language="fr")
    with pytest.raises(ValueError, match="language"):
        Analyzer().index_terms("text", language="fr")


def test_same_text_same_terms_whatever_came_before() -> None:
    fresh, used = Analyzer(), Analyzer()
    used.index_terms("Wartung Intervall Versicherung " * 50)
    text = "Die Versicherungsnehmer melden Wartungsintervalle."
    assert fresh.index_terms(text) == used.index_terms(text)


def test_query_terms_are_distinct(analyzer: Analyzer) -> None:
    terms = analyzer.query_terms("Wartung Wartung Wartungsintervall")
    assert len(terms) == len(set(terms))


def test_query_without_language_evidence_uses_both(analyzer: Analyzer) -> None:
    terms = analyzer.query_terms("Batteries Wartungsintervall")
    assert "batteri" in terms  # both stemmers agree here; the German parts are added
    assert "wartung" in terms


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Wie viele Punkte gab die Verteidigung der Panthers ab?", "de"),
        ("How many points did the Panthers defense surrender?", "en"),
        ("Größe", "de"),
        ("HX-200", "de"),
    ],
)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_detect_language_default() -> None:
    assert detect_language("HX-200", default="en") == "en"


def test_fold() -> None:
    assert fold("Äußerst GRÜN") == "aeusserst gruen"


@pytest.mark.parametrize("text", ["", "   ", "?!", "der die das", "½ ² ﬁ –"])
def test_odd_input_does_not_fail(analyzer: Analyzer, text: str) -> None:
    assert isinstance(analyzer.index_terms(text), list)
    assert isinstance(analyzer.query_terms(text), list)

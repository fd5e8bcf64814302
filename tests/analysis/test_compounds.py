"""German compound splitting from the shipped word list."""

from __future__ import annotations

import pytest

from wissenswerk.analysis import CompoundSplitter, fold


@pytest.fixture(scope="module")
def splitter() -> CompoundSplitter:
    return CompoundSplitter()


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("Wartungsintervall", ("wartung", "intervall")),
        ("Kündigungsfrist", ("kuendigung", "frist")),
        ("Sicherheitsdatenblatt", ("sicherheit", "datenblatt", "daten", "blatt")),
        ("Ersatzteilliste", ("ersatzteil", "ersatz", "teil", "liste")),
        ("Arbeitsschutzmaßnahmen", ("arbeitsschutz", "arbeit", "schutz", "massnahmen")),
    ],
)
def test_compounds_are_split(splitter: CompoundSplitter, word: str, parts: tuple) -> None:
    assert splitter.split(fold(word)) == parts


@pytest.mark.parametrize(
    "word", ["Verbraucher", "Maßnahme", "Unternehmen", "Entscheidung", "Haus", "Interceptions"]
)
def test_other_words_stay_whole(splitter: CompoundSplitter, word: str) -> None:
    assert splitter.split(fold(word)) == ()


def test_custom_lexicon() -> None:
    s = CompoundSplitter({"wasser": 1, "flasche": 1}, min_word=6)
    assert s.split("wasserflasche") == ("wasser", "flasche")
    assert s.split("wasserflaschen") == ()  # "flaschen" is not in this lexicon


def test_invalid_settings() -> None:
    with pytest.raises(ValueError, match="min_part"):
        CompoundSplitter({}, min_part=1)

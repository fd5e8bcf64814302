"""German compound splitting from a word list with frequency classes (no corpus, no GPL).

A word is segmented into known words, allowing the German linking elements between parts
(Fugenelemente: -s-, -es-, -n-, -en-, -er-, -e-, -ens-, and the dropped final -e of
"Schul|buch"). Among all segmentations the one with the lowest mean frequency cost wins, and it
is used only if its parts are on average at least as common as the whole word (the frequency
criterion of Koehn & Knight, 2003, "Empirical methods for compound splitting", with frequency
classes instead of counts). So "Wartungsintervall" → wartung + intervall, "Bundesregierung" →
bund + regierung, but "Verbraucher" stays whole (verb + raucher are rarer than the word).

The splitter depends only on the shipped word list, never on the indexed corpus: the same word
always gets the same parts, so index entries never go stale. Results are cached per word.

The word list (``data/de_lexicon.tsv.gz``, built by ``bench/research/build_lexicon.py``) joins
German word forms from Wikidata Lexemes (CC0-1.0) with frequency classes derived from the
Leipzig Corpora Collection (CC BY 4.0); see ``data/NOTICE.md``.
"""

from __future__ import annotations

import gzip
from collections.abc import Mapping
from functools import cache
from importlib.resources import files

from wissenswerk.analysis.stopwords import stopwords

#: cost of a word that is in the lexicon but has no frequency class (rare)
KNOWN_RARE = 7
#: cost of a word that is not in the lexicon at all
UNKNOWN = 8
# (linking element, restored ending, extra cost) — "wartungs" → "wartung", "schul" → "schule";
# the restored -e costs extra so that prefixes do not read as words ("ent" → "ente")
_LINKERS: tuple[tuple[str, str, float], ...] = (
    ("", "", 0.0),
    ("s", "", 0.0),
    ("es", "", 0.0),
    ("n", "", 0.0),
    ("en", "", 0.0),
    ("er", "", 0.0),
    ("e", "", 0.0),
    ("ens", "", 0.0),
    ("", "e", 1.0),
)


@cache
def load_lexicon() -> Mapping[str, int]:
    """Folded German word → frequency cost (1 = very common .. 7 = known but rare)."""
    raw = (files("wissenswerk.analysis") / "data" / "de_lexicon.tsv.gz").read_bytes()
    lex: dict[str, int] = {}
    for line in gzip.decompress(raw).decode("utf-8").splitlines():
        word, _, cost = line.partition("\t")
        lex[word] = int(cost)
    return lex


class CompoundSplitter:
    """Split folded, lowercase German words into their parts.

    Args:
        lexicon: folded word → cost; defaults to the shipped word list.
        min_word: words shorter than this are never split.
        min_part: shortest part (after removing a linking element).
        max_parts: most parts one word is split into.
        part_penalty: added to the mean cost for each part beyond two.
        min_gain: a split is used only if its cost is at least this much below the whole word's.
    """

    def __init__(
        self,
        lexicon: Mapping[str, int] | None = None,
        *,
        min_word: int = 7,
        min_part: int = 3,
        max_parts: int = 4,
        part_penalty: float = 1.0,
        min_gain: float = 1.0,
    ) -> None:
        if min_part < 2 or min_word < 2 * min_part:
            raise ValueError(
                f"min_part={min_part}, min_word={min_word}: need min_part >= 2 and "
                "min_word >= 2 * min_part"
            )
        self.lexicon = load_lexicon() if lexicon is None else lexicon
        self.min_word = min_word
        self.min_part = min_part
        self.max_parts = max_parts
        self.part_penalty = part_penalty
        self.min_gain = min_gain
        self._stop = stopwords("de")
        self._cache: dict[str, tuple[str, ...]] = {}

    def split(self, word: str) -> tuple[str, ...]:
        """Parts of ``word`` (folded lowercase) as base forms, or ``()`` if it is no compound.

        Parts that are compounds themselves are split again; both they and their parts are
        returned ("arbeitsschutzmassnahmen" → arbeitsschutz, arbeit, schutz, massnahmen).
        """
        hit = self._cache.get(word)
        if hit is None:
            hit = self._split(word) if len(word) >= self.min_word and word.isalpha() else ()
            out: list[str] = []
            for part in hit:
                out.append(part)
                if part != word:
                    out.extend(p for p in self.split(part) if p not in out)
            hit = tuple(out)
            self._cache[word] = hit
        return hit

    def _reading(self, piece: str, last: bool) -> tuple[float, str] | None:
        """Cheapest reading of ``piece`` as a known word (stripping a linker unless last)."""
        best: tuple[float, str] | None = None
        for linker, restore, extra in _LINKERS[:1] if last else _LINKERS:
            if linker and not piece.endswith(linker):
                continue
            stem = piece[: len(piece) - len(linker)]
            base = stem + restore
            if len(stem) < self.min_part or stem in self._stop or base in self._stop:
                continue
            cost = self.lexicon.get(base)
            if cost is not None and (best is None or cost + extra < best[0]):
                best = (cost + extra, base)
        return best

    def _split(self, word: str) -> tuple[str, ...]:
        n = len(word)
        # best[i][k] = (total cost, parts) for word[:i] split into k parts
        best: list[dict[int, tuple[float, tuple[str, ...]]]] = [{} for _ in range(n + 1)]
        best[0][0] = (0.0, ())
        for i in range(self.min_part, n + 1):
            last = i == n
            if not last and n - i < self.min_part:
                continue
            for j in range(0, i - self.min_part + 1):
                if not best[j]:
                    continue
                reading = self._reading(word[j:i], last)
                if reading is None:
                    continue
                cost, base = reading
                for k, (total, parts) in best[j].items():
                    if k + 1 > self.max_parts or (k == 0 and last):
                        continue
                    cand = (total + cost, (*parts, base))
                    old = best[i].get(k + 1)
                    if old is None or cand[0] < old[0]:
                        best[i][k + 1] = cand
        whole = self.lexicon.get(word, UNKNOWN)
        choice: tuple[float, tuple[str, ...]] | None = None
        for k, (total, parts) in best[n].items():
            score = total / k + self.part_penalty * (k - 2)
            if choice is None or score < choice[0]:
                choice = (score, parts)
        if choice is None or choice[0] > whole - self.min_gain:
            return ()
        return choice[1]

"""The lexical analyzer: one pipeline for indexed chunks and for queries.

Pipeline per text: tokenize → fold (lowercase, ä→ae, ö→oe, ü→ue, ß→ss, other diacritics
removed) → drop stopwords → Snowball stem (German or English, by the detected language) → for
German, add the parts of compounds next to the whole word.

Tokens:

- words of letters and digits; apostrophes split ("Carolina's" → carolina, s → carolina);
- hyphenated words give their parts and the joined word: "E-Mail" → mail, email;
  "HX-200" → hx, 200, hx200; "Wartungs-Intervall" → wartung, intervall, wartungsintervall;
- letter/digit mixes give the whole and the runs: "HX200" → hx200, hx, 200;
- numbers: thousands separators are removed ("2.000" and "2,000" → 2000), a decimal comma
  becomes a point ("2,5" → 2.5), dates and versions stay whole and also give their 4-digit
  runs ("12.03.2024" → 12.03.2024, 2024).

The same text always gives the same terms (no corpus statistics), so the index never has to be
rebuilt because of what was indexed later.
"""

from __future__ import annotations

import re
from typing import Literal

import Stemmer

from wissenswerk.analysis.compounds import CompoundSplitter
from wissenswerk.analysis.language import language_scores
from wissenswerk.analysis.normalize import fold
from wissenswerk.analysis.stopwords import stopwords as stopword_list

LANGUAGES = ("de", "en")
_SNOWBALL = {"de": "german", "en": "english"}
_NUM = r"\d+(?:[.,]\d+)+"
_TOKEN = re.compile(rf"(?:{_NUM}|[^\W_]+)(?:-(?:{_NUM}|[^\W_]+))*")
_HYPHENS = str.maketrans({"\u2010": "-", "\u2011": "-", "\u00ad": ""})
_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+|\d{1,3}(?:,\d{3})+")
_RUNS = re.compile(r"\d+|[^\W\d_]+")
_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")

QueryMode = Literal["detect", "both"]


class Analyzer:
    """Turn text into BM25 terms, the same way for chunks and queries.

    Args:
        language: "de" or "en": the language of texts with no evidence either way.
        decompound: add the parts of German compounds next to the whole word.
        stopwords: drop the language's stopwords.
        stem: apply the Snowball stemmer of the text's language.
        detect: detect each text's language (else always use ``language``).
        query_mode: "detect" analyses a query in its detected language and, when the question
            gives no evidence either way, in both languages; "both" always emits the terms of
            both analyses.
    """

    def __init__(
        self,
        language: str = "de",
        *,
        decompound: bool = True,
        stopwords: bool = True,
        stem: bool = True,
        detect: bool = True,
        query_mode: QueryMode = "detect",
        splitter: CompoundSplitter | None = None,
    ) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"language={language!r}: supported are {', '.join(LANGUAGES)}")
        if query_mode not in ("detect", "both"):
            raise ValueError(f"query_mode={query_mode!r}: use 'detect' or 'both'")
        self.language = language
        self.decompound = decompound
        self.use_stopwords = stopwords
        self.stem = stem
        self.detect = detect
        self.query_mode = query_mode
        self._splitter = splitter
        self._stemmers = {lang: Stemmer.Stemmer(_SNOWBALL[lang]) for lang in LANGUAGES}
        self._stop = {lang: stopword_list(lang) if stopwords else frozenset() for lang in LANGUAGES}
        self._cache: dict[str, dict[str, tuple[str, ...]]] = {lang: {} for lang in LANGUAGES}

    # ------------------------------------------------------------------ public API --

    def detect_language(self, text: str) -> str:
        """The language ("de"/"en") this analyzer would use for ``text``."""
        if not self.detect:
            return self.language
        de, en = language_scores(text)
        if de == en:
            return self.language
        return "de" if de > en else "en"

    def index_terms(self, text: str, language: str | None = None) -> list[str]:
        """Terms of a chunk to index (with repeats: term frequency counts)."""
        lang = language or self.detect_language(text)
        if lang not in LANGUAGES:
            raise ValueError(f"language={lang!r}: supported are {', '.join(LANGUAGES)}")
        return self._terms(text, lang)

    def query_terms(self, text: str) -> list[str]:
        """Distinct terms of a query, in order of first appearance."""
        if self.query_mode == "both":
            langs: tuple[str, ...] = LANGUAGES
        elif not self.detect:
            langs = (self.language,)
        else:
            de, en = language_scores(text)
            langs = LANGUAGES if de == en else (("de",) if de > en else ("en",))
        if self.language in langs:  # the default language's terms first
            langs = (self.language, *(x for x in langs if x != self.language))
        out: dict[str, None] = {}
        for lang in langs:
            for t in self._terms(text, lang):
                out.setdefault(t, None)
        return list(out)

    # ------------------------------------------------------------------- internals --

    @property
    def splitter(self) -> CompoundSplitter:
        if self._splitter is None:
            self._splitter = CompoundSplitter()
        return self._splitter

    def _terms(self, text: str, lang: str) -> list[str]:
        cache = self._cache[lang]
        out: list[str] = []
        for token in _TOKEN.findall(text.translate(_HYPHENS)):
            hit = cache.get(token)
            if hit is None:
                hit = self._analyze_token(token, lang)
                if len(cache) < 500_000:
                    cache[token] = hit
            out.extend(hit)
        return out

    def _analyze_token(self, token: str, lang: str) -> tuple[str, ...]:
        if "-" not in token:
            return self._analyze_word(token, lang)
        parts = [p for p in token.split("-") if p]
        terms: list[str] = []
        for p in parts:
            terms.extend(self._analyze_word(p, lang))
        joined = "".join(parts)
        if not any(c in joined for c in ".,"):
            terms.extend(self._analyze_word(joined, lang, decompound=False))
        return tuple(dict.fromkeys(terms))

    def _analyze_word(self, token: str, lang: str, decompound: bool = True) -> tuple[str, ...]:
        w = fold(token)
        if not w:
            return ()
        if w[0].isdigit() and ("." in w or "," in w):
            return self._number(w)
        if w.isdigit():
            return (w,)
        if not w.isalpha():  # letters and digits mixed: "hx200", "1990er"
            runs = [r for r in _RUNS.findall(w) if len(r) > 1 or r.isdigit()]
            return (w, *(r for r in runs if r not in self._stop[lang]))
        if len(w) < 2 or w in self._stop[lang]:
            return ()
        stemmer = self._stemmers[lang] if self.stem else None
        whole = stemmer.stemWord(w) if stemmer else w
        if not (decompound and self.decompound and lang == "de"):
            return (whole,)
        terms = [whole]
        for part in self.splitter.split(w):
            if part in self._stop[lang]:
                continue
            t = stemmer.stemWord(part) if stemmer else part
            if t not in terms:
                terms.append(t)
        return tuple(terms)

    @staticmethod
    def _number(w: str) -> tuple[str, ...]:
        if _THOUSANDS.fullmatch(w):
            return (w.replace(".", "").replace(",", ""),)
        norm = w.replace(",", ".")
        years = [y for y in _YEAR.findall(norm) if y != norm]
        return (norm, *years)

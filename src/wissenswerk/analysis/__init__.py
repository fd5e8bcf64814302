"""German-first text analysis for lexical (BM25) search: tokens, folding, stopwords, stemming,
compound splitting and language detection. The same :class:`Analyzer` serves indexing and
queries."""

from wissenswerk.analysis.analyzer import Analyzer
from wissenswerk.analysis.compounds import CompoundSplitter
from wissenswerk.analysis.language import detect_language
from wissenswerk.analysis.normalize import fold

__all__ = ["Analyzer", "CompoundSplitter", "detect_language", "fold"]

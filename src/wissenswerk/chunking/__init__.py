"""Chunking: parsed documents into citable passages."""

from wissenswerk.chunking.sentences import split_sentences
from wissenswerk.chunking.structured import StructuredChunker, context_line

__all__ = ["StructuredChunker", "context_line", "split_sentences"]

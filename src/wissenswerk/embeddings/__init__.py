"""Dense embedders behind one protocol."""

from wissenswerk.embeddings.base import Embedder, normalise
from wissenswerk.embeddings.registry import build_embedder

__all__ = ["Embedder", "build_embedder", "normalise"]

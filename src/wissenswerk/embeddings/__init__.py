"""Dense embedders behind one protocol."""

from wissenswerk.embeddings.base import Embedder, normalise

__all__ = ["Embedder", "normalise"]

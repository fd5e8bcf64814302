"""Indexing: sources into the store, then dense vectors."""

from wissenswerk.indexing.embedding import EmbedProgress, embed_missing
from wissenswerk.indexing.sync import Syncer, SyncProgress, SyncReport

__all__ = ["EmbedProgress", "SyncProgress", "SyncReport", "Syncer", "embed_missing"]

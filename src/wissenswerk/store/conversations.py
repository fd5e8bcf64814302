"""The conversations part of the store protocol."""

from __future__ import annotations

from typing import Protocol


class ConversationsStore(Protocol):
    """Methods every backend implements for conversations."""

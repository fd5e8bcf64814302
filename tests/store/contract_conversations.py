"""Contract tests for the conversations part of the store; every backend must pass them."""

from __future__ import annotations


class ConversationsContract:
    """Mixed into each backend's test class, which provides the `store` fixture."""

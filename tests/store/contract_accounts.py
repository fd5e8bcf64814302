"""Contract tests for the accounts part of the store; every backend must pass them."""

from __future__ import annotations


class AccountsContract:
    """Mixed into each backend's test class, which provides the `store` fixture."""

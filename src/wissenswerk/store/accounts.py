"""The accounts part of the store protocol."""

from __future__ import annotations

from typing import Protocol


class AccountsStore(Protocol):
    """Methods every backend implements for accounts."""

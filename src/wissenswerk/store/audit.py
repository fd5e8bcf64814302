"""The audit part of the store protocol."""

from __future__ import annotations

from typing import Protocol


class AuditStore(Protocol):
    """Methods every backend implements for audit."""

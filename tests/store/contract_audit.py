"""Contract tests for the audit part of the store; every backend must pass them."""

from __future__ import annotations


class AuditContract:
    """Mixed into each backend's test class, which provides the `store` fixture."""

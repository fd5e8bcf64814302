"""The audit log: append-only, hash-chained records of logins, questions, admin actions."""

from wissenswerk.audit.export import export_csv
from wissenswerk.audit.kinds import (
    CATEGORY_LABELS,
    KIND_LABELS,
    OUTCOME_LABELS,
    Kind,
    Outcome,
    kind_label,
    outcome_label,
)
from wissenswerk.audit.log import AuditLog
from wissenswerk.store.audit import AuditFilter, AuditRecord, ChainCheck

__all__ = [
    "CATEGORY_LABELS",
    "KIND_LABELS",
    "OUTCOME_LABELS",
    "AuditFilter",
    "AuditLog",
    "AuditRecord",
    "ChainCheck",
    "Kind",
    "Outcome",
    "export_csv",
    "kind_label",
    "outcome_label",
]

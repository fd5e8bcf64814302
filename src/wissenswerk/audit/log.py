"""The audit log as the rest of wissenswerk sees it: record events, read, verify, export.

Writing goes through an ``emit`` callable with the signature of ``Store.add_event``; the app
passes its own ``Wissenswerk.emit`` so plugins hear about every record, tests and tools pass
nothing and write to the store directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from wissenswerk.audit.export import export_csv
from wissenswerk.audit.kinds import Kind, Outcome
from wissenswerk.store.audit import AuditFilter, AuditRecord, AuditStore, ChainCheck

# Detail keys whose values must never reach the log, whatever a caller passes by mistake
# (a login handler handing over its whole form, say).
SENSITIVE_KEYS = frozenset(
    {"password", "new_password", "secret", "totp", "totp_code", "recovery_code", "token"}
)
REDACTED = "[redacted]"


class Emit(Protocol):
    def __call__(
        self,
        kind: str,
        actor: str | None,
        payload: dict[str, object],
        *,
        object: str | None = None,
        outcome: str | None = None,
        ip: str | None = None,
    ) -> int: ...


class AuditLog:
    def __init__(self, store: AuditStore, emit: Emit | None = None) -> None:
        self.store = store
        self._emit: Emit = emit or store.add_event

    def record(
        self,
        kind: str,
        actor: str | None,
        /,
        *,
        object: str | None = None,
        outcome: str | None = None,
        ip: str | None = None,
        **details: object,
    ) -> int:
        """Append one record and return its id.

        ``actor`` is the user name (None for the system), ``object`` what was acted on
        (``"share:Technik/Wartung.md"``, ``"user:anna"``), ``outcome`` one of
        :class:`~wissenswerk.audit.kinds.Outcome`, ``ip`` the client address; ``details``
        become the JSON payload.
        """
        if not kind or kind != kind.strip():
            raise ValueError(f"An audit event needs a kind such as 'login.success', got {kind!r}.")
        payload = {k: REDACTED if k.lower() in SENSITIVE_KEYS else v for k, v in details.items()}
        return self._emit(str(kind), actor, payload, object=object, outcome=outcome, ip=ip)

    def events(
        self, filter: AuditFilter | None = None, *, limit: int = 50, offset: int = 0
    ) -> list[AuditRecord]:
        """One page of matching records, newest first."""
        return self.store.audit_events(filter, limit, offset)

    def count(self, filter: AuditFilter | None = None) -> int:
        return self.store.count_audit_events(filter)

    def verify(self) -> ChainCheck:
        return self.store.verify_audit_chain()

    def export_csv(
        self,
        filter: AuditFilter | None = None,
        *,
        actor: str | None,
        ip: str | None = None,
        delimiter: str = ";",
        bom: bool = True,
    ) -> Iterator[str]:
        """Record who exported what (before the first line, so the export itself is in the
        log even if the download breaks off), then stream the CSV."""
        lines = export_csv(self.store, filter, delimiter=delimiter, bom=bom)
        self.record(
            Kind.AUDIT_EXPORTED,
            actor,
            ip=ip,
            outcome=Outcome.SUCCESS,
            filter=filter.as_dict() if filter else {},
        )
        return lines

"""The kinds of audit events and outcomes, with their labels for the UI (German and English).

Kinds are dotted, general to specific, so a prefix filter (``"login."``, ``"admin."``) selects a
family. Plugins may record kinds of their own; the UI shows an unknown kind as it is.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    # accounts and sessions
    LOGIN_SUCCESS = "login.success"
    LOGIN_FAILURE = "login.failure"
    LOGIN_LOCKED = "login.locked"
    LOGOUT = "logout"
    MFA_ENROLLED = "mfa.enrolled"
    MFA_RESET = "mfa.reset"
    # use of the knowledge base
    QUESTION_ASKED = "question.asked"
    ANSWER_GIVEN = "answer.given"
    CITATION_OPENED = "citation.opened"
    DOCUMENT_VIEWED = "document.viewed"
    DOCUMENT_DOWNLOADED = "document.downloaded"
    SEARCH_PERFORMED = "search.performed"
    PERMISSION_DENIED = "permission.denied"
    # administration
    ADMIN_USER_CREATED = "admin.user.created"
    ADMIN_USER_UPDATED = "admin.user.updated"
    ADMIN_USER_DEACTIVATED = "admin.user.deactivated"
    ADMIN_ROLE_CHANGED = "admin.role.changed"
    ADMIN_SOURCE_ADDED = "admin.source.added"
    ADMIN_SOURCE_REMOVED = "admin.source.removed"
    ADMIN_SYNC_STARTED = "admin.sync.started"
    ADMIN_TOKEN_CREATED = "admin.token.created"
    ADMIN_TOKEN_REVOKED = "admin.token.revoked"
    ADMIN_SETTINGS_CHANGED = "admin.settings.changed"
    AUDIT_EXPORTED = "audit.exported"
    # written by the app itself (sync, scheduler, OCR)
    SOURCE_ADDED = "source.added"
    SYNC_COMPLETED = "sync.completed"
    SYNC_FAILED = "sync.failed"
    PERMISSIONS_REFRESHED = "permissions.refreshed"
    DIRECTORY_SYNCED = "directory.synced"
    DIRECTORY_FAILED = "directory.failed"
    OCR_COMPLETED = "ocr.completed"


class Outcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    DENIED = "denied"


KIND_LABELS: dict[str, dict[str, str]] = {
    "de": {
        Kind.LOGIN_SUCCESS: "Anmeldung erfolgreich",
        Kind.LOGIN_FAILURE: "Anmeldung fehlgeschlagen",
        Kind.LOGIN_LOCKED: "Konto vorübergehend gesperrt",
        Kind.LOGOUT: "Abmeldung",
        Kind.MFA_ENROLLED: "Zwei-Faktor-Anmeldung eingerichtet",
        Kind.MFA_RESET: "Zwei-Faktor-Anmeldung zurückgesetzt",
        Kind.QUESTION_ASKED: "Frage gestellt",
        Kind.ANSWER_GIVEN: "Antwort gegeben",
        Kind.CITATION_OPENED: "Quelle geöffnet",
        Kind.DOCUMENT_VIEWED: "Dokument angesehen",
        Kind.DOCUMENT_DOWNLOADED: "Dokument heruntergeladen",
        Kind.SEARCH_PERFORMED: "Suche ausgeführt",
        Kind.PERMISSION_DENIED: "Zugriff verweigert",
        Kind.ADMIN_USER_CREATED: "Benutzer angelegt",
        Kind.ADMIN_USER_UPDATED: "Benutzer geändert",
        Kind.ADMIN_USER_DEACTIVATED: "Benutzer deaktiviert",
        Kind.ADMIN_ROLE_CHANGED: "Rolle geändert",
        Kind.ADMIN_SOURCE_ADDED: "Quelle hinzugefügt (Verwaltung)",
        Kind.ADMIN_SOURCE_REMOVED: "Quelle entfernt",
        Kind.ADMIN_SYNC_STARTED: "Synchronisierung gestartet",
        Kind.ADMIN_TOKEN_CREATED: "API-Token erstellt",
        Kind.ADMIN_TOKEN_REVOKED: "API-Token widerrufen",
        Kind.ADMIN_SETTINGS_CHANGED: "Einstellungen geändert",
        Kind.AUDIT_EXPORTED: "Protokoll exportiert",
        Kind.SOURCE_ADDED: "Quelle hinzugefügt",
        Kind.SYNC_COMPLETED: "Synchronisierung abgeschlossen",
        Kind.SYNC_FAILED: "Synchronisierung fehlgeschlagen",
        Kind.PERMISSIONS_REFRESHED: "Berechtigungen aktualisiert",
        Kind.DIRECTORY_SYNCED: "Verzeichnis abgeglichen",
        Kind.DIRECTORY_FAILED: "Verzeichnisabgleich fehlgeschlagen",
        Kind.OCR_COMPLETED: "Texterkennung abgeschlossen",
    },
    "en": {
        Kind.LOGIN_SUCCESS: "Login succeeded",
        Kind.LOGIN_FAILURE: "Login failed",
        Kind.LOGIN_LOCKED: "Account temporarily locked",
        Kind.LOGOUT: "Logout",
        Kind.MFA_ENROLLED: "Two-factor login set up",
        Kind.MFA_RESET: "Two-factor login reset",
        Kind.QUESTION_ASKED: "Question asked",
        Kind.ANSWER_GIVEN: "Answer given",
        Kind.CITATION_OPENED: "Citation opened",
        Kind.DOCUMENT_VIEWED: "Document viewed",
        Kind.DOCUMENT_DOWNLOADED: "Document downloaded",
        Kind.SEARCH_PERFORMED: "Search performed",
        Kind.PERMISSION_DENIED: "Access denied",
        Kind.ADMIN_USER_CREATED: "User created",
        Kind.ADMIN_USER_UPDATED: "User changed",
        Kind.ADMIN_USER_DEACTIVATED: "User deactivated",
        Kind.ADMIN_ROLE_CHANGED: "Role changed",
        Kind.ADMIN_SOURCE_ADDED: "Source added (administration)",
        Kind.ADMIN_SOURCE_REMOVED: "Source removed",
        Kind.ADMIN_SYNC_STARTED: "Sync started",
        Kind.ADMIN_TOKEN_CREATED: "API token created",
        Kind.ADMIN_TOKEN_REVOKED: "API token revoked",
        Kind.ADMIN_SETTINGS_CHANGED: "Settings changed",
        Kind.AUDIT_EXPORTED: "Audit log exported",
        Kind.SOURCE_ADDED: "Source added",
        Kind.SYNC_COMPLETED: "Sync completed",
        Kind.SYNC_FAILED: "Sync failed",
        Kind.PERMISSIONS_REFRESHED: "Permissions refreshed",
        Kind.DIRECTORY_SYNCED: "Directory synced",
        Kind.DIRECTORY_FAILED: "Directory sync failed",
        Kind.OCR_COMPLETED: "Text recognition completed",
    },
}

# The families offered in the filter's kind menu; each key is a prefix filter.
CATEGORY_LABELS: dict[str, dict[str, str]] = {
    "de": {
        "login.": "Anmeldungen",
        "mfa.": "Zwei-Faktor-Anmeldung",
        "question.": "Fragen",
        "answer.": "Antworten",
        "citation.": "Quellen geöffnet",
        "document.": "Dokumente",
        "search.": "Suchen",
        "permission.": "Zugriffsverweigerungen",
        "admin.": "Verwaltung",
        "sync.": "Synchronisierung",
    },
    "en": {
        "login.": "Logins",
        "mfa.": "Two-factor login",
        "question.": "Questions",
        "answer.": "Answers",
        "citation.": "Citations opened",
        "document.": "Documents",
        "search.": "Searches",
        "permission.": "Access denials",
        "admin.": "Administration",
        "sync.": "Sync",
    },
}

OUTCOME_LABELS: dict[str, dict[str, str]] = {
    "de": {
        Outcome.SUCCESS: "erfolgreich",
        Outcome.FAILURE: "fehlgeschlagen",
        Outcome.DENIED: "verweigert",
    },
    "en": {Outcome.SUCCESS: "success", Outcome.FAILURE: "failure", Outcome.DENIED: "denied"},
}

LANGUAGES = tuple(KIND_LABELS)


def kind_label(kind: str, language: str = "de") -> str:
    """The UI label of a kind; an unknown kind (from a plugin) is shown as it is."""
    return KIND_LABELS.get(language, KIND_LABELS["de"]).get(kind, kind)


def outcome_label(outcome: str | None, language: str = "de") -> str:
    if outcome is None:
        return ""
    return OUTCOME_LABELS.get(language, OUTCOME_LABELS["de"]).get(outcome, outcome)

"""Accounts: passwords (argon2id), TOTP MFA, recovery codes, sessions, API tokens, roles."""

from wissenswerk.accounts.errors import (
    AccountPermissionError,
    AccountPolicyError,
    UnknownAccountError,
    UnknownTokenError,
)
from wissenswerk.accounts.roles import ACTIONS, ADMIN, EDITOR, MEMBER, ROLES, may
from wissenswerk.accounts.service import Accounts, LoginResult, TotpEnrolment
from wissenswerk.accounts.tokens import SCOPES
from wissenswerk.store.accounts import Account, ApiToken, Session

__all__ = [
    "ACTIONS",
    "ADMIN",
    "EDITOR",
    "MEMBER",
    "ROLES",
    "SCOPES",
    "Account",
    "AccountPermissionError",
    "AccountPolicyError",
    "Accounts",
    "ApiToken",
    "LoginResult",
    "Session",
    "TotpEnrolment",
    "UnknownAccountError",
    "UnknownTokenError",
    "may",
]

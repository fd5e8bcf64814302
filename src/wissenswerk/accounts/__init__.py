"""Accounts: passwords (argon2id), TOTP MFA, recovery codes, sessions, API tokens, roles."""

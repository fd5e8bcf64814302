"""The audit log: append-only, hash-chained records of logins, questions, admin actions."""

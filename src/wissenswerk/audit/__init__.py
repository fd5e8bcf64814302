"""The audit log: append-only, hash-chained records of logins, questions, downloads, admin actions."""

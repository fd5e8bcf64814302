"""Real servers (Samba, Dovecot, PostgreSQL, WebDAV, HTTP) started by tests on loopback."""

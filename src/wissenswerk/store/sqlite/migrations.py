"""Named, numbered schema migrations. ``PRAGMA user_version`` records the last one applied.

Never edit a migration that has shipped; add a new one.
"""

from __future__ import annotations

import sqlite3

MIGRATIONS: list[tuple[str, str]] = [
    (
        "initial schema",
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta (key, value) VALUES ('generation', '0');

        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
        );
        CREATE TABLE user_groups (
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            group_name TEXT NOT NULL,
            PRIMARY KEY (user_id, group_name)
        );

        CREATE TABLE sources (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            config TEXT NOT NULL,
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
        );

        -- Documents with the same ACL share one access class; search filters by class.
        CREATE TABLE acl_classes (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE);
        CREATE TABLE acl_class_principals (
            principal TEXT NOT NULL,
            class_id INTEGER NOT NULL REFERENCES acl_classes(id),
            PRIMARY KEY (principal, class_id)
        ) WITHOUT ROWID;

        CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            path TEXT NOT NULL,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            content_hash TEXT,
            acl_class_id INTEGER NOT NULL REFERENCES acl_classes(id),
            title TEXT,
            modified TEXT,
            language TEXT,
            status TEXT NOT NULL,
            reason TEXT,
            parser TEXT,
            warnings TEXT NOT NULL DEFAULT '[]',
            indexed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
            UNIQUE (source_id, path)
        );

        CREATE TABLE chunks (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            chunk_key TEXT NOT NULL,
            ordinal INTEGER NOT NULL,
            text TEXT NOT NULL,
            context TEXT NOT NULL,
            page INTEGER,
            member TEXT,
            heading_path TEXT NOT NULL,
            acl_class_id INTEGER NOT NULL,
            length INTEGER NOT NULL,
            embed_hash TEXT NOT NULL,
            UNIQUE (document_id, ordinal)
        );
        CREATE INDEX chunks_embed_hash ON chunks (embed_hash);

        CREATE TABLE postings (
            term TEXT NOT NULL,
            chunk_id INTEGER NOT NULL,
            tf INTEGER NOT NULL,
            PRIMARY KEY (term, chunk_id)
        ) WITHOUT ROWID;
        CREATE INDEX postings_chunk ON postings (chunk_id);

        -- Vectors are keyed by the hash of the embedded text, so unchanged passages of a
        -- changed or moved file are never embedded twice.
        CREATE TABLE embeddings (
            model TEXT NOT NULL,
            embed_hash TEXT NOT NULL,
            vector BLOB NOT NULL,
            PRIMARY KEY (model, embed_hash)
        ) WITHOUT ROWID;

        CREATE TABLE sync_runs (
            id INTEGER PRIMARY KEY,
            source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            started_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
            finished_at TEXT,
            status TEXT NOT NULL,
            counts TEXT NOT NULL DEFAULT '{}'
        );

        -- Domain events (questions, denials, admin actions); the audit log builds on it.
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            kind TEXT NOT NULL,
            actor TEXT,
            payload TEXT NOT NULL DEFAULT '{}'
        );
        """,
    ),
    (
        "connectors: change tokens, retries, OCR queue, run progress, user origin",
        """
        ALTER TABLE documents ADD COLUMN version TEXT NOT NULL DEFAULT '';
        ALTER TABLE documents ADD COLUMN url TEXT;
        -- Failed reads (network, timeouts): retried with backoff, dead-lettered after N.
        ALTER TABLE documents ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE documents ADD COLUMN retry_at REAL;
        ALTER TABLE documents ADD COLUMN last_error TEXT;
        -- '' | 'pending' | 'done' | 'unavailable' | 'failed'; pages as a JSON list.
        ALTER TABLE documents ADD COLUMN ocr TEXT NOT NULL DEFAULT '';
        ALTER TABLE documents ADD COLUMN ocr_pages TEXT NOT NULL DEFAULT '[]';
        CREATE INDEX documents_ocr_pending ON documents (id) WHERE ocr = 'pending';
        CREATE INDEX documents_failed ON documents (source_id) WHERE failures > 0;

        ALTER TABLE users ADD COLUMN origin TEXT NOT NULL DEFAULT 'local';

        ALTER TABLE sync_runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'content';
        ALTER TABLE sync_runs ADD COLUMN phase TEXT NOT NULL DEFAULT '';
        ALTER TABLE sync_runs ADD COLUMN total INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE sync_runs ADD COLUMN done INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE sync_runs ADD COLUMN pid INTEGER;
        ALTER TABLE sync_runs ADD COLUMN updated_at REAL;
        ALTER TABLE sync_runs ADD COLUMN error TEXT;
        CREATE INDEX sync_runs_source ON sync_runs (source_id, kind, id);
        """,
    ),
    (
        "accounts, sessions, API tokens, audit log, conversations and feedback",
        """
        ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'member';
        ALTER TABLE users ADD COLUMN display_name TEXT;
        ALTER TABLE users ADD COLUMN email TEXT;

        CREATE TABLE credentials (
            user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
            password_hash TEXT,  -- argon2id; NULL for directory accounts (LDAP bind)
            totp_secret TEXT,  -- base32, set at enrolment
            totp_enabled INTEGER NOT NULL DEFAULT 0,
            totp_last_step INTEGER,  -- a code is accepted once (replay protection)
            recovery_codes TEXT NOT NULL DEFAULT '[]',  -- hashes of the unused codes
            failed_logins INTEGER NOT NULL DEFAULT 0,
            locked_until REAL,
            updated_at REAL
        );

        CREATE TABLE api_tokens (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            prefix TEXT NOT NULL,  -- first characters, shown to tell tokens apart
            token_hash TEXT NOT NULL UNIQUE,
            scopes TEXT NOT NULL DEFAULT '[]',
            created_at REAL NOT NULL,
            expires_at REAL,
            last_used_at REAL,
            revoked_at REAL
        );

        CREATE TABLE sessions (
            id_hash TEXT PRIMARY KEY,  -- the cookie holds the token, the database its hash
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            created_at REAL NOT NULL,
            last_seen_at REAL NOT NULL,
            expires_at REAL NOT NULL,
            mfa_passed INTEGER NOT NULL DEFAULT 0,
            csrf_token TEXT NOT NULL,
            ip TEXT,
            user_agent TEXT
        );
        CREATE INDEX sessions_user ON sessions (user_id);

        CREATE TABLE login_attempts (
            id INTEGER PRIMARY KEY,
            at REAL NOT NULL,
            username TEXT,
            ip TEXT,
            success INTEGER NOT NULL
        );
        CREATE INDEX login_attempts_user ON login_attempts (username, at);
        CREATE INDEX login_attempts_ip ON login_attempts (ip, at);

        CREATE TABLE app_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

        -- The audit log is the events table: who (actor), what (kind, object), outcome,
        -- from where (ip); each row chained to the previous by hash (tamper evidence).
        ALTER TABLE events ADD COLUMN object TEXT;
        ALTER TABLE events ADD COLUMN outcome TEXT;
        ALTER TABLE events ADD COLUMN ip TEXT;
        ALTER TABLE events ADD COLUMN prev_hash TEXT;
        ALTER TABLE events ADD COLUMN hash TEXT;
        CREATE INDEX events_at ON events (at);
        CREATE INDEX events_actor ON events (actor, at);
        CREATE INDEX events_kind ON events (kind, at);
        CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

        CREATE TABLE conversations (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            title TEXT NOT NULL,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE INDEX conversations_user ON conversations (user_id, updated_at);
        CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            role TEXT NOT NULL,  -- 'user' | 'assistant'
            text TEXT NOT NULL,
            found INTEGER,
            citations TEXT NOT NULL DEFAULT '[]',
            created_at REAL NOT NULL
        );
        CREATE INDEX messages_conversation ON messages (conversation_id, id);
        CREATE TABLE feedback (
            id INTEGER PRIMARY KEY,
            message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            rating INTEGER NOT NULL,  -- +1 | -1
            comment TEXT,
            created_at REAL NOT NULL,
            UNIQUE (message_id, user_id)
        );
        """,
    ),
    (
        "login attempt outcomes",
        """
        -- Why an attempt ended ('ok', 'invalid', 'locked', 'mfa_invalid', ...): attempts refused
        -- during a lockout are recorded but must not extend it.
        ALTER TABLE login_attempts ADD COLUMN outcome TEXT NOT NULL DEFAULT '';
        """,
    ),
    (
        "hidden-text flag of documents",
        """
        -- Why a document may carry text its reader does not see (white or tiny text, hidden
        -- runs, zero-width characters); shown with every citation of it. '' = none found.
        ALTER TABLE documents ADD COLUMN hidden_text TEXT NOT NULL DEFAULT '';
        """,
    ),
    (
        "notes of answers",
        """
        -- What the reader of an answer should know (a citation to check, links removed, the
        -- model was down): a JSON list of strings, shown under the answer.
        ALTER TABLE messages ADD COLUMN notes TEXT NOT NULL DEFAULT '[]';
        """,
    ),
]


def migrate(conn: sqlite3.Connection) -> None:
    (current,) = conn.execute("PRAGMA user_version").fetchone()
    for number, (_name, script) in enumerate(MIGRATIONS, start=1):
        if number <= current:
            continue
        # executescript commits first; the version bump is part of the script so a crash
        # mid-migration leaves the old version number and the script re-runs.
        conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")

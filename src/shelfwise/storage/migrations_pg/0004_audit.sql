-- Suspicious-activity flags (as SQLite's 0004): derived, never deleting events.
CREATE TABLE audit_flags (
    user_id    TEXT PRIMARY KEY COLLATE "C",
    reasons    TEXT NOT NULL,
    events     INTEGER NOT NULL,
    flagged_at DOUBLE PRECISION NOT NULL
);
CREATE TABLE audit_trusted (
    user_id    TEXT PRIMARY KEY COLLATE "C",
    trusted_at DOUBLE PRECISION NOT NULL
);

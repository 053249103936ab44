-- Serving: API keys (only a SHA-256 of the secret part) and the change log that every server
-- process follows (identity re-resolutions, forgotten customers). Mirrors SQLite's 0002.
CREATE TABLE api_keys (
    key_id     TEXT PRIMARY KEY,
    secret_sha TEXT NOT NULL,
    scopes     TEXT NOT NULL,
    name       TEXT,
    created_at DOUBLE PRECISION NOT NULL,
    revoked_at DOUBLE PRECISION
);

CREATE TABLE change_log (
    seq     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind    TEXT NOT NULL,
    subject TEXT,
    at      DOUBLE PRECISION NOT NULL
);

CREATE INDEX items_updated ON items(updated_at);

-- Serving. API keys: only a SHA-256 of a key's secret part is stored; the key itself is shown
-- once, when it is created. A revoked key keeps its row (revoked_at) so `keys list` shows history.
CREATE TABLE api_keys (
    key_id     TEXT PRIMARY KEY,              -- public part, e.g. k-1a2b3c4d5e6f
    secret_sha TEXT NOT NULL,                 -- hex SHA-256 of the secret part
    scopes     TEXT NOT NULL,                 -- space-separated: ingest read admin
    name       TEXT,
    created_at REAL NOT NULL,
    revoked_at REAL
);

-- What running servers must redo besides new events (which they follow by events.seq): identity
-- re-resolutions and forgotten customers. Every server process (one per worker) reads it after
-- the last change it applied, so a forget through one worker is honoured by all of them.
CREATE TABLE change_log (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    kind    TEXT NOT NULL,                    -- identity | forget
    subject TEXT,                             -- the forgotten customer id
    at      REAL NOT NULL
);

-- Servers poll for catalog items changed since their last look.
CREATE INDEX items_updated ON items(updated_at);

-- Shelfwise schema v1. Events are the source of truth; customers are derived from accounts.
CREATE TABLE items (
    item_id     TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    description TEXT,
    brand       TEXT,
    category    TEXT NOT NULL DEFAULT '[]',   -- JSON list, the category path
    price       REAL,
    currency    TEXT,
    attributes  TEXT NOT NULL DEFAULT '{}',   -- JSON object
    image_url   TEXT,
    in_stock    INTEGER,
    created_at  REAL,
    updated_at  REAL NOT NULL
);

-- One row per account (a customer's identity in one channel). Accounts first seen in an event
-- are created "implicit" and completed when the account record arrives.
CREATE TABLE accounts (
    user_id     TEXT PRIMARY KEY,
    seq         INTEGER NOT NULL,             -- first-seen order; the oldest account names its customer
    channel     TEXT,
    implicit    INTEGER NOT NULL DEFAULT 0,
    attributes  TEXT NOT NULL DEFAULT '{}',
    customer_id TEXT,
    updated_at  REAL NOT NULL
);
CREATE INDEX accounts_customer ON accounts(customer_id);

-- Keyed hashes (HMAC) of normalized identity keys; raw emails and phones are never stored.
CREATE TABLE account_keys (
    user_id  TEXT NOT NULL,
    kind     TEXT NOT NULL,                   -- email | phone | member_id | device_id | handle
    key_hash TEXT NOT NULL,
    strong   INTEGER NOT NULL,
    PRIMARY KEY (user_id, kind, key_hash)
);
CREATE INDEX account_keys_hash ON account_keys(key_hash);

-- Manual identity decisions that later ingests must not undo.
CREATE TABLE identity_overrides (
    user_id    TEXT PRIMARY KEY,
    action     TEXT NOT NULL,                 -- detach
    created_at REAL NOT NULL
);

CREATE TABLE events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    event_key  TEXT NOT NULL UNIQUE,          -- idempotency key: event_id or a content hash
    event_id   TEXT,
    user_id    TEXT NOT NULL,
    item_id    TEXT,
    type       TEXT NOT NULL,
    ts         REAL NOT NULL,
    channel    TEXT,
    value      REAL,
    price      REAL,
    query      TEXT,
    session_id TEXT,
    store_id   TEXT,
    text       TEXT
);
CREATE INDEX events_user_ts ON events(user_id, ts);
CREATE INDEX events_item ON events(item_id);

-- Every rejected input row, with where it came from and why.
CREATE TABLE rejections (
    source     TEXT NOT NULL,
    line       INTEGER NOT NULL,
    reason     TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (source, line, reason)
);

-- Shelfwise schema v1 on PostgreSQL: the same tables and columns as SQLite's 0001 (REAL becomes
-- DOUBLE PRECISION so timestamps and prices round-trip exactly). JSON stays TEXT: the store
-- writes and reads it byte for byte, as SQLite does (JSONB would reorder object keys).
-- Identifiers compare bytewise (COLLATE "C"), as in SQLite: the same orders, and index
-- maintenance without locale-aware string comparison (the main cost of bulk ingest).
CREATE TABLE items (
    item_id     TEXT COLLATE "C" PRIMARY KEY,
    title       TEXT NOT NULL,
    description TEXT,
    brand       TEXT,
    category    TEXT NOT NULL DEFAULT '[]',
    price       DOUBLE PRECISION,
    currency    TEXT,
    attributes  TEXT NOT NULL DEFAULT '{}',
    image_url   TEXT,
    in_stock    INTEGER,
    created_at  DOUBLE PRECISION,
    updated_at  DOUBLE PRECISION NOT NULL,
    -- Insertion order (SQLite's rowid): iter_items returns items in the order they first arrived.
    pos         BIGINT GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX items_pos ON items(pos);

CREATE TABLE accounts (
    user_id     TEXT COLLATE "C" PRIMARY KEY,
    seq         BIGINT NOT NULL,
    channel     TEXT,
    implicit    INTEGER NOT NULL DEFAULT 0,
    attributes  TEXT NOT NULL DEFAULT '{}',
    customer_id TEXT COLLATE "C",
    updated_at  DOUBLE PRECISION NOT NULL
);
CREATE INDEX accounts_customer ON accounts(customer_id);
CREATE INDEX accounts_seq ON accounts(seq);

CREATE TABLE account_keys (
    user_id  TEXT COLLATE "C" NOT NULL,
    kind     TEXT COLLATE "C" NOT NULL,
    key_hash TEXT COLLATE "C" NOT NULL,
    strong   INTEGER NOT NULL,
    PRIMARY KEY (user_id, kind, key_hash)
);
CREATE INDEX account_keys_hash ON account_keys(key_hash);

CREATE TABLE identity_overrides (
    user_id    TEXT PRIMARY KEY,
    action     TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL
);

-- seq is assigned and committed in one order because every write transaction holds the store's
-- write lock (an advisory lock, see postgres.py): followers can read "seq > last seen" safely.
CREATE TABLE events (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_key  TEXT COLLATE "C" NOT NULL UNIQUE,
    event_id   TEXT,
    user_id    TEXT COLLATE "C" NOT NULL,
    item_id    TEXT COLLATE "C",
    type       TEXT NOT NULL,
    ts         DOUBLE PRECISION NOT NULL,
    channel    TEXT,
    value      DOUBLE PRECISION,
    price      DOUBLE PRECISION,
    query      TEXT,
    session_id TEXT,
    store_id   TEXT,
    text       TEXT
);
CREATE INDEX events_user_ts ON events(user_id, ts);
-- iter_events pages through (ts, seq) without sorting the whole table. Unlike SQLite's schema
-- there is no index on item_id: no store query filters events by item, and every index on a
-- random key costs bulk ingest about a third of its speed (measured with benchmarks/ingest_pg.py).
CREATE INDEX events_ts_seq ON events(ts, seq);

CREATE TABLE rejections (
    source     TEXT NOT NULL,
    line       BIGINT NOT NULL,
    reason     TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (source, line, reason)
);

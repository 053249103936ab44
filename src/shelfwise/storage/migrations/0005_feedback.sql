-- The feedback loop (docs/feedback.md). Events may name the served list they answer.
ALTER TABLE events ADD COLUMN request_id TEXT;
ALTER TABLE events ADD COLUMN position INTEGER;
ALTER TABLE events ADD COLUMN placement TEXT;

-- One row per item of a served (origin 'server') or client-rendered (origin 'client') list. The
-- same (request, item) may be logged once by each origin: a front end's report never erases the
-- server's, and re-posting either changes nothing.
CREATE TABLE impressions (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,  -- arrival order: breaks timestamp ties
    request_id    TEXT NOT NULL,
    item_id       TEXT NOT NULL,
    position      INTEGER NOT NULL,                   -- 0-based slot in the list
    placement     TEXT NOT NULL,
    ts            REAL NOT NULL,
    user_id       TEXT,
    customer_id   TEXT,
    model_version TEXT,
    experiment    TEXT,
    variant       TEXT,
    propensity    REAL,                               -- NULL: no exploration, the slot was certain
    origin        TEXT NOT NULL DEFAULT 'server',     -- server | client
    UNIQUE (request_id, item_id, origin)              -- also serves impressions_of_request
);
-- latest_impression: a customer's newest impression of an item within the attribution window.
CREATE INDEX impressions_customer_item_ts ON impressions(customer_id, item_id, ts);
CREATE INDEX impressions_ts ON impressions(ts);
CREATE INDEX impressions_user ON impressions(user_id);

-- Clicks, carts and purchases credited to one impression; one credit per crediting event.
CREATE TABLE outcomes (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id      TEXT NOT NULL,                      -- the event's id (or its idempotency key)
    type          TEXT NOT NULL,                      -- click | add_to_cart | purchase
    request_id    TEXT NOT NULL,
    item_id       TEXT NOT NULL,
    position      INTEGER NOT NULL,
    placement     TEXT NOT NULL,
    ts            REAL NOT NULL,
    customer_id   TEXT,
    model_version TEXT,
    experiment    TEXT,
    variant       TEXT,
    revenue       REAL NOT NULL DEFAULT 0,
    UNIQUE (event_id, type)
);
CREATE INDEX outcomes_ts ON outcomes(ts);
CREATE INDEX outcomes_request ON outcomes(request_id);
CREATE INDEX outcomes_customer ON outcomes(customer_id);

-- The feedback loop (as SQLite's 0005; docs/feedback.md). Events may name the served list they answer.
ALTER TABLE events ADD COLUMN request_id TEXT COLLATE "C";
ALTER TABLE events ADD COLUMN position INTEGER;
ALTER TABLE events ADD COLUMN placement TEXT;

-- One row per item of a served (origin 'server') or client-rendered (origin 'client') list.
CREATE TABLE impressions (
    seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- arrival order: breaks ts ties
    request_id    TEXT COLLATE "C" NOT NULL,
    item_id       TEXT COLLATE "C" NOT NULL,
    position      INTEGER NOT NULL,
    placement     TEXT COLLATE "C" NOT NULL,
    ts            DOUBLE PRECISION NOT NULL,
    user_id       TEXT COLLATE "C",
    customer_id   TEXT COLLATE "C",
    model_version TEXT COLLATE "C",
    experiment    TEXT COLLATE "C",
    variant       TEXT COLLATE "C",
    propensity    DOUBLE PRECISION,
    origin        TEXT COLLATE "C" NOT NULL DEFAULT 'server',
    UNIQUE (request_id, item_id, origin)
);
CREATE INDEX impressions_customer_item_ts ON impressions(customer_id, item_id, ts);
CREATE INDEX impressions_ts_seq ON impressions(ts, seq);
CREATE INDEX impressions_user ON impressions(user_id);

CREATE TABLE outcomes (
    seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id      TEXT COLLATE "C" NOT NULL,
    type          TEXT COLLATE "C" NOT NULL,
    request_id    TEXT COLLATE "C" NOT NULL,
    item_id       TEXT COLLATE "C" NOT NULL,
    position      INTEGER NOT NULL,
    placement     TEXT COLLATE "C" NOT NULL,
    ts            DOUBLE PRECISION NOT NULL,
    customer_id   TEXT COLLATE "C",
    model_version TEXT COLLATE "C",
    experiment    TEXT COLLATE "C",
    variant       TEXT COLLATE "C",
    revenue       DOUBLE PRECISION NOT NULL DEFAULT 0,
    UNIQUE (event_id, type)
);
CREATE INDEX outcomes_ts_seq ON outcomes(ts, seq);
CREATE INDEX outcomes_request ON outcomes(request_id);
CREATE INDEX outcomes_customer ON outcomes(customer_id);

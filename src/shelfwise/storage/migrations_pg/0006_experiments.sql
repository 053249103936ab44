-- A/B experiments between model versions on one placement (as SQLite's 0006).
CREATE TABLE experiments (
    name            TEXT PRIMARY KEY COLLATE "C",
    placement       TEXT NOT NULL COLLATE "C",
    variants        TEXT NOT NULL,
    traffic         TEXT NOT NULL,
    salt            TEXT NOT NULL,
    status          TEXT NOT NULL,
    exploration     DOUBLE PRECISION NOT NULL DEFAULT 0,
    created_at      DOUBLE PRECISION NOT NULL,
    stopped_at      DOUBLE PRECISION,
    shipped_variant TEXT
);
CREATE UNIQUE INDEX experiments_running_placement ON experiments(placement) WHERE status = 'running';

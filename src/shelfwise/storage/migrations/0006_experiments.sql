-- A/B experiments between model versions on one placement. ``variants`` is a JSON object
-- {variant: model_version} in the order given (the first is the control), ``traffic`` the
-- matching {variant: share} summing to 1. The salt makes assignment independent across
-- experiments. At most one running experiment per placement (the partial unique index). Every
-- write also appends a change_log row (kind 'experiments') so running servers follow it.
CREATE TABLE experiments (
    name            TEXT PRIMARY KEY,
    placement       TEXT NOT NULL,
    variants        TEXT NOT NULL,
    traffic         TEXT NOT NULL,
    salt            TEXT NOT NULL,
    status          TEXT NOT NULL,            -- running | stopped | shipped
    exploration     REAL NOT NULL DEFAULT 0,  -- share of slots filled at random (propensity logged)
    created_at      REAL NOT NULL,
    stopped_at      REAL,
    shipped_variant TEXT
);
CREATE UNIQUE INDEX experiments_running_placement ON experiments(placement) WHERE status = 'running';

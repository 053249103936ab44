-- Suspicious-activity filter. Flags are derived (recomputed before every training) and never delete
-- events: the merchant reviews them. A trusted account (`shelfwise audit unflag`) is never flagged again.
CREATE TABLE audit_flags (
    user_id    TEXT PRIMARY KEY,
    reasons    TEXT NOT NULL,                 -- JSON list of the facts that flagged the account
    events     INTEGER NOT NULL,              -- events of the account kept out of training
    flagged_at REAL NOT NULL
);

CREATE TABLE audit_trusted (
    user_id    TEXT PRIMARY KEY,
    trusted_at REAL NOT NULL
);

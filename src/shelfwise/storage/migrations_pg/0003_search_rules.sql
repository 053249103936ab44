-- Merchant-managed search rules (as SQLite's 0003): synonyms and per-query pin / bury / redirect.
CREATE TABLE search_rules (
    rule_id    BIGSERIAL PRIMARY KEY,
    kind       TEXT NOT NULL COLLATE "C",
    body       TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX search_rules_kind ON search_rules(kind);

-- Merchant-managed search rules: synonyms (one-way "a => b" or two-way "a, b, c") and per-query
-- pin / bury / redirect rules. The body is JSON validated by shelfwise.search.rules; adding or
-- removing a rule also writes a change_log row (kind 'search_rules') so running servers reload.
CREATE TABLE search_rules (
    rule_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL,                 -- synonym | pin | bury | redirect
    body       TEXT NOT NULL,                 -- JSON object
    created_at REAL NOT NULL
);
CREATE INDEX search_rules_kind ON search_rules(kind);

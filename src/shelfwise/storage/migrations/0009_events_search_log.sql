-- The search log (events carrying a query) is read at every search start-up, one-off CLI searches
-- included. Without this index SQLite walks every event of the search types (all purchases:
-- 0.93 s on Beauty's 198k events, which have no query at all); the partial index holds only
-- events with a query, so a shop without a search log answers at once (0.2 ms) and one with a log
-- reads just the log.
CREATE INDEX IF NOT EXISTS events_search_log ON events(type, ts, seq) WHERE query IS NOT NULL AND query != '';

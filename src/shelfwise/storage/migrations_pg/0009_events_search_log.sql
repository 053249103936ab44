-- The search log (events carrying a query) is read at every search start-up, one-off CLI searches
-- included: a partial index of just those events, so the read does not walk every purchase.
CREATE INDEX IF NOT EXISTS events_search_log ON events(type, ts, seq) WHERE query IS NOT NULL AND query <> '';

-- Counts of engagements per item (search popularity, read at every search start-up) filter on the
-- event type: with only the item index the store visits every event row (0.7 s per count on Beauty's
-- 198k events); this covering index answers them from the index alone (0.1 s), and the count of
-- a type a shop never sends (returns) at once.
CREATE INDEX IF NOT EXISTS events_type_item ON events(type, item_id, value);

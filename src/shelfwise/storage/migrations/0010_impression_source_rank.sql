-- The rank the list's source gave each item before a re-scoring stage (the click model) reordered
-- it (docs/ctr.md): a click-model feature. NULL: not known (client-posted lists, older rows).
ALTER TABLE impressions ADD COLUMN source_rank INTEGER;

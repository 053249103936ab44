-- The source's rank of each impression's item before re-scoring (as SQLite's 0009).
ALTER TABLE impressions ADD COLUMN source_rank INTEGER;

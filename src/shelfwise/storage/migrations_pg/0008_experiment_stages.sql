-- Per-variant scoring stages switched off (as SQLite's 0007).
ALTER TABLE experiments ADD COLUMN stages_off TEXT NOT NULL DEFAULT '{}';

-- Per-variant scoring stages switched off (docs/experiments.md): a JSON object
-- {variant: [stage, ...]}, e.g. {"control": ["click"]} — the same model version served with and
-- without its click stage. '{}': every variant runs every stage its version has.
ALTER TABLE experiments ADD COLUMN stages_off TEXT NOT NULL DEFAULT '{}';
